"""Every write of the Qingming module.

Capacity and limits: the booking transaction takes the ID's season and day counters and
the slot's places each with ONE conditional UPDATE (`... WHERE count < limit`), in a
fixed order (season quota, day quota, slot: the hot slot row is locked last and for the
shortest time), then inserts the reservation. A request that loses a race updates zero
rows and is refused; nothing can be oversold on PostgreSQL (row locks) or SQLite
(IMMEDIATE transactions: one writer at a time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.joined import JoinedRow, PreparedInsert
from minzheng.core.models import User
from minzheng.core.permissions import require_perm
from minzheng.core.scope import object_in_scope
from minzheng.core.sms import sms_queue
from minzheng.core.tasks import enqueue
from minzheng.core.validators import as_id, date_error, name_error, validate_event_date
from minzheng.registry import pii, validators

from . import params as qparams
from . import rules, workflows
from .models import (
    Cemetery,
    CheckIn,
    Gate,
    GateBucket,
    IdQuota,
    Memorial,
    ProxySweep,
    Reservation,
    ReservationLog,
    Season,
    Slot,
    SlotTemplate,
    Tribute,
    WalkInDay,
)

QR_SALT = "minzheng.qingming.qr"
Status = Reservation.Status


class BookingConflict(Exception):
    """A well-formed request that cannot be served now (409): full, limit reached, closed."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class ScanRefused(BookingConflict):
    """A gate scan that is refused (409): wrong day or cemetery, double entry, cancelled."""


# ---------------------------------------------------------------- seasons and slots


def season_create(*, actor, year: int, name: str = "", is_illustrative: bool = False) -> Season:
    """A season whose dates default from the Qingming solar term of `year` and the
    season parameters. Idempotent per year (returns the existing season)."""
    require_perm(actor, "qingming.add_season")
    existing = Season.objects.filter(year=year).first()
    if existing:
        return existing
    on = dt.date(year, 4, 1)
    defaults = rules.season_defaults(
        year,
        days_before=int(qparams.value("qingming_season_days_before", on=on)),
        days_after=int(qparams.value("qingming_season_days_after", on=on)),
        open_days_ahead=int(qparams.value("qingming_booking_open_days_ahead", on=on)),
    )
    with transaction.atomic():
        season = Season.objects.create(
            year=year,
            name=name or _("%(year)d年清明祭扫季") % {"year": year},
            qingming_at=defaults.qingming_at,
            starts_on=defaults.starts_on,
            ends_on=defaults.ends_on,
            booking_opens_at=defaults.booking_opens_at,
            is_illustrative=is_illustrative,
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=season, summary=f"创建{season.name}"
        )
    return season


def slots_generate(*, actor, season: Season, cemetery_ids: list[int] | None = None) -> int:
    """Create each cemetery's template slots for every season day that needs booking.
    Existing slots are kept as edited; returns how many were created."""
    require_perm(actor, "qingming.add_slot")
    walk_in = set(WalkInDay.objects.filter(season=season).values_list("cemetery_id", "date"))
    templates = SlotTemplate.objects.all()
    if cemetery_ids is not None:
        templates = templates.filter(cemetery_id__in=cemetery_ids)
    days = [
        season.starts_on + dt.timedelta(days=n)
        for n in range((season.ends_on - season.starts_on).days + 1)
    ]
    new = [
        Slot(
            season=season,
            cemetery_id=t.cemetery_id,
            date=day,
            starts_at=t.starts_at,
            ends_at=t.ends_at,
            capacity=t.capacity,
            car_capacity=t.car_capacity,
        )
        for t in templates
        for day in days
        if (None, day) not in walk_in and (t.cemetery_id, day) not in walk_in
    ]
    with transaction.atomic():
        before = Slot.objects.filter(season=season).count()
        Slot.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        created = Slot.objects.filter(season=season).count() - before
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=season, summary=f"生成时段 {created} 个"
        )
    return created


def is_walk_in_day(*, cemetery_id: int, day: dt.date) -> bool:
    return WalkInDay.objects.filter(
        Q(cemetery_id=cemetery_id) | Q(cemetery__isnull=True), date=day
    ).exists()


# ---------------------------------------------------------------- booking


@dataclass(frozen=True)
class VisitorInput:
    name: str
    id_number: str
    party_size: int
    plate: str = ""
    phone: str = ""  # counter/phone bookings only: online bookings use the account's verified phone


def _slot_start(slot: Slot) -> dt.datetime:
    return dt.datetime.combine(slot.date, slot.starts_at, tzinfo=rules.CHINA)


def _account_phone(actor) -> str:
    profile = getattr(actor, "resident_profile", None)
    if profile is None:
        raise ValidationError({"phone": _("请先用手机号码登录后再预约。")})
    return profile.phone


_SLOT = JoinedRow(
    [(Slot, "s"), (Season, "se"), (Cemetery, "c")],
    "FROM {Slot} s JOIN {Season} se ON se.id = s.season_id "
    "JOIN {Cemetery} c ON c.id = s.cemetery_id WHERE s.id = %s",
)


def _slot_for_booking(slot_id) -> Slot | None:
    """The slot with its season and cemetery: one precompiled read on every booking."""
    slot_id = as_id(slot_id)
    if slot_id is None:
        return None
    row = _SLOT.fetch([slot_id])
    if row is None:
        return None
    slot, season, cemetery = row
    Slot.season.field.set_cached_value(slot, season)
    Slot.cemetery.field.set_cached_value(slot, cemetery)
    return slot


def _validate_booking(*, actor, slot_id, visitor: VisitorInput, channel: str, now: dt.datetime):
    """Everything a booking needs, checked before any write. Returns (slot, facts)."""
    errors: dict[str, str] = {}
    slot = _slot_for_booking(slot_id)
    if slot is None or not slot.is_open or not slot.cemetery.is_active:
        raise ValidationError({"slot": _("所选时段不存在或未开放预约。")})
    if channel == Reservation.Channel.ONLINE:
        if getattr(actor, "kind", "") != User.Kind.RESIDENT:
            raise PermissionDenied(_("网上预约须由群众本人账号办理。"))
        phone = _account_phone(actor)
    else:
        # Any cemetery: a community worker books for residents of their community at
        # whichever cemetery they need.
        require_perm(actor, "qingming.add_reservation")
        phone = ""
        try:
            phone = validators.validate_mobile(visitor.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    p = qparams.booking_params(division_code=slot.cemetery.division_id, on=slot.date)
    name = " ".join((visitor.name or "").split())
    if not name or len(name) > 40:
        errors["name"] = _("请填写祭扫人姓名（不超过 40 个字）。")
    elif name_error(name):
        errors["name"] = name_error(name)
    info = None
    try:
        info = validators.parse_id_number(visitor.id_number or "")
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    party = visitor.party_size
    if not isinstance(party, int) or party < 1 or party > p.party_max:
        errors["party_size"] = _("祭扫人数须为 1 至 %(max)d 人。") % {"max": p.party_max}
    plate = ""
    if visitor.plate:
        try:
            plate = rules.validate_plate(visitor.plate)
        except ValidationError as exc:
            errors["plate"] = exc.messages[0]
    start = _slot_start(slot)
    if start - dt.timedelta(minutes=p.close_minutes) <= now:
        errors["slot"] = _("该时段已开始或预约已截止，请选择其他时段。")
    if errors:
        raise ValidationError(errors)
    if now < slot.season.booking_opens_at:
        opens = timezone.localtime(slot.season.booking_opens_at, rules.CHINA)
        raise BookingConflict(
            "not_open", _("预约尚未开放，开放时间：%(at)s。") % {"at": f"{opens:%Y-%m-%d %H:%M}"}
        )
    return slot, p, name, info, phone, plate


def reservation_create(
    *,
    actor,
    slot_id,
    visitor: VisitorInput,
    channel: str = Reservation.Channel.ONLINE,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> tuple[Reservation, bool]:
    """Book one visit; returns (reservation, created).

    Takes the ID's season and day quotas and the slot's places each with one conditional
    write inside the transaction that inserts the reservation, so two requests for the
    last place (or an ID's last allowed booking) cannot both succeed. The same
    Idempotency-Key from the same account returns the first booking (created=False): the
    unique (account, key) constraint refuses a second row, and a refused retry looks the
    first one up, so the successful path pays no lookup.
    Raises ValidationError (400, nothing written) or BookingConflict (409)."""
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:64] or None
    try:
        slot, p, name, info, phone, plate = _validate_booking(
            actor=actor, slot_id=slot_id, visitor=visitor, channel=channel, now=now
        )
        if slot.remaining < visitor.party_size:  # full when read: refuse without writing
            raise _slot_conflict(slot=slot, party=visitor.party_size, cars=1 if plate else 0)
        id_hash = pii.blind_index(info.number, kind="id")
        for _attempt in range(3):
            try:
                reservation = _book(
                    slot=slot,
                    p=p,
                    id_hash=id_hash,
                    actor=actor,
                    channel=channel,
                    key=key,
                    name=name,
                    id_number=info.number,
                    phone=phone,
                    party=visitor.party_size,
                    plate=plate,
                )
                break
            except IntegrityError:  # the same key booked meanwhile, or a short-code collision
                existing = _replayed(actor=actor, key=key)
                if existing:
                    return existing, False
        else:  # pragma: no cover - three collisions in a row
            raise BookingConflict("busy", _("系统繁忙，请稍后再试。"))
    except (ValidationError, BookingConflict):
        # A retried request whose first attempt booked meets its own key, quota or full slot,
        # or a window that has closed since: the first booking is the answer.
        existing = _replayed(actor=actor, key=key)
        if existing:
            return existing, False
        raise
    if notify:
        # By id, after the commit: the request pays no SMS row and never waits for the gateway.
        enqueue(reservation_notify, reservation_id=reservation.pk)
    return reservation, True


def reservation_notify(*, reservation_id: int) -> None:
    """Task: the booking's confirmation SMS, queued once per reservation (keyed), so
    running it twice sends one message."""
    r = Reservation.objects.select_related("slot", "cemetery").get(pk=reservation_id)
    sms_queue(
        phone=r.phone,
        text=_confirmation_text(r),
        source="qingming.reservation",
        key=f"qingming.reservation:{r.pk}:booked",
    )


def _replayed(*, actor, key: str | None) -> Reservation | None:
    if not key:
        return None
    return (
        Reservation.objects.select_related("slot", "cemetery")
        .filter(booked_by=actor, idempotency_key=key)
        .first()
    )


# The two quota rows of an ID (season row: day_key "", day row: the ISO date) are taken in
# one statement: a new row starts at 1, an existing one is raised only while under its
# limit; RETURNING names the rows that were taken. Same SQL on PostgreSQL and SQLite.
_QUOTA_SQL = """
INSERT INTO {t} (id_number_hash, season_id, day_key, "count", no_shows)
VALUES (%s, %s, '', 1, 0), (%s, %s, %s, 1, 0)
ON CONFLICT (id_number_hash, season_id, day_key) DO UPDATE SET "count" = {t}."count" + 1
WHERE ({t}.day_key = '' AND {t}."count" < %s AND {t}.no_shows < %s)
   OR ({t}.day_key <> '' AND {t}."count" < %s)
RETURNING day_key
"""
_INSERT_RESERVATION = PreparedInsert(Reservation)
_SLOT_SQL = """
UPDATE {t} SET booked = booked + %s, cars_booked = cars_booked + %s
WHERE id = %s AND is_open AND booked <= capacity - %s AND cars_booked <= car_capacity - %s
RETURNING id
"""


def _book(
    *, slot: Slot, p, id_hash: str, actor, channel, key, name, id_number, phone, party, plate
) -> Reservation:
    day_key = slot.date.isoformat()
    cars = 1 if plate else 0
    if p.id_per_season < 1 or p.id_per_day < 1:  # a new quota row starts at 1
        raise BookingConflict("id_season_limit", _("本季暂停按证件预约。"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _QUOTA_SQL.format(t=IdQuota._meta.db_table),
            [id_hash, slot.season_id, id_hash, slot.season_id, day_key]
            + [p.id_per_season, p.no_show_cap, p.id_per_day],
        )
        taken = {row[0] for row in cursor.fetchall()}
        if "" not in taken:
            raise _season_quota_conflict(id_hash=id_hash, season_id=slot.season_id, p=p)
        if day_key not in taken:
            raise BookingConflict(
                "id_day_limit", _("该证件当天已预约 %(n)d 次，达到上限。") % {"n": p.id_per_day}
            )
        cursor.execute(_SLOT_SQL.format(t=Slot._meta.db_table), [party, cars, slot.pk, party, cars])
        if cursor.fetchone() is None:
            raise _slot_conflict(slot=Slot.objects.get(pk=slot.pk), party=party, cars=cars)
        reservation = Reservation(
            code=rules.new_booking_code(),
            short_code=rules.new_short_code(),
            season_id=slot.season_id,
            cemetery=slot.cemetery,
            slot=slot,
            visit_date=slot.date,
            name=name,
            id_number=id_number,
            id_number_hash=id_hash,
            id_number_masked=validators.mask_id_number(id_number),
            phone=phone,
            phone_hash=pii.blind_index(phone, kind="phone"),
            phone_masked=validators.mask_phone(phone),
            party_size=party,
            plate=plate,
            channel=channel,
            booked_by=actor,
            idempotency_key=key,
        )
        _INSERT_RESERVATION.save(reservation)
        if channel != Reservation.Channel.ONLINE:  # residents' own bookings are their own record
            audit.record(
                actor=actor,
                action=audit.Action.CREATE,
                target=reservation,
                summary=f"{reservation.get_channel_display()} {reservation.id_number_masked} {slot}",
            )
    return reservation


def _season_quota_conflict(*, id_hash: str, season_id: int, p) -> BookingConflict:
    row = IdQuota.objects.filter(id_number_hash=id_hash, season_id=season_id, day_key="").first()
    if row and row.no_shows >= p.no_show_cap:
        return BookingConflict(
            "no_show_blocked",
            _("该证件本季已有 %(n)d 次预约未到场，本季不能再预约。") % {"n": row.no_shows},
        )
    return BookingConflict(
        "id_season_limit", _("该证件本季已预约 %(n)d 次，达到上限。") % {"n": p.id_per_season}
    )


def _slot_conflict(*, slot: Slot, party: int, cars: int) -> BookingConflict:
    """Why `slot` (as last read) cannot take `party` people and `cars` cars."""
    if not slot.is_open:
        return BookingConflict("closed", _("该时段已停止预约。"))
    if slot.remaining < party:
        if slot.remaining == 0:
            return BookingConflict("slot_full", _("该时段已约满，请选择其他时段。"))
        return BookingConflict(
            "slot_full",
            _("该时段只剩 %(n)d 个名额，请减少人数或选择其他时段。") % {"n": slot.remaining},
        )
    return BookingConflict("cars_full", _("该时段车位已约满，可不带车预约或选择其他时段。"))


def _confirmation_text(r: Reservation) -> str:
    return _(
        "【南海民政】%(name)s，您已预约 %(date)s %(start)s-%(end)s 到%(cemetery)s祭扫，%(n)d 人，核验码 %(code)s。请携带身份证，凭二维码或核验码入园。"
    ) % {
        "name": validators.mask_name(r.name),
        "date": r.visit_date.isoformat(),
        "start": f"{r.slot.starts_at:%H:%M}",
        "end": f"{r.slot.ends_at:%H:%M}",
        "cemetery": r.cemetery.name,
        "n": r.party_size,
        "code": rules.format_short_code(r.short_code),
    }


def qr_payload(reservation: Reservation) -> str:
    """The signed text in the QR code: booking id, date and cemetery (and the code, so a
    leaked id alone is worthless). django.core.signing: any change breaks the signature."""
    return signing.dumps(
        {
            "i": reservation.pk,
            "d": reservation.visit_date.isoformat(),
            "c": reservation.cemetery_id,
            "k": reservation.code,
        },
        salt=QR_SALT,
        compress=False,
    )


def _transition(
    *, reservation: Reservation, to: str, allowed_from: tuple[str, ...], actor, reason: str = ""
) -> bool:
    """Move a reservation along a declared transition with one conditional UPDATE and log it.
    False when its status was not one of `allowed_from` (someone else moved it first)."""
    current = (
        Reservation.objects.filter(pk=reservation.pk, status__in=allowed_from)
        .values_list("status", flat=True)
        .first()
    )
    if current is None:
        return False
    extra = {"cancelled_at": timezone.now()} if to == Status.CANCELLED else {}
    if not Reservation.objects.filter(pk=reservation.pk, status=current).update(status=to, **extra):
        return False
    ReservationLog.objects.create(
        reservation=reservation,
        from_status=current,
        to_status=to,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason[:200],
    )
    reservation.status = to
    return True


def reservation_cancel(
    *, actor, reservation: Reservation, reason: str = "", now: dt.datetime | None = None
) -> Reservation:
    """Cancel a booking and give its places and quota back. Residents may cancel their
    own until the deadline (parameter); staff with the permission may cancel any time."""
    now = now or timezone.now()
    is_owner = reservation.booked_by_id == getattr(actor, "pk", None)
    if not is_owner:
        require_perm(actor, "qingming.change_reservation")
        if not object_in_scope(actor, reservation):
            raise PermissionDenied(_("您的角色没有此项操作权限。"))
    if reservation.status != Status.BOOKED:
        raise ValidationError(
            {
                "status": _("只有待入园的预约可以取消（当前：%(s)s）。")
                % {"s": reservation.get_status_display()}
            }
        )
    p = qparams.booking_params(
        division_code=reservation.cemetery.division_id, on=reservation.visit_date
    )
    deadline = _slot_start(reservation.slot) - dt.timedelta(hours=p.cancel_hours)
    if getattr(actor, "kind", "") == User.Kind.RESIDENT and now > deadline:
        raise ValidationError(
            {
                "status": _("已过取消截止时间（%(at)s），如有特殊情况请联系墓园。")
                % {"at": f"{timezone.localtime(deadline, rules.CHINA):%Y-%m-%d %H:%M}"}
            }
        )
    with transaction.atomic():
        if not _transition(
            reservation=reservation,
            to=Status.CANCELLED,
            allowed_from=(Status.BOOKED,),
            actor=actor,
            reason=reason or "取消预约",
        ):
            raise ValidationError({"status": _("预约状态已变化，请刷新后重试。")})
        Slot.objects.filter(pk=reservation.slot_id).update(
            booked=F("booked") - reservation.party_size,
            cars_booked=F("cars_booked") - (1 if reservation.plate else 0),
        )
        IdQuota.objects.filter(
            id_number_hash=reservation.id_number_hash,
            season_id=reservation.season_id,
            day_key__in=["", reservation.visit_date.isoformat()],
            count__gt=0,
        ).update(count=F("count") - 1)
        if not is_owner:
            audit.record(
                actor=actor,
                action=audit.Action.UPDATE,
                target=reservation,
                summary=f"取消预约 {reservation.short_code}：{reason}",
            )
    return reservation


def reservations_mark_no_show(*, day: dt.date, actor=None) -> int:
    """Mark the day's bookings nobody checked in for as no-shows and count them on the
    ID's season quota (the repeat no-show rule reads that count). Safe to run twice."""
    ids = list(
        Reservation.objects.filter(visit_date=day, status=Status.BOOKED).values_list(
            "pk", flat=True
        )
    )
    marked = 0
    for pk in ids:
        with transaction.atomic():
            r = Reservation.objects.get(pk=pk)
            if _transition(
                reservation=r,
                to=Status.NO_SHOW,
                allowed_from=(Status.BOOKED,),
                actor=actor,
                reason="当日未入园",
            ):
                IdQuota.objects.filter(
                    id_number_hash=r.id_number_hash, season_id=r.season_id, day_key=""
                ).update(no_shows=F("no_shows") + 1)
                marked += 1
    return marked


# ---------------------------------------------------------------- gate scans


@dataclass(frozen=True)
class ScanResult:
    checkin: CheckIn
    reservation: Reservation | None
    replayed: bool


def _find_reservation(*, code: str, gate: Gate, day: dt.date) -> Reservation:
    """The reservation a scanned or typed code stands for. Forged, tampered and unknown
    codes are bad input (400); the QR's day and cemetery are checked by the caller."""
    text = (code or "").strip()
    invalid = ValidationError({"code": _("二维码或预约码无效（可能已被篡改），请核对。")})
    if ":" in text:
        try:
            data = signing.loads(text, salt=QR_SALT)
            r = Reservation.objects.select_related("slot").get(
                pk=int(data["i"]), code=str(data["k"])
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError, Reservation.DoesNotExist):
            raise invalid from None
        if data.get("d") != r.visit_date.isoformat() or data.get("c") != r.cemetery_id:
            raise invalid
        return r
    compact = text.replace(" ", "").upper()
    if compact.isdigit() and len(compact) == rules.SHORT_CODE_DIGITS:
        r = (
            Reservation.objects.select_related("slot")
            .filter(cemetery_id=gate.cemetery_id, visit_date=day, short_code=compact)
            .first()
        )
    elif len(compact) == 16:
        r = Reservation.objects.select_related("slot").filter(code=compact).first()
    else:
        r = None
    if r is None:
        raise invalid
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
                allowed = (Status.BOOKED, Status.LEFT) if p.allow_reentry else (Status.BOOKED,)
                was_left = r.status == Status.LEFT
                if not _transition(
                    reservation=r,
                    to=Status.CHECKED_IN,
                    allowed_from=allowed,
                    actor=actor,
                    reason=f"{gate.name} 入园",
                ):
                    raise _entry_refusal(r)
                reentry = was_left
                counts = {"reentries" if reentry else "arrivals": r.party_size, "cars_in": cars}
            else:
                if not _transition(
                    reservation=r,
                    to=Status.LEFT,
                    allowed_from=(Status.CHECKED_IN,),
                    actor=actor,
                    reason=f"{gate.name} 出园",
                ):
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


# ---------------------------------------------------------------- reconciliation


@dataclass(frozen=True)
class Difference:
    what: str
    key: str
    counter: int
    rows: int


def _bucket_counts_from_checkins(checkins) -> dict[tuple[int, dt.datetime], dict[str, int]]:
    expected: dict[tuple[int, dt.datetime], dict[str, int]] = {}
    for c in checkins.values(
        "gate_id", "scanned_at", "kind", "direction", "people", "cars", "is_reentry"
    ).iterator():
        counts = expected.setdefault(
            (c["gate_id"], rules.bucket_start(c["scanned_at"])), dict.fromkeys(LIVE_FIELDS, 0)
        )
        if c["direction"] == CheckIn.Direction.OUT:
            counts["departures"] += c["people"]
            counts["cars_out"] += c["cars"]
            continue
        counts["reentries" if c["is_reentry"] else "arrivals"] += c["people"]
        counts["cars_in"] += c["cars"]
        if c["kind"] == CheckIn.Kind.GREEN:
            counts["green"] += c["people"]
        elif c["kind"] == CheckIn.Kind.WALK_IN:
            counts["walk_ins"] += c["people"]
    return expected


LIVE_FIELDS = ("arrivals", "reentries", "departures", "cars_in", "cars_out", "green", "walk_ins")


def reconcile(*, season: Season | None = None) -> list[Difference]:
    """Recount every counter from the rows it counts; a list of the differences (empty
    when all agree). Read-only: a difference is for a person to look into."""
    diffs: list[Difference] = []
    slots = Slot.objects.all() if season is None else Slot.objects.filter(season=season)
    active = ~Q(reservations__status=Status.CANCELLED)
    for s in (
        slots.annotate(
            people=Sum("reservations__party_size", filter=active, default=0),
            cars=Count("reservations", filter=active & ~Q(reservations__plate="")),
        )
        .values("pk", "booked", "cars_booked", "people", "cars")
        .iterator()
    ):
        if s["booked"] != s["people"]:
            diffs.append(Difference("slot.booked", f"slot {s['pk']}", s["booked"], s["people"]))
        if s["cars_booked"] != s["cars"]:
            diffs.append(
                Difference("slot.cars_booked", f"slot {s['pk']}", s["cars_booked"], s["cars"])
            )
    reservations = (
        Reservation.objects.all() if season is None else Reservation.objects.filter(season=season)
    )
    counted: dict[tuple[str, int, str], list[int]] = {}
    for r in reservations.values("id_number_hash", "season_id", "visit_date", "status").iterator():
        for day_key in ("", r["visit_date"].isoformat()):
            entry = counted.setdefault((r["id_number_hash"], r["season_id"], day_key), [0, 0])
            entry[0] += r["status"] != Status.CANCELLED
            entry[1] += day_key == "" and r["status"] == Status.NO_SHOW
    quotas = IdQuota.objects.all() if season is None else IdQuota.objects.filter(season=season)
    for q in quotas.values(
        "id_number_hash", "season_id", "day_key", "count", "no_shows"
    ).iterator():
        rows = counted.pop((q["id_number_hash"], q["season_id"], q["day_key"]), [0, 0])
        label = f"id {q['id_number_hash'][:8]}… season {q['season_id']} {q['day_key'] or 'season'}"
        if q["count"] != rows[0]:
            diffs.append(Difference("quota.count", label, q["count"], rows[0]))
        if q["no_shows"] != rows[1]:
            diffs.append(Difference("quota.no_shows", label, q["no_shows"], rows[1]))
    for (id_hash, season_id, day_key), rows in counted.items():
        if rows[0] or rows[1]:
            diffs.append(
                Difference(
                    "quota.missing",
                    f"id {id_hash[:8]}… season {season_id} {day_key or 'season'}",
                    0,
                    rows[0],
                )
            )
    checkins = CheckIn.objects.all()
    buckets = GateBucket.objects.all()
    if season is not None:
        checkins = checkins.filter(
            scanned_at__date__gte=season.starts_on, scanned_at__date__lte=season.ends_on
        )
        buckets = buckets.filter(season=season)
    expected = _bucket_counts_from_checkins(checkins)
    for b in buckets.values("gate_id", "starts_at", *LIVE_FIELDS).iterator():
        want = expected.pop(
            (b["gate_id"], rules.bucket_start(b["starts_at"])), dict.fromkeys(LIVE_FIELDS, 0)
        )
        for field in LIVE_FIELDS:
            if b[field] != want[field]:
                diffs.append(
                    Difference(
                        f"bucket.{field}",
                        f"gate {b['gate_id']} {rules.bucket_start(b['starts_at']):%Y-%m-%d %H:%M}",
                        b[field],
                        want[field],
                    )
                )
    for (gate_id, start), want in expected.items():
        diffs.append(
            Difference(
                "bucket.missing", f"gate {gate_id} {start:%Y-%m-%d %H:%M}", 0, sum(want.values())
            )
        )
    return diffs


# ---------------------------------------------------------------- 代客祭扫


@dataclass(frozen=True)
class ProxySweepInput:
    cemetery_id: int
    contact_name: str
    deceased_name: str
    grave_location: str
    wish_date: dt.date | None
    services: str = "清洁墓碑、敬献鲜花"


def proxy_sweep_request(
    *, actor, data: ProxySweepInput, today: dt.date | None = None
) -> ProxySweep:
    """A resident asks staff to sweep a grave for them. The fee is decided by rule
    (rules.proxy_sweep_fee) from the resident's bound identity and stored with its basis."""
    from minzheng.registry.models import PersonTag
    from minzheng.registry.rules import age_on

    from .models import Cemetery

    if getattr(actor, "kind", "") != User.Kind.RESIDENT:
        raise PermissionDenied(_("代客祭扫须由群众本人账号申请。"))
    today = today or timezone.localdate()
    errors = {}
    cemetery = (
        Cemetery.objects.filter(pk=as_id(data.cemetery_id), is_active=True).first()
        if as_id(data.cemetery_id)
        else None
    )
    if cemetery is None:
        errors["cemetery"] = _("请选择墓园。")
    for field, label in (
        ("contact_name", _("联系人")),
        ("deceased_name", _("逝者姓名")),
        ("grave_location", _("墓位")),
    ):
        value = " ".join((getattr(data, field) or "").split())
        if not value or len(value) > 80:
            errors[field] = _("请填写%(label)s。") % {"label": label}
        elif field != "grave_location" and name_error(value):
            errors[field] = name_error(value)
    if data.wish_date is None or data.wish_date < today + dt.timedelta(days=1):
        errors["wish_date"] = _("希望日期须从明天起。")
    elif date_error(validate_event_date, data.wish_date):
        errors["wish_date"] = date_error(validate_event_date, data.wish_date)
    if errors:
        raise ValidationError(errors)
    profile = actor.resident_profile
    person = profile.person
    age = age_on(person.birth_date, today) if person else None
    if age is None and profile.is_bound:
        age = age_on(validators.parse_id_number(profile.id_number).birth_date, today)
    tags = (
        set(PersonTag.objects.filter(person=person).values_list("tag", flat=True))
        if person
        else set()
    )
    standard = qparams.decimal_value(
        "qingming_proxy_fee", on=today, division_code=cemetery.division_id
    )
    free_age = int(
        qparams.value("qingming_proxy_free_age", on=today, division_code=cemetery.division_id)
    )
    decision = rules.proxy_sweep_fee(standard_fee=standard, free_age=free_age, age=age, tags=tags)
    with transaction.atomic():
        sweep = ProxySweep.objects.create(
            cemetery=cemetery,
            requested_by=actor,
            contact_name=data.contact_name.strip(),
            phone=profile.phone,
            phone_masked=profile.phone_masked,
            deceased_name=data.deceased_name.strip(),
            grave_location=data.grave_location.strip(),
            wish_date=data.wish_date,
            services=data.services[:120],
            fee=decision.fee,
            fee_rule={
                "reason": decision.reason,
                "standard_fee": str(standard),
                "free_age": free_age,
                "age": age,
                "tags": sorted(tags),
            },
        )
        workflow.start(
            workflow=workflows.PROXY_SWEEP,
            obj=sweep,
            name="request",
            actor=actor,
            reason=decision.reason,
        )
    return sweep


def proxy_sweep_next_moves(sweep: ProxySweep) -> list:
    """The declared moves from the sweep's status (what a staff page may offer)."""
    return workflows.PROXY_SWEEP.allowed(sweep.status)


def proxy_sweep_update(
    *, actor, sweep: ProxySweep, to: str, note: str = "", paid: bool | None = None, photo=None
) -> ProxySweep:
    """Staff move a request along (受理 / 不予受理 / 完成). Completing needs a photo, sent
    back to the family through the attachment service; paid requests must be paid first."""
    require_perm(actor, "qingming.change_proxysweep")
    if not object_in_scope(actor, sweep):
        raise PermissionDenied(_("您的角色没有此项操作权限。"))
    if not workflows.PROXY_SWEEP.can(sweep.status, to):
        raise ValidationError({"status": _("当前状态不能进行此操作。")})
    if to == ProxySweep.Status.REJECTED and not note.strip():
        raise ValidationError({"note": _("不予受理须说明原因。")})
    is_paid = sweep.is_paid if paid is None else paid
    if to == ProxySweep.Status.DONE:
        if photo is None:
            raise ValidationError({"photo": _("完成时须上传祭扫照片，回传给家属。")})
        if sweep.fee > 0 and not is_paid:
            raise ValidationError({"paid": _("该申请须缴费，请先确认已缴费。")})
    from minzheng.core.services import attachment_add

    with transaction.atomic():
        if photo is not None:
            attachment_add(
                actor=actor,
                owner=sweep,
                upload=photo,
                kind="sweep_photo",
                allowed=(".jpg", ".jpeg", ".png"),
            )
        updates = {"is_paid": is_paid, "staff_note": note.strip()[:200]}
        if to == ProxySweep.Status.DONE:
            updates["done_at"] = timezone.now()
        workflow.move(
            workflow=workflows.PROXY_SWEEP,
            obj=sweep,
            to=to,
            actor=actor,
            reason=updates["staff_note"],
            extra_updates=updates,
        )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=sweep,
            summary=f"代客祭扫 → {sweep.get_status_display()}",
        )
        phone, text = (
            sweep.phone,
            _("【南海民政】您申请的代客祭扫（%(name)s）状态：%(status)s。")
            % {"name": sweep.deceased_name, "status": sweep.get_status_display()},
        )
        sms_queue(phone=phone, text=text, source="qingming.sweep")
    return sweep


# ---------------------------------------------------------------- 云祭扫


def memorial_create(*, actor, deceased_name: str, years: str = "", epitaph: str = "") -> Memorial:
    if getattr(actor, "kind", "") != User.Kind.RESIDENT:
        raise PermissionDenied(_("网上纪念馆须由群众本人账号创建。"))
    name = " ".join((deceased_name or "").split())
    if not name or len(name) > 40:
        raise ValidationError({"deceased_name": _("请填写逝者姓名。")})
    if name_error(name):
        raise ValidationError({"deceased_name": name_error(name)})
    return Memorial.objects.create(
        deceased_name=name,
        years=(years or "")[:30],
        epitaph=(epitaph or "")[:200],
        created_by=actor,
    )


def tribute_add(*, actor, memorial: Memorial, kind: str, text: str = "") -> Tribute:
    """A flower (shown at once) or a message (shown after staff approve it)."""
    if getattr(actor, "kind", "") != User.Kind.RESIDENT:
        raise PermissionDenied(_("请用群众账号献花留言。"))
    if memorial.status != Memorial.Status.APPROVED:
        raise ValidationError({"memorial": _("纪念馆尚未公开。")})
    text = (text or "").strip()
    if kind == Tribute.Kind.MESSAGE and not 1 <= len(text) <= 300:
        raise ValidationError({"text": _("留言须为 1–300 个字。")})
    if kind not in Tribute.Kind.values:
        raise ValidationError({"kind": _("类型不正确。")})
    profile = getattr(actor, "resident_profile", None)
    label = validators.mask_name(profile.real_name) if profile and profile.real_name else _("网友")
    status = Memorial.Status.APPROVED if kind == Tribute.Kind.FLOWER else Memorial.Status.PENDING
    return Tribute.objects.create(
        memorial=memorial,
        kind=kind,
        text=text if kind == Tribute.Kind.MESSAGE else "",
        author=actor,
        author_label=label,
        status=status,
    )


def moderate(*, actor, item: Memorial | Tribute, approve: bool) -> None:
    """Staff publish or refuse a memorial page or a message."""
    require_perm(actor, f"qingming.change_{type(item)._meta.model_name}")
    pending = Memorial.Status.PENDING
    status = Memorial.Status.APPROVED if approve else Memorial.Status.REJECTED
    fields = {"status": status}
    if isinstance(item, Tribute):
        fields.update(moderated_by=actor, moderated_at=timezone.now())
    if not type(item).objects.filter(pk=item.pk, status=pending).update(**fields):
        raise ValidationError({"status": _("该内容已审核。")})
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=item,
        summary=f"审核{'通过' if approve else '不通过'}",
    )
