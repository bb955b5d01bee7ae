"""Booking, the confirmation, cancelling and no-shows. The booking transaction takes the ID's season and day counters
and the slot's places each with ONE conditional UPDATE, in a fixed order, then inserts the
reservation (see the package docstring).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.joined import JoinedRow, PreparedInsert
from minzheng.core.models import User
from minzheng.core.permissions import require_perm
from minzheng.core.scope import object_in_scope
from minzheng.core.sms import sms_queue
from minzheng.core.tasks import enqueue
from minzheng.core.validators import as_id, name_error
from minzheng.registry import pii, validators

from .. import params as qparams
from .. import rules, workflows
from ..models import (
    Cemetery,
    IdQuota,
    Reservation,
    Season,
    Slot,
)
from .common import QR_SALT, BookingConflict, Status


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


def _move(*, reservation: Reservation, name: str, actor, reason: str = "") -> bool:
    """One declared move of a reservation (workflows.RESERVATION): a conditional UPDATE on
    the status read and one log row. False, with nothing written, when the move does not
    leave from that status or another request moved the reservation first."""
    extra = {"cancelled_at": timezone.now()} if name == "cancel" else {}
    try:
        workflow.move(
            workflow=workflows.RESERVATION,
            obj=reservation,
            name=name,
            actor=actor,
            reason=reason[:200],
            extra_updates=extra,
        )
    except ValidationError:
        return False
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
        if not _move(
            reservation=reservation, name="cancel", actor=actor, reason=reason or "取消预约"
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
            if _move(reservation=r, name="no_show", actor=actor, reason="当日未入园"):
                IdQuota.objects.filter(
                    id_number_hash=r.id_number_hash, season_id=r.season_id, day_key=""
                ).update(no_shows=F("no_shows") + 1)
                marked += 1
    return marked
