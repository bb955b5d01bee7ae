"""社会工作人才扶持激励 (social-worker incentive): a one-time award per qualification level
per person — 助理社会工作师 1,000 元 and 社会工作师 2,000 元 (南府办〔2015〕48号, from
2016-01-01), 高级社会工作师 5,000 元 (2021 application guide)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from . import AmountDecision, Check, FactField, RuleSet, money, register_rules, yuan

LEVELS = (
    ("assistant", _l("助理社会工作师")),
    ("social_worker", _l("社会工作师")),
    ("senior", _l("高级社会工作师")),
)


@register_rules("social_worker")
class SocialWorker(RuleSet):
    fields = (
        FactField("level", _l("职业水平等级"), "choice", LEVELS),
        FactField("certificate_no", _l("证书编号"), "text"),
        FactField("certified_on", _l("取得证书日期"), "date"),
        FactField("employer", _l("工作单位（南海区内社会工作服务机构）"), "text"),
        FactField("works_in_district", _l("在南海区从事社会工作"), "bool", required=False),
    )

    @classmethod
    def validate(cls, facts):
        if dt.date.fromisoformat(facts["certified_on"]) > dt.date.today():
            return {"certified_on": _("取得证书日期不能晚于今天。")}
        return {}

    @classmethod
    def cause(cls, facts):
        return facts["level"]

    @classmethod
    def limit_key(cls, ctx):
        # One-time per level per person: no year in the key.
        return f"{ctx.programme_code}:{ctx.person_key()}:{ctx.facts['level']}"

    @classmethod
    def eligibility(cls, ctx):
        start = dt.date.fromisoformat(str(ctx.param("sw_policy_start")))
        certified = dt.date.fromisoformat(ctx.facts["certified_on"])
        works = bool(ctx.facts.get("works_in_district"))
        return [
            Check(
                certified >= start,
                "certified_on",
                (
                    _("%(d)s 取得证书，在政策施行（%(s)s）之后")
                    if certified >= start
                    else _("%(d)s 取得证书，早于政策施行日期 %(s)s")
                )
                % {"d": certified.isoformat(), "s": start.isoformat()},
            ),
            Check(
                works,
                "works_in_district",
                _("在南海区从事社会工作") if works else _("未在南海区从事社会工作"),
            ),
        ]

    @classmethod
    def amount(cls, ctx):
        level = ctx.facts["level"]
        amount = money(Decimal(ctx.param(f"sw_amount_{level}")))
        text = _("取得%(l)s职业水平证书，一次性奖励 %(a)s（每人每个等级限一次）。") % {
            "l": dict(LEVELS)[level],
            "a": yuan(amount),
        }
        return AmountDecision(amount, text, ctx.parameters_used())
