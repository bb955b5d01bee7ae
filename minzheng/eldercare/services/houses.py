"""Community happiness houses: operators, services, monthly reports, the yearly rating and its
subsidy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.district import district_code
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import attachment_add, upload_errors
from minzheng.programs.rules import ParamSource
from minzheng.programs.services import (
    ApplicationInput,
    application_grant,
    disbursement_batch_create,
    disbursement_return_import,
)
from minzheng.registry import validators
from minzheng.registry.models import Organisation
from minzheng.registry.services import organisation_register

from .. import rules
from ..models import (
    House,
    HouseRating,
    HouseReport,
    HouseService,
)
from .common import PHOTO_TYPES, _date, _today


@dataclass
class HouseInput:
    name: str
    division_code: str  # a community
    address: str = ""
    opening_hours: str = ""
    services: list[str] = field(default_factory=list)
    operator_id: int | None = None
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    bank_name: str = ""
    bank_account: str = ""
    is_illustrative: bool = False


def house_register(*, actor, data: HouseInput) -> House:
    require_perm(actor, "eldercare.add_house")
    errors: dict = {}
    division = Division.objects.filter(code=data.division_code, level="community").first()
    if division is None:
        errors["division"] = _("请选择幸福院所在的村居。")
    bad = [s for s in data.services if s not in HouseService.values]
    if bad or not data.services:
        errors["services"] = _("请选择幸福院提供的服务。")
    operator = None
    if data.operator_id:
        operator = Organisation.objects.filter(pk=data.operator_id, is_void=False).first()
        if operator is None:
            errors["operator"] = _("请选择运营机构。")
    _date(errors, "contract_start", data.contract_start, required=bool(operator))
    _date(errors, "contract_end", data.contract_end, required=bool(operator))
    if (
        "contract_end" not in errors
        and data.contract_start
        and data.contract_end
        and data.contract_end < data.contract_start
    ):
        errors["contract_end"] = _("服务合同结束日期不能早于开始日期。")
    account = (data.bank_account or "").replace(" ", "")
    if account and not account.isdigit():
        errors["bank_account"] = _("银行账号只能包含数字。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        org = organisation_register(
            actor=actor,
            name=data.name,
            kind=Organisation.Kind.OTHER,
            division_code=data.division_code,
            address=data.address,
        )
        house = House.objects.create(
            organisation=org,
            name=org.name,
            division=division,
            address=data.address,
            opening_hours=data.opening_hours,
            services=list(data.services),
            operator=operator,
            contract_start=data.contract_start,
            contract_end=data.contract_end,
            bank_name=data.bank_name,
            bank_account=account,
            bank_account_masked=validators.mask_bank_account(account),
            is_illustrative=data.is_illustrative,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=house,
            summary=f"登记幸福院 {house.name}",
        )
    return house


def house_report_record(
    *,
    actor,
    house: House,
    month: dt.date,
    visits: int,
    meals: int,
    activities: int,
    note: str = "",
    photos=(),
) -> HouseReport:
    """A house's monthly operation report (once a month), with photos."""
    require_perm(actor, "eldercare.add_housereport")
    if not code_in_scope(actor, house.division_id):
        raise PermissionDenied(_("该幸福院不在您的管辖范围内。"))
    errors: dict = {}
    month = month.replace(day=1) if month else None
    _date(errors, "month", month)
    for key, value in (("visits", visits), ("meals", meals), ("activities", activities)):
        if not isinstance(value, int) or not 0 <= value <= 1_000_000:
            errors[key] = _("请填写 0 至 1000000 之间的整数。")
    if month and month > timezone.localdate():
        errors["month"] = _("不能填报未来月份。")
    if month and HouseReport.objects.filter(house=house, month=month).exists():
        errors["month"] = _("%(m)s 的运营报告已填报。") % {"m": f"{month:%Y年%-m月}"}
    for upload in photos:
        errors |= upload_errors(upload, field="photos", allowed=PHOTO_TYPES)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = HouseReport.objects.create(
            house=house,
            month=month,
            visits=visits,
            meals=meals,
            activities=activities,
            note=note.strip(),
            recorded_by=actor,
        )
        for upload in photos:
            attachment_add(
                actor=actor, owner=report, upload=upload, kind="house_photo", allowed=PHOTO_TYPES
            )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=report,
            summary=f"{house.name} {month:%Y-%m} 运营报告",
        )
    return report


def house_rating_record(
    *, actor, house: House, year: int, score: Decimal, on: dt.date | None = None
) -> HouseRating:
    """The yearly rating; its grade (thresholds are parameters) sets next year's subsidy."""
    on = _today(on)
    require_perm(actor, "eldercare.add_houserating")
    if not code_in_scope(actor, house.division_id):
        raise PermissionDenied(_("该幸福院不在您的管辖范围内。"))
    errors: dict = {}
    try:
        score = Decimal(str(score)).quantize(Decimal("0.1"))
        if not 0 <= score <= 100:
            raise ValueError
    except (ValueError, ArithmeticError):
        errors["score"] = _("得分须为 0 至 100。")
    if not isinstance(year, int) or not 2000 <= year <= on.year:
        errors["year"] = _("请选择已结束或当前的评级年度。")
    elif HouseRating.objects.filter(house=house, year=year).exists():
        errors["year"] = _("%(y)d 年度已评级。") % {"y": year}
    if errors:
        raise ValidationError(errors)
    params = ParamSource()
    thresholds = {
        g: Decimal(params.get(f"ec_house_grade_{g}", on=on, division_code=house.division_id).value)
        for g in ("A", "B", "C")
    }
    with transaction.atomic():
        rating = HouseRating.objects.create(
            house=house,
            year=year,
            score=score,
            grade=rules.house_grade(score, thresholds),
            rated_on=on,
        )
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=rating,
            summary=f"{house.name} {year} 年度评级 {rating.grade}（{score} 分）",
        )
    return rating


def house_subsidy_grant(*, actor, rating: HouseRating, on: dt.date | None = None):
    """Grant next year's operating subsidy of a house by its rating, on the engine
    (Dr BUDGET / Cr PAYABLE to the house); paid by `applications_pay`."""
    on = _today(on)
    require_perm(actor, "eldercare.run_claims")
    house = rating.house
    if not house.bank_account:
        raise ValidationError({"house": _("该幸福院未登记收款银行账号。")})
    from ..setup import ensure_defaults

    ensure_defaults()
    with transaction.atomic():
        application = application_grant(
            actor=actor,
            permission="eldercare.run_claims",
            on=on,
            data=ApplicationInput(
                programme_code=rules.HOUSE_PROGRAMME,
                division_code=house.division_id,
                applicant_name=house.name,
                applicant_id_number=_house_credit_code(house),
                organisation_id=house.organisation_id,
                payee_name=house.name,
                bank_name=house.bank_name,
                bank_account=house.bank_account,
                idempotency_key=f"eldercare.house:{house.pk}:{rating.year + 1}",
                facts={"year": rating.year + 1, "grade": rating.grade},
            ),
        )
        rating.application_id = application.pk
        rating.save(update_fields=["application_id"])
    return application


def _house_credit_code(house: House) -> str:
    if house.organisation.credit_code:
        return house.organisation.credit_code
    if house.operator_id and house.operator.credit_code:
        return house.operator.credit_code
    raise ValidationError({"house": _("幸福院及其运营机构均未登记统一社会信用代码。")})


def applications_pay(
    *, actor, programme_code: str, application_ids: list[int], return_file_for, on: dt.date
) -> dict:
    """Pay granted applications of one of the app's programmes: a batch grouped by payee,
    then the bank's return file (`return_file_for(batch) -> bytes`)."""
    batch = disbursement_batch_create(
        actor=actor,
        division_code=district_code(),
        programme_code=programme_code,
        application_ids=application_ids,
        group_by_payee=True,
        on=on,
    )
    return disbursement_return_import(
        actor=actor, batch=batch, content=return_file_for(batch), on=on
    )
