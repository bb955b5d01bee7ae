"""殡葬基本服务费用免除 (basic funeral service fee exemption): the rule set on the engine.

Rule (stated in README.md and in every decision's explanation):
- the deceased had household registration (户籍) in Nanhai: the registry's `hukou_division`
  lies within the district, or — when the registry has no record — the ID number's address
  code is one of the Nanhai codes in parameter `funeral_hukou_id_prefixes`
  (440605 南海区, 440682 原南海市, 440622 原南海县);
- the body is cremated (the cremation item 遗体火化 is used);
- one exemption per deceased (engine limit key + a unique constraint in this app);
- the service date is not in the future and not before the date of death;
- each item is exempted up to its maximum quantity (e.g. 3 days of storage): what the
  family used beyond it is theirs to pay, shown on the quote and the record — it does not
  refuse the exemption of the rest;
- the total within the per-body cap.
Amount = Σ min(quantity, maximum) × unit price of the items used, each price and maximum a
PolicyParameter in force on the service date; the per-body cap applies last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minzheng.programs.rules import (
    AmountDecision,
    Check,
    FactField,
    RuleContext,
    RuleSet,
    money,
    register_rules,
    yuan,
)

PROGRAMME_CODE = "funeral_fee_waiver"
RULES_KEY = "funeral_fee_waiver"


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    unit: str  # what one unit of quantity is


# The seven basic items of 粤民发〔2015〕37号, in the policy's order. Price key
# `funeral_price_<code>`, maximum quantity key `funeral_max_<code>`.
ITEMS = (
    Item("transport", "遗体接运", "次"),
    Item("disinfection", "遗体消毒", "次"),
    Item("storage", "遗体存放", "天"),
    Item("farewell_hall", "告别厅租用", "次"),
    Item("cremation", "遗体火化", "具"),
    Item("ash_storage", "骨灰寄存", "年"),
    Item("urn", "骨灰盒", "个"),
)
ITEM_BY_CODE = {i.code: i for i in ITEMS}


# More of one item than any funeral uses is a typing error (and 10^20 of one overflows the
# amount columns).
MAX_QUANTITY = 100


def qty_field(code: str) -> str:
    return f"qty_{code}"


def quantities(facts: dict) -> dict[str, int]:
    return {i.code: int(facts.get(qty_field(i.code)) or 0) for i in ITEMS}


def price_lines(ctx: RuleContext) -> list[dict]:
    """The items used, each with the quantity used, the quantity exempted (at most the
    item's maximum), the unit price, the exempted amount and what the family pays for the
    rest (parameters of ctx.on)."""
    lines = []
    for item, qty in ((ITEM_BY_CODE[c], q) for c, q in quantities(ctx.facts).items()):
        if qty <= 0:
            continue
        price = money(ctx.param(f"funeral_price_{item.code}"))
        covered = min(qty, int(ctx.param(f"funeral_max_{item.code}")))
        lines.append(
            {
                "code": item.code,
                "name": item.name,
                "unit": item.unit,
                "qty": qty,
                "covered": covered,
                "price": str(price),
                "amount": str(money(price * covered)),
                "family_amount": str(money(price * (qty - covered))),
            }
        )
    return lines


def family_pays(lines: list[dict], exempted: Decimal) -> Decimal:
    """What the family pays: every item used at its price, less the exemption."""
    used = sum((Decimal(x["price"]) * x["qty"] for x in lines), Decimal(0))
    return money(used - exempted)


def hukou_ok(ctx: RuleContext) -> tuple[bool, str]:
    facts = ctx.facts
    district = ctx.param("funeral_district_code")
    if facts.get("hukou_source") == "registry":
        ok = str(facts.get("hukou_division") or "").startswith(district[:6])
        return ok, (
            _("人口库登记的户籍在本区") if ok else _("人口库登记的户籍不在本区，不属于免除对象")
        )
    prefixes = [
        p.strip() for p in str(ctx.param("funeral_hukou_id_prefixes")).split(",") if p.strip()
    ]
    code = str(facts.get("id_address_code") or "")
    ok = code in prefixes
    return ok, (
        _("人口库无记录，身份证号码地址码 %(c)s 属南海区") % {"c": code}
        if ok
        else _("人口库无记录，且身份证号码地址码 %(c)s 不属南海区（%(p)s），不属于免除对象")
        % {"c": code, "p": "、".join(prefixes)}
    )


@register_rules(RULES_KEY)
class FuneralFeeWaiver(RuleSet):
    fields = (
        FactField("service_date", _l("服务日期"), "date"),
        FactField("death_date", _l("死亡日期"), "date"),
        FactField(
            "hukou_source",
            _l("户籍依据"),
            "choice",
            (("registry", _l("人口库")), ("id_number", _l("身份证号码地址码"))),
        ),
        FactField("hukou_division", _l("户籍所在区划"), "text", required=False),
        FactField("id_address_code", _l("身份证地址码"), "text"),
        FactField("funeral_home", _l("殡仪馆"), "text"),
        *(
            FactField(
                qty_field(i.code), f"{i.name}（{i.unit}）", "int", required=False, min_value=0
            )
            for i in ITEMS
        ),
    )

    @classmethod
    def validate(cls, facts):
        errors = {}
        service = dt.date.fromisoformat(facts["service_date"])
        death = dt.date.fromisoformat(facts["death_date"])
        if service > timezone.localdate():
            errors["service_date"] = _(
                "服务日期不能晚于今天（%(d)s）：请在提供服务时或之后登记。"
            ) % {"d": timezone.localdate().isoformat()}
        if death > service:
            errors["death_date"] = _("死亡日期不能晚于服务日期。")
        if not any(quantities(facts).values()):
            errors[qty_field("cremation")] = _("请至少选择一项基本殡葬服务。")
        return errors

    @classmethod
    def limit_key(cls, ctx: RuleContext):
        # One exemption per deceased, whoever records it: keyed by the ID number's blind index.
        return f"{PROGRAMME_CODE}:id{ctx.applicant.get('id_hash', '')}"

    @classmethod
    def eligibility(cls, ctx):
        checks = []
        ok, message = hukou_ok(ctx)
        checks.append(Check(ok, "hukou", message))
        qty = quantities(ctx.facts)
        checks.append(
            Check(
                qty["cremation"] >= 1,
                "cremated",
                _("遗体火化")
                if qty["cremation"] >= 1
                else _("未使用遗体火化服务：基本殡葬服务费用免除仅适用于火化的逝者"),
            )
        )
        for item in ITEMS:
            limit = int(ctx.param(f"funeral_max_{item.code}"))
            if qty[item.code] > limit:  # not a refusal: the covered part is exempted
                checks.append(
                    Check(
                        True,
                        f"cap_{item.code}",
                        _("%(name)s %(q)d %(u)s，免除 %(m)d %(u)s，其余 %(r)d %(u)s由家属自付")
                        % {
                            "name": item.name,
                            "q": qty[item.code],
                            "u": item.unit,
                            "m": limit,
                            "r": qty[item.code] - limit,
                        },
                    )
                )
        return checks

    @classmethod
    def max_amount(cls, ctx):
        return Decimal(ctx.param("funeral_cap_per_body"))

    @classmethod
    def amount(cls, ctx):
        lines = price_lines(ctx)
        raw = money(sum((Decimal(x["amount"]) for x in lines), Decimal(0)))
        cap = money(ctx.param("funeral_cap_per_body"))
        parts = [
            _("%(name)s %(q)d %(u)s × %(p)s = %(a)s")
            % {
                "name": x["name"],
                "q": x["covered"],
                "u": x["unit"],
                "p": yuan(x["price"]),
                "a": yuan(x["amount"]),
            }
            + (
                _("（共使用 %(n)d %(u)s，超出上限的 %(r)d %(u)s 由家属自付 %(f)s）")
                % {
                    "n": x["qty"],
                    "u": x["unit"],
                    "r": x["qty"] - x["covered"],
                    "f": yuan(x["family_amount"]),
                }
                if x["qty"] > x["covered"]
                else ""
            )
            for x in lines
        ]
        text = _("逝者户籍在本区且遗体火化，按服务日期 %(d)s 执行的基本殡葬服务收费标准免除：") % {
            "d": ctx.on.isoformat()
        }
        text += "；".join(parts) + _("；合计 %(t)s") % {"t": yuan(raw)}
        amount = raw
        if raw > cap:
            amount = cap
            text += _("，超过每具遗体免除上限 %(c)s，按上限免除") % {"c": yuan(cap)}
        text += _("。免除金额 %(a)s，由殡仪馆在结算时直接减免，按月向区民政局申请结算。") % {
            "a": yuan(amount)
        }
        return AmountDecision(amount, text, ctx.parameters_used())
