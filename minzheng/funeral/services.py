"""Writes of the funeral fee exemption: homes and their staff, services recorded at the
funeral home (each one an engine application granted on the spot), monthly settlements
posted to the ledger and their reversal.

Every service validates first and raises one ValidationError({field: message}), so bad
input writes nothing; writes happen inside transaction.atomic().
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import Division
from minzheng.core.params import ParameterMissing
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.validators import date_error, name_error, validate_event_date, validate_past_date
from minzheng.ledger import accounts
from minzheng.ledger import selectors as ledger_q
from minzheng.ledger import services as ledger
from minzheng.programs.models import Application, State
from minzheng.programs.rules import ParamSource
from minzheng.programs.services import (
    ApplicationInput,
    PreparedApplication,
    application_grant,
    application_prepare,
    application_void,
    applications_move,
)
from minzheng.registry import selectors as registry_q
from minzheng.registry import validators
from minzheng.registry.models import Person
from minzheng.registry.pii import blind_index
from minzheng.registry.services import organisation_register

from . import selectors
from .models import FuneralHome, HomeStaff, ServiceRecord, Settlement
from .rules import ITEMS, MAX_QUANTITY, PROGRAMME_CODE, family_pays, price_lines, qty_field

# ---------------------------------------------------------------- homes and staff


def home_register(
    *,
    actor,
    name: str,
    division_code: str,
    credit_code: str = "",
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    is_demo: bool = False,
) -> FuneralHome:
    """Register a funeral home: a registry organisation (the ledger party) and the home."""
    require_perm(actor, "funeral.add_funeralhome")
    with transaction.atomic():
        org = organisation_register(
            actor=actor,
            name=name,
            kind="institution",
            division_code=division_code,
            credit_code=credit_code,
            address=address,
            contact_name=contact_name,
            contact_phone=contact_phone,
        )
        home = FuneralHome.objects.create(
            organisation=org,
            name=org.name,
            division_id=division_code,
            contact_name=contact_name,
            contact_phone_masked=org.contact_phone_masked,
            is_demo=is_demo,
        )
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=home, summary=f"登记殡仪馆 {home.name}"
        )
    return home


def home_staff_link(*, actor, home: FuneralHome, user) -> HomeStaff:
    """Make `user` a staff member of `home` (they will see and record that home only)."""
    require_perm(actor, "funeral.change_funeralhome")
    if not code_in_scope(actor, home.division_id):
        raise PermissionDenied(_("该殡仪馆不在您的管辖范围内。"))
    with transaction.atomic():
        link, _created = HomeStaff.objects.update_or_create(user=user, defaults={"home": home})
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=home,
            summary=f"{user} 为 {home.name} 工作人员",
        )
    return link


# ---------------------------------------------------------------- recording a service


@dataclass
class ServiceInput:
    home_id: int
    deceased_name: str
    deceased_id_number: str
    death_date: dt.date | None
    service_date: dt.date | None
    quantities: dict[str, int] = field(default_factory=dict)
    hukou_division_code: str = ""  # the deceased's town when the registry has no record
    family_contact: str = ""
    idempotency_key: str = ""


@dataclass
class Prepared:
    """A service validated and evaluated once: the engine's prepared application (checks,
    decision) plus what the funeral record keeps."""

    home: FuneralHome
    person: Person | None
    id_number: str
    id_hash: str
    engine: PreparedApplication
    lines: list[dict]

    @property
    def checks(self) -> list:
        return self.engine.checks

    @property
    def decision(self):
        return self.engine.decision

    @property
    def division_code(self) -> str:
        return self.engine.application.division_id

    @property
    def family_pays(self) -> Decimal:
        """What the family pays beyond the exemption (items over their maximum, the cap)."""
        return family_pays(self.lines, self.decision.amount) if self.lines else Decimal("0.00")


def _home_for(actor, home_id) -> FuneralHome | None:
    """The home `actor` may record for: their own home, or any home in scope for officers."""
    home = (
        FuneralHome.objects.filter(pk=home_id, is_active=True)
        .select_related("organisation")
        .first()
        if home_id
        else None
    )
    own = selectors.home_of(actor)
    if own is not None:
        return home if home is not None and home.pk == own.pk else None
    return home if home is not None and code_in_scope(actor, home.division_id) else None


def _hukou_division(person: Person | None, chosen: str, home: FuneralHome, district: str) -> str:
    """The application's division: the deceased's registered hukou town, else the town
    chosen at the counter, else the home's. Outside the district: the home's (the rules
    then refuse with the hukou message)."""
    if (
        person is not None
        and person.hukou_division_id
        and person.hukou_division_id.startswith(district)
    ):
        return person.hukou_division_id
    if (
        chosen
        and chosen.startswith(district)
        and Division.objects.filter(code=chosen, level__in=("town", "community")).exists()
    ):
        return chosen
    return home.division_id


def _quantity(value) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool | float):
        raise TypeError
    return int(value)


def service_prepare(
    *, actor, data: ServiceInput, on: dt.date | None = None, params: ParamSource | None = None
) -> Prepared:
    """Validate and evaluate a service without writing: used by the quote shown while
    recording and by `service_record`. Raises one ValidationError with every problem."""
    require_perm(actor, "funeral.add_servicerecord")
    errors: dict[str, str] = {}
    home = _home_for(actor, data.home_id)
    if home is None:
        errors["home"] = _("请选择本馆（只能为您所在的殡仪馆登记）。")
    name = " ".join((data.deceased_name or "").split())
    if not name:
        errors["deceased_name"] = _("请填写逝者姓名。")
    elif name_error(name):
        errors["deceased_name"] = name_error(name)
    id_number = id_hash = ""
    try:
        id_number = validators.parse_id_number(data.deceased_id_number).number
        id_hash = blind_index(id_number, kind="id")
    except ValidationError as exc:
        errors["deceased_id_number"] = exc.messages[0]
    if data.death_date is None:
        errors["death_date"] = _("请填写死亡日期。")
    elif date_error(validate_past_date, data.death_date):
        errors["death_date"] = date_error(validate_past_date, data.death_date)
    if data.service_date is None:
        errors["service_date"] = _("请填写服务日期。")
    elif date_error(validate_event_date, data.service_date):
        errors["service_date"] = date_error(validate_event_date, data.service_date)
    quantities = {}
    for item in ITEMS:
        try:
            quantities[item.code] = _quantity(data.quantities.get(item.code))
            if not 0 <= quantities[item.code] <= MAX_QUANTITY:
                raise ValueError
        except (TypeError, ValueError):
            errors[qty_field(item.code)] = _("“%(name)s”的数量应为 0 至 %(max)d 之间的整数。") % {
                "name": item.name,
                "max": MAX_QUANTITY,
            }
    if id_hash and ServiceRecord.objects.live().filter(deceased_id_hash=id_hash).exists():
        errors["deceased_id_number"] = _(
            "该逝者已享受过基本殡葬服务费用免除（每位逝者限一次），不能重复登记。"
        )
    if errors:
        raise ValidationError(errors)

    person = registry_q.person_by_id_number(id_number)
    return _evaluate(
        actor=actor,
        home=home,
        person=person,
        id_number=id_number,
        id_hash=id_hash,
        name=name,
        death_date=data.death_date,
        service_date=data.service_date,
        quantities=quantities,
        chosen_division=data.hukou_division_code,
        key=f"funeral:{data.idempotency_key or uuid.uuid4().hex}",
        params=params or ParamSource(),
    )


def _evaluate(
    *,
    actor,
    home: FuneralHome,
    person: Person | None,
    id_number: str,
    id_hash: str,
    name: str,
    death_date: dt.date,
    service_date: dt.date,
    quantities: dict[str, int],
    chosen_division: str,
    key: str,
    params: ParamSource,
    check_limit: bool = True,
) -> Prepared:
    """The engine prepares the application (its checks, the decision, the once-only key):
    funeral adds the priced lines. Shared by the one-at-a-time and the bulk path."""
    try:
        district = params.get("funeral_district_code", on=service_date, division_code=None).value
    except ParameterMissing as exc:
        raise ValidationError({"__all__": str(exc)}) from None
    registered = person is not None and person.hukou_division_id
    engine = application_prepare(
        actor=actor,
        on=service_date,
        params=params,
        check_limit=check_limit,
        data=ApplicationInput(
            programme_code=PROGRAMME_CODE,
            division_code=_hukou_division(person, chosen_division, home, district),
            applicant_name=name,
            applicant_id_number=id_number,
            channel=Application.Channel.SERVICE_POINT,
            person_id=person.pk if person else None,
            payee_party=home.party,
            payee_name=home.name,
            idempotency_key=key,
            facts={
                "service_date": service_date,
                "death_date": death_date,
                "hukou_source": "registry" if registered else "id_number",
                "hukou_division": person.hukou_division_id if registered else "",
                "id_address_code": id_number[:6],
                "funeral_home": home.name,
                **{qty_field(code): q for code, q in quantities.items()},
            },
        ),
    )
    lines = price_lines(engine.ctx) if all(c.ok for c in engine.checks) else []
    return Prepared(home, person, id_number, id_hash, engine, lines)


def service_record(*, actor, data: ServiceInput) -> ServiceRecord:
    """Record the exempted services of one deceased at service time: the engine grants the
    application on the spot (Dr BUDGET / Cr PAYABLE to the home) and the record keeps
    the items. The same idempotency key twice returns the first record."""
    if data.idempotency_key:
        existing = ServiceRecord.objects.filter(
            application__idempotency_key=f"funeral:{data.idempotency_key}"
        ).first()
        if existing is not None:
            return existing
    p = service_prepare(actor=actor, data=data)  # evaluated once: the grant reuses it
    failed = [c.message for c in p.checks if not c.ok]
    if failed:
        raise ValidationError({"__all__": _("不符合免除条件：") + "；".join(failed) + "。"})
    home = p.home
    try:
        with transaction.atomic():
            application = application_grant(
                actor=actor,
                prepared=p.engine,
                permission="funeral.add_servicerecord",
                on=data.service_date,
                reason=_("殡仪馆现场核验并免除"),
            )
            record = ServiceRecord.objects.create(
                home=home,
                application=application,
                division_id=p.division_code,
                person=p.person,
                deceased_name=application.applicant_name,
                deceased_id_number=p.id_number,
                deceased_id_hash=p.id_hash,
                deceased_id_masked=validators.mask_id_number(p.id_number),
                death_date=data.death_date,
                service_date=data.service_date,
                family_contact=(data.family_contact or "").strip()[:40],
                items=p.lines,
                amount=application.amount,
                recorded_by=actor,
            )
            audit.record(
                actor=actor,
                action=audit.Action.CREATE,
                target=record,
                summary=f"{home.name} 殡葬费用免除 {application.number} {record.amount} 元",
            )
    except IntegrityError:
        raise ValidationError(
            {"deceased_id_number": _("该逝者刚刚已被登记免除，不能重复登记。")}
        ) from None
    return record


# ---------------------------------------------------------------- monthly settlement


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def next_month(value: dt.date) -> dt.date:
    return (value.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _check_home(actor, home: FuneralHome, perm: str) -> None:
    require_perm(actor, perm)
    own = selectors.home_of(actor)
    if not code_in_scope(actor, home.division_id) or (own is not None and own.pk != home.pk):
        raise PermissionDenied(_("该殡仪馆不在您的管辖范围内。"))


def settlement_post(
    *, actor, home: FuneralHome, month: dt.date, on: dt.date | None = None
) -> Settlement:
    """Settle one home's month: Dr PAYABLE:funeral_fee_waiver (party the home) / Cr BANK
    for the month's unsettled services, which become 已发放.

    Idempotent: a posted settlement for the home and month is returned as it is (nothing
    new is written, even when services were recorded late — those need a reversal and a
    re-settlement, see `settlement_reverse`)."""
    on = on or timezone.localdate()
    month = month_start(month)
    _check_home(actor, home, "funeral.add_settlement")
    existing = Settlement.objects.filter(
        home=home, month=month, status=Settlement.Status.POSTED
    ).first()
    if existing is not None:
        return existing
    if next_month(month) > on:
        raise ValidationError(
            {"month": _("%(m)s 尚未结束，月末后才能结算。") % {"m": f"{month:%Y年%-m月}"}}
        )
    services = ServiceRecord.objects.live().filter(
        home=home,
        service_date__gte=month,
        service_date__lt=next_month(month),
        settlement__isnull=True,
    )
    revision = (
        Settlement.objects.filter(home=home, month=month)
        .order_by("-revision")
        .values_list("revision", flat=True)
        .first()
        or 0
    ) + 1
    try:
        with transaction.atomic():
            # Lock the month's live, unsettled rows before counting them: a concurrent
            # `service_void` either committed first (its row no longer matches and is left
            # out) or waits for this settlement and then finds the row settled.
            rows = list(
                services.select_for_update()
                .order_by("pk")
                .values_list("pk", "application_id", "amount")
            )
            ids = [pk for pk, _app, _amount in rows]
            count, total = len(rows), ledger.money(sum(amount for *_ids, amount in rows))
            if not count:
                # A concurrent settlement of the same month took the rows while we waited.
                won = selectors.posted_settlement(home=home, month=month)
                if won is not None:
                    return won
                raise ValidationError(
                    {
                        "month": _("%(home)s %(m)s 没有待结算的免除记录。")
                        % {"home": home.name, "m": f"{month:%Y年%-m月}"}
                    }
                )
            accounts.open_bank()
            entry = ledger.entry_post(
                actor=actor,
                memo=f"殡葬基本服务费用免除 {home.name} {month:%Y-%m} 月结算（{count} 人）",
                on=on,
                source=f"funeral.home:{home.pk}",
                idempotency_key=f"funeral.settle:{home.pk}:{month:%Y-%m}:r{revision}",
                lines=[
                    ledger.Line(
                        accounts.payable_code(PROGRAMME_CODE), debit=total, party=home.party
                    ),
                    ledger.Line(accounts.BANK, credit=total),
                ],
            )
            settlement = Settlement.objects.create(
                home=home,
                month=month,
                revision=revision,
                service_count=count,
                total=total,
                posted_on=on,
                entry_id=entry.pk,
                created_by=actor,
            )
            ServiceRecord.objects.filter(pk__in=ids).update(settlement=settlement)
            applications_move(
                actor=actor,
                permission="funeral.add_settlement",
                application_ids=[app for _pk, app, _amount in rows],
                name="pay",
                on=on,
                reason=_("殡仪馆月度结算 %(m)s") % {"m": f"{month:%Y-%m}"},
            )
            audit.record(
                actor=actor,
                action=audit.Action.CREATE,
                target=settlement,
                summary=f"{home.name} {month:%Y-%m} 结算 {count} 人 {total} 元",
            )
    except IntegrityError:  # a concurrent settlement of the same home and month won
        return Settlement.objects.get(home=home, month=month, status=Settlement.Status.POSTED)
    return settlement


def settlement_reverse(
    *, actor, settlement: Settlement, reason: str, on: dt.date | None = None
) -> Settlement:
    """Correct a posted settlement: its ledger entry is reversed (the original stays), its
    services are unsettled (back to 已批准待发放) and the month can be settled again as a
    new revision."""
    on = on or timezone.localdate()
    _check_home(actor, settlement.home, "funeral.reverse_settlement")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写冲销原因。")})
    if settlement.status != Settlement.Status.POSTED:
        raise ValidationError({"settlement": _("该结算已冲销。")})
    with transaction.atomic():
        reversal = ledger.entry_reverse(
            actor=actor,
            entry=ledger_q.entry_get(settlement.entry_id),
            reason=reason.strip(),
        )
        app_ids = list(settlement.services.values_list("application_id", flat=True))
        settlement.services.update(settlement=None)
        applications_move(
            actor=actor,
            permission="funeral.reverse_settlement",
            application_ids=app_ids,
            name="unpay",
            on=on,
            reason=_("结算冲销：%(r)s") % {"r": reason.strip()},
        )
        settlement.status, settlement.reversal_entry_id, settlement.reversal_reason = (
            Settlement.Status.REVERSED,
            reversal.pk,
            reason.strip()[:200],
        )
        settlement.save(update_fields=["status", "reversal_entry_id", "reversal_reason"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=settlement,
            summary=f"冲销结算 {settlement}：{reason.strip()[:80]}",
        )
    return settlement


def month_totals(services) -> tuple[int, Decimal]:
    """Count and sum of the given records, as they are: callers pass live records
    (`ServiceRecord.objects.live()` or a selector that excludes voided ones)."""
    agg = services.aggregate(total=Sum("amount"))
    return services.count(), ledger.money(agg["total"] or 0)


# ---------------------------------------------------------------- voiding (作废)

VOID_REASON_MAX = 200


class ServiceVoidConflict(ValidationError):
    """The record can no longer be voided (settled, or already voided): the API answers 409."""


def _check_record(actor, record: ServiceRecord, perm: str) -> None:
    """The actor may act on this record: the permission, the record's division in scope,
    and a funeral home's staff only on their own home's records."""
    require_perm(actor, perm)
    own = selectors.home_of(actor)
    if not code_in_scope(actor, record.division_id) or (
        own is not None and own.pk != record.home_id
    ):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))


def _void_refusal(record: ServiceRecord) -> ServiceVoidConflict:
    if record.voided_at is not None:
        return ServiceVoidConflict({"state": _("该记录已作废。")})
    return ServiceVoidConflict(
        {
            "state": _(
                "该记录已纳入 %(m)s 月度结算，不能直接作废。请先冲销该月结算，再作废本记录。"
            )
            % {"m": f"{record.settlement.month:%Y年%-m月}"}
        }
    )


def service_void(*, actor, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Void (作废) a wrongly recorded service that is not yet settled.

    The record stays (no hard delete) with who, when and why; it stops counting in
    totals, settlements, statements and statistics, and the deceased can be recorded
    again. Its application moves 已批准待发放 → 已撤回 (limit key freed) and the money the
    grant took is given back: Dr PAYABLE (party the home) / Cr BUDGET of the service year.

    Takes the record with one conditional UPDATE (unsettled and not voided), so a
    concurrent `settlement_post`, which locks the month's rows before counting them,
    and this void cannot both succeed. A settled record is refused: reverse the month's
    settlement first (`settlement_reverse`)."""
    _check_record(actor, record, "funeral.void_servicerecord")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因。")})
    if len(reason) > VOID_REASON_MAX:
        raise ValidationError(
            {"reason": _("作废原因不能超过 %(n)s 个字。") % {"n": VOID_REASON_MAX}}
        )
    if record.voided_at is not None or record.settlement_id is not None:
        raise _void_refusal(record)
    now = timezone.now()
    on = timezone.localdate()
    with transaction.atomic():
        taken = ServiceRecord.objects.filter(
            pk=record.pk, voided_at__isnull=True, settlement__isnull=True
        ).update(voided_at=now, voided_by=actor, void_reason=reason)
        if taken != 1:
            record.refresh_from_db()
            raise _void_refusal(record)
        application = record.application
        if application.state != State.APPROVED:
            raise ServiceVoidConflict({"state": _("该记录的救助申请已不是“已批准待发放”。")})
        entry = application_void(
            actor=actor,
            application=application,
            permission="funeral.void_servicerecord",
            reason=_("殡葬费用免除记录作废：%(r)s") % {"r": reason},
            on=on,
        )
        record.voided_at, record.voided_by, record.void_reason = now, actor, reason
        record.void_entry_id = entry.pk
        # This save writes the history row (who, why) with the final values.
        record._history_user = actor
        record._change_reason = reason[:100]
        record.save(update_fields=["voided_at", "voided_by", "void_reason", "void_entry_id"])
        audit.record(
            actor=actor,
            action=audit.Action.DELETE,
            target=record,
            summary=f"作废殡葬费用免除 {application.number} {record.amount} 元：{reason[:80]}",
            reason=reason,
        )
    return record
