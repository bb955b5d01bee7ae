"""Gate scans (entry and exit by QR code, with the reason a code is refused) and the
gate's head counts (walk-ins, cars)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.permissions import require_perm
from minzheng.core.scope import object_in_scope
from minzheng.core.validators import as_id

from .. import params as qparams
from .. import rules
from ..models import (
    CheckIn,
    Gate,
    GateBucket,
    Reservation,
    Season,
)
from .bookings import _move
from .common import QR_SALT, ScanRefused, Status
from .seasons import is_walk_in_day


@dataclass(frozen=True)
class ScanResult:
    checkin: CheckIn
    reservation: Reservation | None
    replayed: bool


def _find_reservation(*, code: str, gate: Gate, day: dt.date) -> Reservation:
    """The reservation a scanned or typed code stands for. A QR whose signature fails is
    refused as altered; a code that is not found says so; a typed short code that belongs
    to another day or cemetery is returned, and the caller says which (wrong day, wrong
    cemetery), as it does for a QR."""
    text = (code or "").strip()
    if ":" in text:
        try:
            data = signing.loads(text, salt=QR_SALT)
            r = Reservation.objects.select_related("slot").get(
                pk=int(data["i"]), code=str(data["k"])
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError, Reservation.DoesNotExist):
            raise ValidationError(
                {
                    "code": _(
                        "二维码无法验证（不是本系统的预约码，或已被改动），请让祭扫人重新打开预约记录出示。"
                    )
                }
            ) from None
        if data.get("d") != r.visit_date.isoformat() or data.get("c") != r.cemetery_id:
            raise ValidationError({"code": _("二维码与预约记录不一致，请核对。")})
        return r
    compact = text.replace(" ", "").upper()
    r = None
    if compact.isdigit() and len(compact) == rules.SHORT_CODE_DIGITS:
        mine = Reservation.objects.select_related("slot")
        r = mine.filter(cemetery_id=gate.cemetery_id, visit_date=day, short_code=compact).first()
        if r is None:
            # Short codes repeat across days and cemeteries: one other booking with this
            # code is named (wrong day or cemetery); several cannot be told apart.
            elsewhere = list(mine.filter(short_code=compact).order_by("-visit_date")[:2])
            if len(elsewhere) == 1:
                return elsewhere[0]
            if elsewhere:
                raise ValidationError(
                    {
                        "code": _(
                            "该预约码不是本墓园今天的预约，请核对预约日期和墓园，或扫描二维码。"
                        )
                    }
                )
    elif len(compact) == 16:
        r = Reservation.objects.select_related("slot").filter(code=compact).first()
    if r is None:
        raise ValidationError({"code": _("没有找到该预约码，请核对后重新输入，或扫描二维码。")})
    return r


def _season_for(day: dt.date) -> Season:
    season = Season.objects.filter(starts_on__lte=day, ends_on__gte=day).first()
    if season is None:
        raise ValidationError(
            {"scanned_at": _("%(day)s 不在任何祭扫季内。") % {"day": day.isoformat()}}
        )
    return season


def _bump(*, gate: Gate, season_id: int, at: dt.datetime, **increments: int) -> None:
    """Add to the gate's 15-minute bucket (created on first use) with F() increments."""
    start = rules.bucket_start(at)
    GateBucket.objects.bulk_create(
        [GateBucket(gate=gate, cemetery_id=gate.cemetery_id, season_id=season_id, starts_at=start)],
        ignore_conflicts=True,
    )
    GateBucket.objects.filter(gate=gate, starts_at=start).update(
        **{k: F(k) + v for k, v in increments.items() if v}
    )


def _gate_for(actor, gate_id) -> Gate:
    require_perm(actor, "qingming.add_checkin")
    gate = (
        Gate.objects.select_related("cemetery").filter(pk=as_id(gate_id), is_active=True).first()
        if as_id(gate_id)
        else None
    )
    if gate is None or not object_in_scope(actor, gate):
        raise ValidationError({"gate": _("出入口不存在。")})
    return gate


def _scan_time(scanned_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When the scan happened: a queued offline scan carries its own time, which may not
    lie in the future nor more than a day back."""
    if scanned_at is None:
        return now
    if scanned_at > now + dt.timedelta(minutes=5) or scanned_at < now - dt.timedelta(days=1):
        raise ValidationError({"scanned_at": _("扫码时间无效。")})
    return scanned_at


def _scan_input_errors(*, nonce: str, direction: str) -> dict[str, str]:
    errors = {}
    if not 8 <= len(nonce) <= 64:
        errors["nonce"] = _("缺少扫码流水号（8–64 个字符）。")
    if direction not in CheckIn.Direction.values:
        errors["direction"] = _("方向须为 in（入园）或 out（出园）。")
    return errors


def _scan_start(*, actor, gate_id, nonce: str, scanned_at, now):
    """The gate (permission and scope checked), the earlier result of this nonce if any,
    and when and on which day the scan happened."""
    gate = _gate_for(actor, gate_id)
    replay = _replay(nonce)
    at = _scan_time(scanned_at, now or timezone.now())
    return gate, replay, at, rules.china_date(at)


def _replay(nonce: str) -> ScanResult | None:
    done = CheckIn.objects.select_related("reservation").filter(nonce=nonce).first()
    return ScanResult(done, done.reservation, True) if done else None


def checkin_scan(
    *,
    actor,
    code: str,
    gate_id,
    direction: str,
    nonce: str,
    scanned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ScanResult:
    """Record an entry or exit of a booking at a gate.

    Idempotent on `nonce` (unique): a retried scan returns the first result. The
    reservation moves with a conditional UPDATE on its status, so two phones scanning the
    same code at once admit it once. Refusals (409) write nothing."""
    nonce = (nonce or "").strip()
    errors = _scan_input_errors(nonce=nonce, direction=direction)
    if errors:
        raise ValidationError(errors)
    gate, replay, at, day = _scan_start(
        actor=actor, gate_id=gate_id, nonce=nonce, scanned_at=scanned_at, now=now
    )
    if replay:
        return replay
    r = _find_reservation(code=code, gate=gate, day=day)
    if r.cemetery_id != gate.cemetery_id:
        raise ScanRefused(
            "wrong_cemetery", _("该预约不是本墓园的（%(c)s）。") % {"c": r.cemetery.name}
        )
    if r.visit_date != day:
        raise ScanRefused(
            "wrong_day", _("该预约的祭扫日期是 %(d)s，不是今天。") % {"d": r.visit_date.isoformat()}
        )
    p = qparams.booking_params(division_code=gate.cemetery.division_id, on=day)
    cars = 1 if r.plate else 0
    try:
        with transaction.atomic():
            if direction == CheckIn.Direction.IN:
                was_left = r.status == Status.LEFT
                name = "reenter" if was_left and p.allow_reentry else "enter"
                if not _move(reservation=r, name=name, actor=actor, reason=f"{gate.name} 入园"):
                    raise _entry_refusal(r)
                reentry = was_left
                counts = {"reentries" if reentry else "arrivals": r.party_size, "cars_in": cars}
            else:
                if not _move(reservation=r, name="leave", actor=actor, reason=f"{gate.name} 出园"):
                    raise ScanRefused(
                        "not_inside", _("该预约尚未入园或已出园（%(s)s）。") % {"s": _status_now(r)}
                    )
                reentry = False
                counts = {"departures": r.party_size, "cars_out": cars}
            checkin = CheckIn.objects.create(
                nonce=nonce,
                cemetery_id=gate.cemetery_id,
                gate=gate,
                reservation=r,
                kind=CheckIn.Kind.BOOKING,
                direction=direction,
                people=r.party_size,
                cars=cars,
                is_reentry=reentry,
                scanned_at=at,
                by=actor,
            )
            _bump(gate=gate, season_id=r.season_id, at=at, **counts)
    except IntegrityError:  # the same nonce arrived twice at once: the first one won
        replay = _replay(nonce)
        if replay:
            return replay
        raise
    return ScanResult(checkin, r, False)


def _status_now(r: Reservation) -> str:
    return Reservation.objects.get(pk=r.pk).get_status_display()


def _entry_refusal(r: Reservation) -> ScanRefused:
    status = Reservation.objects.filter(pk=r.pk).values_list("status", flat=True).first()
    if status == Status.CHECKED_IN:
        return ScanRefused("already_inside", _("该预约已入园，不能重复入园。"))
    if status == Status.LEFT:
        return ScanRefused("reentry_refused", _("该预约已离园，按规定不能再次入园。"))
    if status == Status.CANCELLED:
        return ScanRefused("cancelled", _("该预约已取消。"))
    return ScanRefused("not_valid", _("该预约当前不能入园。"))


def checkin_count(
    *,
    actor,
    gate_id,
    direction: str,
    people: int,
    cars: int = 0,
    kind: str = CheckIn.Kind.WALK_IN,
    nonce: str,
    scanned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ScanResult:
    """Count visitors without a booking: walk-ins on days that need no booking, and the
    green channel for the elderly (any day). Idempotent on `nonce` like a scan."""
    nonce = (nonce or "").strip()
    errors = _scan_input_errors(nonce=nonce, direction=direction)
    if kind not in (CheckIn.Kind.WALK_IN, CheckIn.Kind.GREEN):
        errors["kind"] = _("类型须为免预约入园或绿色通道。")
    if (
        not isinstance(people, int)
        or not 0 <= people <= 50
        or not isinstance(cars, int)
        or not 0 <= cars <= 10
        or people + cars == 0
    ):
        errors["people"] = _("人数须为 0–50、车辆 0–10，且不能都为 0。")
    if errors:
        raise ValidationError(errors)
    gate, replay, at, day = _scan_start(
        actor=actor, gate_id=gate_id, nonce=nonce, scanned_at=scanned_at, now=now
    )
    if replay:
        return replay
    season = _season_for(day)
    if (
        kind == CheckIn.Kind.WALK_IN
        and direction == CheckIn.Direction.IN
        and not is_walk_in_day(cemetery_id=gate.cemetery_id, day=day)
    ):
        raise ScanRefused("booking_required", _("今天须预约入园；没有预约的老人请走绿色通道登记。"))
    if direction == CheckIn.Direction.IN:
        counts = {
            "arrivals": people,
            "cars_in": cars,
            ("green" if kind == CheckIn.Kind.GREEN else "walk_ins"): people,
        }
    else:
        counts = {"departures": people, "cars_out": cars}
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                nonce=nonce,
                cemetery_id=gate.cemetery_id,
                gate=gate,
                kind=kind,
                direction=direction,
                people=people,
                cars=cars,
                scanned_at=at,
                by=actor,
            )
            _bump(gate=gate, season_id=season.pk, at=at, **counts)
    except IntegrityError:
        replay = _replay(nonce)
        if replay:
            return replay
        raise
    return ScanResult(checkin, None, False)
