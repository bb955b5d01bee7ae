"""民办养老机构扶持 (private elderly-care institution subsidy), organisation applicants:
a one-off subsidy per new bed plus an operating subsidy per occupied bed per month by
care level, claimed per period (e.g. 2021-Q1)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from . import AmountDecision, Check, FactField, RuleSet, money, register_rules, yuan

CARE_LEVELS = (
    ("self_care", _l("自理")),
    ("partial", _l("半护理（介助）")),
    ("full", _l("全护理（介护）")),
)


@register_rules("eldercare_subsidy")
class EldercareSubsidy(RuleSet):
    fields = (
        FactField("period", _l("申报期（如 2021-Q1）"), "text"),
        FactField("new_beds", _l("新增床位（张）"), "int", min_value=0),
        FactField("bed_months_self_care", _l("自理入住床·月"), "int", min_value=0),
        FactField("bed_months_partial", _l("半护理入住床·月"), "int", min_value=0),
        FactField("bed_months_full", _l("全护理入住床·月"), "int", min_value=0),
        FactField("licensed", _l("已办理养老机构备案"), "bool", required=False),
    )

    @classmethod
    def validate(cls, facts):
        import re

        errors = {}
        if not re.fullmatch(r"20\d\d-(Q[1-4]|0[1-9]|1[0-2])", facts["period"]):
            errors["period"] = _("申报期格式为“2021-Q1”或“2021-03”。")
        if not (
            facts["new_beds"]
            or facts["bed_months_self_care"]
            or facts["bed_months_partial"]
            or facts["bed_months_full"]
        ):
            errors["new_beds"] = _("新增床位与入住床·月不能都为 0。")
        return errors

    @classmethod
    def cause(cls, facts):
        return facts["period"]

    @classmethod
    def limit_key(cls, ctx):
        return f"{ctx.programme_code}:{ctx.subject_key()}:{ctx.facts['period']}"

    @classmethod
    def eligibility(cls, ctx):
        ok = bool(ctx.facts.get("licensed"))
        return [Check(ok, "licensed", _("已办理养老机构备案") if ok else _("未办理养老机构备案"))]

    @classmethod
    def amount(cls, ctx):
        f = ctx.facts
        per_bed = Decimal(ctx.param("ec_new_bed"))
        total = money(per_bed * f["new_beds"])
        parts = [_("新增床位 %(n)d 张 × %(r)s") % {"n": f["new_beds"], "r": yuan(per_bed)}]
        for level, label in CARE_LEVELS:
            months = f[f"bed_months_{level}"]
            if months:
                rate = Decimal(ctx.param(f"ec_occupied_{level}"))
                total += money(rate * months)
                parts.append(
                    _("%(l)s入住 %(n)d 床·月 × %(r)s") % {"l": label, "n": months, "r": yuan(rate)}
                )
        text = " + ".join(str(p) for p in parts) + _("，合计核定 %(a)s。") % {"a": yuan(total)}
        return AmountDecision(money(total), text, ctx.parameters_used())
