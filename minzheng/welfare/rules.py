"""Policy numbers, the allowance rule set on the programmes engine, job matching and the
definition of "people aided" — plain functions of data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core.models import PolicyParameter
from minzheng.programs.rules import (
    AmountDecision,
    Check,
    FactField,
    RuleSet,
    money,
    register_rules,
    yuan,
)

D = PolicyParameter.ValueType.DECIMAL
I = PolicyParameter.ValueType.INTEGER  # noqa: E741
START = dt.date(2016, 1, 1)
ILLUSTRATIVE = "示例值：未找到广东省/佛山市公开标准，上线前须按正式文件核定"

# key, name, value, type, unit, valid_from, source, illustrative
PARAMETERS = [
    (
        "welfare_allowance_institution",
        "儿童基本生活费·机构养育",
        "1800",
        D,
        "元/人·月",
        START,
        ILLUSTRATIVE,
        True,
    ),
    (
        "welfare_allowance_community",
        "儿童基本生活费·社会散居",
        "1300",
        D,
        "元/人·月",
        START,
        ILLUSTRATIVE,
        True,
    ),
    (
        "welfare_respite_yearly_hours",
        "喘息服务·每户每年时长上限",
        "48",
        I,
        "小时/户·年",
        START,
        ILLUSTRATIVE,
        True,
    ),
]

PROGRAMME_CODE = "child_basic_allowance"
RULES_KEY = "welfare_child_allowance"

PEOPLE_AIDED_DEFINITION = gettext_lazy(
    "帮扶人数：统计年度内至少接受过一次就业服务（政策咨询、求职登记、培训报名，"
    "摆摊或窗口）的残疾人人数。以身份证号码识别个人，同一人多次接受服务只计一人；"
    "未登记身份证号码的匿名咨询计入服务人次，不计入帮扶人数。"
)

CATEGORIES = (
    ("orphan", gettext_lazy("孤儿")),
    ("unsupported", gettext_lazy("事实无人抚养儿童")),
    ("disabled", gettext_lazy("残疾儿童")),
)
PLACEMENTS = (("institution", gettext_lazy("机构养育")), ("community", gettext_lazy("社会散居")))


@register_rules(RULES_KEY)
class ChildAllowance(RuleSet):
    """One month of a child's basic living allowance: the standard in force on the first
    day of the month for the child's kind of care (机构养育 / 社会散居)."""

    fields = (
        FactField("category", gettext_lazy("儿童类别"), "choice", CATEGORIES),
        FactField("placement", gettext_lazy("养育方式"), "choice", PLACEMENTS),
        FactField("month", gettext_lazy("发放月份"), "text"),
    )

    @classmethod
    def validate(cls, facts):
        try:
            dt.date.fromisoformat(facts["month"] + "-01")
        except ValueError:
            return {"month": _("月份格式应为 YYYY-MM。")}
        return {}

    @classmethod
    def limit_key(cls, ctx):
        return f"{ctx.programme_code}:{ctx.person_key()}:{ctx.facts['month']}"

    @classmethod
    def eligibility(cls, ctx):
        return [Check(True, "in_care", _("%(m)s 在保障范围内") % {"m": ctx.facts["month"]})]

    @classmethod
    def amount(cls, ctx):
        placement = ctx.facts["placement"]
        amount = money(Decimal(ctx.param(f"welfare_allowance_{placement}")))
        text = _("%(m)s %(p)s儿童基本生活费标准 %(a)s，核定 %(a)s。") % {
            "m": ctx.facts["month"],
            "p": dict(PLACEMENTS)[placement],
            "a": yuan(amount),
        }
        return AmountDecision(amount, text, ctx.parameters_used())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def in_care_on(*, admitted_on: dt.date, left_on: dt.date | None, day: dt.date) -> bool:
    """A month is paid when the child is in care on its first day."""
    return admitted_on <= day and (left_on is None or left_on > day)


def session_hours(starts_at: dt.datetime, ends_at: dt.datetime) -> Decimal:
    return (Decimal(int((ends_at - starts_at).total_seconds())) / 3600).quantize(Decimal("0.1"))


# ---------------------------------------------------------------- matching


@dataclass(frozen=True)
class Match:
    vacancy_id: int
    score: float
    reasons: list[str]


def match_score(
    *,
    skills: list[str],
    wishes: str,
    categories: list[str],
    vacancy_skills: list[str],
    vacancy_title: str,
    suitable_categories: list[str],
) -> tuple[float, list[str]] | None:
    """Score a vacancy for a job-seeker, or None when it does not fit: a vacancy that names
    the disability categories it suits does not fit other categories. Score = 0.6 × the share
    of the vacancy's skills the person has (1 when it names none) + 0.4 when the wishes name
    the job."""
    reasons = []
    if suitable_categories:
        shared = set(categories) & set(suitable_categories)
        if not shared:
            return None
        reasons.append(_("岗位适合该残疾类别"))
    if vacancy_skills:
        have = [s for s in vacancy_skills if s in skills]
        share = len(have) / len(vacancy_skills)
        if have:
            reasons.append(_("具备技能：%(s)s") % {"s": "、".join(have)})
    else:
        share = 1.0
    score = 0.6 * share
    if wishes and (
        vacancy_title in wishes or any(w and w in vacancy_title for w in wishes.split())
    ):
        score += 0.4
        reasons.append(_("符合求职意向"))
    return round(score, 3), reasons
