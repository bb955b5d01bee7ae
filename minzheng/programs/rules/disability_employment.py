"""残疾人就业扶助 (disability employment aid): a one-off grant to a person with a
disability certificate of working age who takes up a job, starts a business or trains."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from . import AmountDecision, Check, FactField, RuleSet, money, register_rules, yuan

MODES = (
    ("employed", _l("就业（签订劳动合同）")),
    ("self_employed", _l("自主创业")),
    ("training", _l("参加职业培训")),
)


@register_rules("disability_employment")
class DisabilityEmployment(RuleSet):
    fields = (
        FactField("certificate_no", _l("残疾人证号"), "text"),
        FactField("disability_level", _l("残疾等级"), "int", min_value=1, max_value=4),
        FactField("age", _l("年龄"), "int", min_value=0, max_value=150),
        FactField("mode", _l("就业方式"), "choice", MODES),
    )

    @classmethod
    def validate(cls, facts):
        if facts["disability_level"] > 4:
            return {"disability_level": _("残疾等级为 1–4 级。")}
        return {}

    @classmethod
    def limit_key(cls, ctx):
        return f"{ctx.programme_code}:{ctx.person_key()}:{ctx.facts['mode']}:{ctx.on.year}"

    @classmethod
    def eligibility(cls, ctx):
        low, high = int(ctx.param("dea_age_min")), int(ctx.param("dea_age_max"))
        age = ctx.facts["age"]
        ok = low <= age <= high
        return [
            Check(
                ok,
                "age",
                (
                    _("年龄 %(a)d 岁，在 %(l)d–%(h)d 岁就业年龄段内")
                    if ok
                    else _("年龄 %(a)d 岁，不在 %(l)d–%(h)d 岁就业年龄段内")
                )
                % {"a": age, "l": low, "h": high},
            )
        ]

    @classmethod
    def amount(cls, ctx):
        mode = ctx.facts["mode"]
        amount = money(Decimal(ctx.param(f"dea_amount_{mode}")))
        text = _("就业方式“%(m)s”一次性扶助标准 %(a)s，核定 %(a)s。") % {
            "m": dict(MODES)[mode],
            "a": yuan(amount),
        }
        return AmountDecision(amount, text, ctx.parameters_used())
