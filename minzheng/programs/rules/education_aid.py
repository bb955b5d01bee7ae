"""教育救助 (education aid): a yearly grant per student by school stage.

Eligible: students of families on 低保/低保边缘/特困, or pupils of a paired-assistance
school (对口帮扶学校, e.g. 罗定市围底镇中心小学). One grant per student per year.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from . import AmountDecision, Check, FactField, RuleSet, money, register_rules, yuan

STAGES = (
    ("primary", _l("小学")),
    ("junior", _l("初中")),
    ("senior", _l("高中/中职")),
    ("college", _l("大学/高职")),
)
BASES = (
    ("dibao", _l("低保家庭")),
    ("dibian", _l("低保边缘家庭")),
    ("tekun", _l("特困供养")),
    ("paired_school", _l("对口帮扶学校学生")),
)


@register_rules("education_aid")
class EducationAid(RuleSet):
    fields = (
        FactField("student_name", _l("学生姓名"), "text"),
        FactField("school", _l("就读学校"), "text"),
        FactField("stage", _l("学段"), "choice", STAGES),
        FactField("basis", _l("资助依据"), "choice", BASES),
        FactField("enrolled", _l("在读（学校已证明）"), "bool", required=False),
    )

    @classmethod
    def limit_key(cls, ctx):
        return f"{ctx.programme_code}:{ctx.person_key()}:{ctx.facts['student_name']}:{ctx.on.year}"

    @classmethod
    def eligibility(cls, ctx):
        enrolled = bool(ctx.facts.get("enrolled"))
        return [
            Check(enrolled, "enrolled", _("学校已出具在读证明") if enrolled else _("缺少在读证明")),
            Check(True, "basis", _("资助依据：%(b)s") % {"b": dict(BASES)[ctx.facts["basis"]]}),
        ]

    @classmethod
    def amount(cls, ctx):
        stage = ctx.facts["stage"]
        amount = money(Decimal(ctx.param(f"edu_amount_{stage}")))
        text = _("%(stage)s学段每生每学年资助标准 %(a)s，按标准测算 %(a)s。") % {
            "stage": dict(STAGES)[stage],
            "a": yuan(amount),
        }
        return AmountDecision(amount, text, ctx.parameters_used())
