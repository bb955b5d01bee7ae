"""临时救助 (temporary assistance): 急难型 and 支出型.

Amount = monthly minimum living standard (低保标准, of the applicant's division) × months
(at least the legal floor `ta_min_months`, 2 in Nanhai's 2021 notice) × people of the
household (or 1 per household, by `ta_basis`), capped by `ta_cap_amount`, and for 支出型
never more than the spending the family could not bear.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from . import AmountDecision, Check, FactField, RuleContext, RuleSet, money, register_rules, yuan

EMERGENCY_CAUSES = (
    ("fire", _l("火灾")),
    ("drowning", _l("溺水")),
    ("traffic", _l("交通事故")),
    ("injury", _l("人身伤害")),
    ("illness", _l("家庭成员突发重大疾病")),
    ("other_emergency", _l("其他突发事件")),
)
EXPENSE_CAUSES = (
    ("medical", _l("医疗支出")),
    ("education", _l("教育支出")),
    ("other_expense", _l("其他必需支出")),
)
CATEGORIES = (("emergency", _l("急难型")), ("expense", _l("支出型")))


@register_rules("temporary_assistance")
class TemporaryAssistance(RuleSet):
    fields = (
        FactField("category", _l("救助类型"), "choice", CATEGORIES),
        FactField("cause", _l("事由"), "choice", EMERGENCY_CAUSES + EXPENSE_CAUSES),
        FactField("event_date", _l("发生日期"), "date"),
        FactField("household_size", _l("家庭人口（人）"), "int", min_value=1, max_value=99),
        FactField("monthly_income_per_person", _l("家庭人均月收入（元）"), "decimal"),
        FactField(
            "expense",
            _l("自负支出金额（元）"),
            "decimal",
            required=False,
            help=_l("支出型必填：扣除医保报销等后的自负部分。"),
        ),
        FactField("requested_amount", _l("申请金额（元）"), "decimal", required=False),
        FactField("description", _l("情况说明"), "text"),
    )

    @classmethod
    def validate(cls, facts):
        errors = {}
        emergency = dict(EMERGENCY_CAUSES)
        if facts["category"] == "emergency" and facts["cause"] not in emergency:
            errors["cause"] = _(
                "急难型救助的事由应为火灾、溺水、交通事故、人身伤害、突发重大疾病或其他突发事件。"
            )
        if facts["category"] == "expense" and facts["cause"] in emergency:
            errors["cause"] = _("支出型救助的事由应为医疗、教育或其他必需支出。")
        if facts["category"] == "expense" and not Decimal(facts.get("expense") or 0):
            errors["expense"] = _("支出型救助须填写自负支出金额。")
        return errors

    @classmethod
    def cause(cls, facts):
        return facts["cause"]

    @classmethod
    def max_amount(cls, ctx):
        return Decimal(ctx.param("ta_cap_amount"))

    @classmethod
    def fast_path(cls, facts):
        return facts.get("category") == "emergency"

    @classmethod
    def limit_key(cls, ctx: RuleContext):
        # Same cause, same household, once per calendar year.
        return f"{ctx.programme_code}:{ctx.subject_key()}:{ctx.facts['cause']}:{ctx.on.year}"

    @classmethod
    def eligibility(cls, ctx):
        facts = ctx.facts
        dibao = ctx.param("dibao_standard")
        income = Decimal(facts["monthly_income_per_person"])
        checks = []
        if facts["category"] == "expense":
            multiple = Decimal(ctx.param("ta_expense_income_multiple"))
            limit = money(dibao * multiple)
            checks.append(
                Check(
                    income <= limit,
                    "income",
                    _("家庭人均月收入 %(income)s，不超过低保标准的 %(m)s 倍（%(limit)s）")
                    % {"income": yuan(income), "m": multiple, "limit": yuan(limit)}
                    if income <= limit
                    else _("家庭人均月收入 %(income)s 超过低保标准的 %(m)s 倍（%(limit)s）")
                    % {"income": yuan(income), "m": multiple, "limit": yuan(limit)},
                )
            )
        else:
            checks.append(Check(True, "emergency", _("遭遇突发事件，生活陷入困境")))
        return checks

    @classmethod
    def amount(cls, ctx):
        facts = ctx.facts
        dibao = Decimal(ctx.param("dibao_standard"))
        floor = int(ctx.param("ta_min_months"))
        months = int(
            ctx.param(
                "ta_months_emergency" if facts["category"] == "emergency" else "ta_months_expense"
            )
        )
        months = max(months, floor)
        basis = ctx.param("ta_basis")
        people = int(facts["household_size"]) if basis == "per_person" else 1
        cap = Decimal(ctx.param("ta_cap_amount"))
        raw = money(dibao * months * people)
        parts = [
            _("按所在地最低生活保障标准每人每月 %(dibao)s") % {"dibao": yuan(dibao)},
            _("× %(months)d 个月（不低于 %(floor)d 个月）") % {"months": months, "floor": floor},
            (_("× 家庭人口 %(n)d 人") % {"n": people})
            if basis == "per_person"
            else _("× 按户计 1"),
            "= " + yuan(raw),
        ]
        amount = raw
        if amount > cap:
            amount = money(cap)
            parts.append(_("；超过单次救助上限 %(cap)s，按上限计算") % {"cap": yuan(cap)})
        if facts["category"] == "expense":
            expense = money(facts["expense"])
            if amount > expense:
                amount = expense
                parts.append(_("；不超过自负支出 %(e)s，按自负支出计算") % {"e": yuan(expense)})
        text = (
            " ".join(parts[:4])
            + "".join(parts[4:])
            + _("。按政策测算救助金额 %(a)s（以审批核定为准）。") % {"a": yuan(amount)}
        )
        return AmountDecision(amount, text, ctx.parameters_used())
