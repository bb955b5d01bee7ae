"""Programme rules as plain functions of data.

A rule set is registered under a key (`Programme.rules_key`) and says:
- `fields`: the facts an application must state (forms and the API are built from them);
- `validate(facts) -> {field: message}`: missing or contradictory facts, caps on requested amounts;
- `eligibility(ctx) -> list[Check]`: conditions, each with a code and a message in Chinese;
- `amount(ctx) -> AmountDecision`: the amount, its plain-language explanation and the
  parameters it used (`ParameterValue.as_record()`);
- `limit_key(ctx) -> str | None`: the "at most once" key (same cause per household per year …);
- `cause(facts) -> str` and `fast_path(facts) -> bool`.

Rules read policy numbers only through `ctx.param(key)`, never literals, so a changed
parameter changes the decisions made after its `valid_from`, and a stored decision keeps
the values it used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from minzheng.core.params import ParameterSet, ParameterValue, parameter_value
from minzheng.core.validators import date_error, validate_event_date

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value) -> str:
    return f"{money(value):,.2f} 元"


@dataclass(frozen=True)
class Check:
    ok: bool
    code: str
    message: str

    def as_record(self) -> dict:
        return {"ok": self.ok, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class AmountDecision:
    amount: Decimal
    explanation_zh: str
    parameters_used: list[dict]


# Bounds of stated facts where a rule set names none: a count or an amount beyond these is
# a typing error, and would overflow the amount columns (12 digits) or the household size.
FACT_INT_MAX = 100_000
FACT_DECIMAL_MAX = Decimal("99999999.99")


@dataclass(frozen=True)
class FactField:
    name: str
    label: str
    kind: str = "text"  # text | int | decimal | choice | bool | date
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    help: str = ""
    min_value: int | None = None
    max_value: int | None = None  # ints; FACT_INT_MAX when None

    @property
    def int_bounds(self) -> tuple[int, int]:
        low = self.min_value if self.min_value is not None else 0
        return low, self.max_value if self.max_value is not None else FACT_INT_MAX


class ParamSource:
    """How rules look parameters up: core.params, nothing of its own.

    `cached=False` asks `core.params.parameter_value` every time (one query per lookup).
    `cached=True` (batches, and the default) takes one `core.params.ParameterSet` snapshot
    of the whole table on first use — it holds a few hundred rows — and resolves each
    (key, date, division) from it by the same rule."""

    def __init__(self, *, cached: bool = True):
        self.cached = cached
        self._set: ParameterSet | None = None
        self.lookups = 0  # database queries made

    def get(self, key: str, *, on: dt.date, division_code: str | None) -> ParameterValue:
        if not self.cached:
            self.lookups += 1
            return parameter_value(key, on=on, division_code=division_code)
        if self._set is None:
            self.lookups += 1
            self._set = ParameterSet()
        return self._set.value(key, on=on, division_code=division_code)


@dataclass
class RuleContext:
    programme_code: str
    on: dt.date
    division_code: str | None
    facts: dict[str, Any]
    household_size: int = 1
    # Who applies: {"person_id", "household_id", "organisation_id", "id_hash"}; used for limit keys.
    applicant: dict[str, Any] = field(default_factory=dict)
    params: ParamSource = field(default_factory=ParamSource)
    used: dict[str, dict] = field(default_factory=dict)

    def param(self, key: str):
        value = self.params.get(key, on=self.on, division_code=self.division_code)
        self.used.setdefault(key, value.as_record())
        return value.value

    def parameters_used(self) -> list[dict]:
        return list(self.used.values())

    def subject_key(self) -> str:
        """Household, else person, else organisation, else the ID hash: whom the limit counts."""
        a = self.applicant
        if a.get("household_id"):
            return f"hh{a['household_id']}"
        if a.get("person_id"):
            return f"p{a['person_id']}"
        if a.get("organisation_id"):
            return f"o{a['organisation_id']}"
        return f"id{a.get('id_hash', '')}"

    def person_key(self) -> str:
        a = self.applicant
        return f"p{a['person_id']}" if a.get("person_id") else f"id{a.get('id_hash', '')}"


class RuleSet:
    key = ""
    fields: tuple[FactField, ...] = ()

    @classmethod
    def validate(cls, facts: dict) -> dict[str, str]:
        return {}

    @classmethod
    def eligibility(cls, ctx: RuleContext) -> list[Check]:
        return []

    @classmethod
    def amount(
        cls, ctx: RuleContext
    ) -> AmountDecision:  # pragma: no cover - every rule set defines it
        raise NotImplementedError

    @classmethod
    def limit_key(cls, ctx: RuleContext) -> str | None:
        return None

    @classmethod
    def max_amount(cls, ctx: RuleContext) -> Decimal | None:
        """The cap a requested amount may not exceed (None: no cap)."""
        return None

    @classmethod
    def cause(cls, facts: dict) -> str:
        return ""

    @classmethod
    def fast_path(cls, facts: dict) -> bool:
        return False


RULES: dict[str, type[RuleSet]] = {}


def register_rules(key: str):
    def wrap(cls: type[RuleSet]) -> type[RuleSet]:
        cls.key = key
        RULES[key] = cls
        return cls

    return wrap


def get_rules(key: str) -> type[RuleSet]:
    _load()
    try:
        return RULES[key]
    except KeyError:
        raise LookupError(f"no rule set registered as {key!r}") from None


def _load() -> None:
    # Import the shipped rule sets (each registers itself).
    from . import (  # noqa: F401
        disability_employment,
        education_aid,
        eldercare_subsidy,
        social_worker,
        temporary_assistance,
    )


def clean_facts(rules: type[RuleSet], raw: dict) -> tuple[dict, dict[str, str]]:
    """Convert and check the stated facts against the rule set's fields, then its own checks."""
    facts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in rules.fields:
        value = raw.get(f.name)
        if value in (None, "") or (f.kind == "bool" and value is False and f.required is False):
            if f.required and f.kind != "bool":
                errors[f.name] = _("请填写“%(label)s”。") % {"label": f.label}
            elif f.kind == "bool":
                facts[f.name] = False
            continue
        try:
            if f.kind == "int":
                low, high = f.int_bounds
                if isinstance(value, bool | float):
                    raise ValueError
                value = int(value)
                if not low <= value <= high:
                    errors[f.name] = _("“%(label)s”须为 %(low)d 至 %(high)d 之间的整数。") % {
                        "label": f.label,
                        "low": low,
                        "high": high,
                    }
                    continue
            elif f.kind == "decimal":
                if isinstance(value, bool):
                    raise ValueError
                value = money(value)
                if not 0 <= value <= FACT_DECIMAL_MAX:
                    errors[f.name] = _("“%(label)s”须为 0 至 %(high)s 之间的金额。") % {
                        "label": f.label,
                        "high": FACT_DECIMAL_MAX,
                    }
                    continue
                value = str(value)
            elif f.kind == "bool":
                value = value in (True, "1", "true", "on", "yes", "是")
            elif f.kind == "date":
                value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
                problem = date_error(validate_event_date, value)
                if problem:
                    errors[f.name] = f"{f.label}：{problem}"
                    continue
                value = value.isoformat()
            elif f.kind == "choice":
                if value not in dict(f.choices):
                    raise ValueError
            else:
                value = str(value).strip()[:300]
        except (ValueError, ArithmeticError, TypeError):
            errors[f.name] = _("“%(label)s”的取值无效。") % {"label": f.label}
            continue
        facts[f.name] = value
    if not errors:
        errors.update(rules.validate(facts))
    return facts, errors


def evaluate(rules: type[RuleSet], ctx: RuleContext) -> tuple[list[Check], AmountDecision]:
    """Eligibility and amount together; an ineligible case gets amount 0 and says why."""
    checks = rules.eligibility(ctx)
    failed = [c for c in checks if not c.ok]
    if failed:
        return checks, AmountDecision(
            amount=money(0),
            explanation_zh=_("不符合救助条件：") + "；".join(c.message for c in failed) + "。",
            parameters_used=ctx.parameters_used(),
        )
    decision = rules.amount(ctx)
    return checks, decision
