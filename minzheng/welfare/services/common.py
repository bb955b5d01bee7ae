"""What the welfare services share: defaults, dates and division checks."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from minzheng.core.models import Division
from minzheng.core.scope import code_in_scope
from minzheng.core.validators import date_error, validate_event_date
from minzheng.core.workflow import START, Move, Workflow

from .. import rules
from ..models import (
    EnrolmentState,
    EnrolmentTransition,
    Referral,
    ReferralState,
    ReferralTransition,
    RespiteEnrolment,
)

PHOTO_TYPES = (".jpg", ".jpeg", ".png")
PHOTO_MAX_BYTES = 5 * 1024 * 1024

ENROLMENT = Workflow(
    key="welfare.respite_enrolment",
    model=RespiteEnrolment,
    log_model=EnrolmentTransition,
    log_subject="enrolment",
    states=EnrolmentState,
    error_field="state",
    moves=(
        Move("enrol", (START,), EnrolmentState.ENROLLED, "报名", "welfare.add_respiteenrolment"),
        Move(
            "attend",
            (EnrolmentState.ENROLLED,),
            EnrolmentState.ATTENDED,
            "已服务",
            "welfare.change_respitesession",
        ),
        Move(
            "cancel",
            (EnrolmentState.ENROLLED,),
            EnrolmentState.CANCELLED,
            "取消",
            "welfare.change_respiteenrolment",
        ),
    ),
)

REFERRAL = Workflow(
    key="welfare.referral",
    model=Referral,
    log_model=ReferralTransition,
    log_subject="referral",
    states=ReferralState,
    error_field="state",
    moves=(
        Move("refer", (START,), ReferralState.REFERRED, "推荐", "welfare.add_referral"),
        Move(
            "hire",
            (ReferralState.REFERRED,),
            ReferralState.HIRED,
            "录用",
            "welfare.change_referral",
        ),
        Move(
            "decline",
            (ReferralState.REFERRED,),
            ReferralState.DECLINED,
            "未录用",
            "welfare.change_referral",
        ),
    ),
)


def _fail(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _date_check(errors: dict, name: str, value, *, required: bool = True) -> None:
    if value is None:
        if required:
            errors[name] = _("请填写日期。")
    elif date_error(validate_event_date, value):
        errors[name] = date_error(validate_event_date, value)


def _division_check(errors: dict, actor, code: str, *, levels=("town", "community")) -> None:
    division = Division.objects.filter(code=code or "").first()
    if division is None or division.level not in levels or not code_in_scope(actor, code):
        errors["division"] = _("请选择本辖区内的镇街或村居。")


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ensure_defaults() -> None:
    """The app's policy parameters and the allowance programme (idempotent)."""
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.programs.models import Programme
    from minzheng.programs.setup import ensure_parameters as ensure_engine_parameters

    ensure_engine_parameters()
    parameters_ensure_defaults(rules.PARAMETERS)
    Programme.objects.get_or_create(
        code=rules.PROGRAMME_CODE,
        defaults={
            "name": "孤儿及事实无人抚养儿童基本生活费",
            "kind": Programme.Kind.CASH,
            "applicant_kind": Programme.ApplicantKind.PERSON,
            "rules_key": rules.RULES_KEY,
            "documents_required": [],
            "portal_open": False,
            "order": 70,
            "description": "按月发放，标准按机构养育、社会散居分别设定（政策参数）。",
        },
    )
