"""Elderly-care policy as plain functions of data, and the rule sets it puts on the
programmes engine.

Monthly operating subsidy of a private institution (民办养老机构运营补贴), per elder:
- resident days: the days of the month from the admission day up to, not including, the
  discharge day and the day of death;
- absent days: resident days inside an absence (the day of leaving counts as absent, the
  day of return as present); when they reach `ec_absence_flag_days` (15) the line is
  flagged and the absent days are not paid; shorter absences keep the bed and are paid;
- monthly rate = `ec_operating_base` × (1 + care uplift of the elder's ability level,
  `ec_operating_care_<0…4>` %) × (1 + grade uplift of the institution's star grade,
  `ec_operating_grade_<0…5>` %, 0 = not graded), rounded to the fen;
- amount = monthly rate × paid days ÷ days in the month, rounded to the fen;
- the ability level is the latest assessment on or before the month's last day (none:
  level 0, said in the explanation); the parameters are those in force on the month's
  first day;
- flags: an elder whose paid days overlap another institution's claim of the same month
  (both lines held, not paid, until an officer sorts it out), absence ≥ the threshold, an
  elder who died during or before the month while the stay was still open, a stay that
  ended in the month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minzheng.programs.rules import (
    AmountDecision,
    FactField,
    ParamSource,
    RuleSet,
    money,
    register_rules,
    yuan,
)

OPERATING_PROGRAMME = "eldercare_operating"
CONSTRUCTION_PROGRAMME = "eldercare_construction"
HOUSE_PROGRAMME = "eldercare_house"
LEVEL_LABELS = {
    0: _l("能力完好"),
    1: _l("轻度失能"),
    2: _l("中度失能"),
    3: _l("重度失能"),
    4: _l("完全失能"),
}
GRADE_LABELS = {0: _l("未评等级"), 1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month containing `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def parse_month(text: str) -> dt.date | None:
    try:
        year, mon = str(text).split("-")
        if len(year) != 4 or len(mon) != 2:
            return None
        return dt.date(int(year), int(mon), 1)
    except (ValueError, TypeError):
        return None


@dataclass
class Stay:
    """What the rule needs to know about one residency in one month."""

    residency_id: int
    person_id: int
    person_name: str
    institution_id: int
    admitted_on: dt.date
    discharged_on: dt.date | None
    deceased_date: dt.date | None
    level: int | None
    absences: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)


@dataclass
class Rates:
    base: Decimal
    care: dict[int, Decimal]
    grade: dict[int, Decimal]
    absence_days: int
    records: list[dict]

    @classmethod
    def load(cls, *, month: dt.date, params: ParamSource | None = None) -> Rates:
        params = params or ParamSource()
        first, _last = month_bounds(month)
        records: dict[str, dict] = {}

        def get(key):
            value = params.get(key, on=first, division_code=None)
            records.setdefault(key, value.as_record())
            return value.value

        return cls(
            base=Decimal(get("ec_operating_base")),
            care={lv: Decimal(get(f"ec_operating_care_{lv}")) for lv in range(5)},
            grade={g: Decimal(get(f"ec_operating_grade_{g}")) for g in range(6)},
            absence_days=int(get("ec_absence_flag_days")),
            records=list(records.values()),
        )

    def monthly_rate(self, level: int, grade: int) -> Decimal:
        care, up = self.care[level], self.grade[grade]
        return money(self.base * (1 + care / 100) * (1 + up / 100))


@dataclass
class Line:
    stay: Stay
    level: int | None
    resident_days: int
    absent_days: int
    paid_days: int
    monthly_rate: Decimal
    amount: Decimal
    flags: list[str]
    days: frozenset[int]  # ordinals of the paid days, for the double-claim check
    held: bool = False
    explanation: str = ""


def _fmt(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def resident_days(stay: Stay, first: dt.date, last: dt.date) -> list[dt.date]:
    start = max(stay.admitted_on, first)
    ends = [last + dt.timedelta(days=1)]
    if stay.discharged_on:
        ends.append(stay.discharged_on)
    if stay.deceased_date:
        ends.append(stay.deceased_date)
    end = min(ends)  # exclusive
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def claim_line(stay: Stay, *, month: dt.date, grade: int | None, rates: Rates) -> Line | None:
    """One elder's line for the month (None when the elder was not there on any day)."""
    first, last = month_bounds(month)
    days = resident_days(stay, first, last)
    if not days:
        # Died before the month but the stay was never closed: a zero line, flagged, so
        # the officer sees the institution still counting the elder.
        if stay.deceased_date and stay.deceased_date < first and stay.discharged_on is None:
            line = Line(
                stay,
                stay.level,
                0,
                0,
                0,
                Decimal("0.00"),
                Decimal("0.00"),
                ["deceased"],
                frozenset(),
            )
            line.explanation = _("%(name)s：已于 %(d)s 死亡，未办理退住，本月不予补贴。") % {
                "name": stay.person_name,
                "d": f"{stay.deceased_date:%Y年%-m月%-d日}",
            }
            return line
        return None
    absent = {
        d for d in days for start, end in stay.absences if start <= d and (end is None or d < end)
    }
    flags = []
    paid = [d for d in days if d not in absent] if len(absent) >= rates.absence_days else days
    if len(absent) >= rates.absence_days:
        flags.append("absent")
    if (
        stay.deceased_date
        and stay.deceased_date <= last
        and (stay.discharged_on is None or stay.discharged_on >= stay.deceased_date)
    ):
        flags.append("deceased")
    if stay.discharged_on and first <= stay.discharged_on <= last:
        flags.append("discharged")
    level = stay.level if stay.level is not None else 0
    g = grade or 0
    rate = rates.monthly_rate(level, g)
    n_month = (last - first).days + 1
    amount = money(rate * len(paid) / n_month)
    line = Line(
        stay=stay,
        level=stay.level,
        resident_days=len(days),
        absent_days=len(absent),
        paid_days=len(paid),
        monthly_rate=rate,
        amount=amount,
        flags=flags,
        days=frozenset(d.toordinal() for d in paid),
    )
    line.explanation = explain(line, month=month, grade=g, rates=rates)
    return line


def explain(line: Line, *, month: dt.date, grade: int, rates: Rates) -> str:
    first, last = month_bounds(month)
    n_month = (last - first).days + 1
    stay = line.stay
    level = line.level if line.level is not None else 0
    parts = [
        _("%(name)s：在住 %(d)d 天（%(a)s–%(b)s）")
        % {
            "name": stay.person_name,
            "d": line.resident_days,
            "a": _fmt(max(stay.admitted_on, first)),
            "b": _fmt(
                min(
                    [last]
                    + [
                        x - dt.timedelta(days=1)
                        for x in (stay.discharged_on, stay.deceased_date)
                        if x
                    ]
                )
            ),
        }
    ]
    if line.absent_days:
        if "absent" in line.flags:
            parts.append(
                _("离院 %(n)d 天（满 %(t)d 天，离院期间不予补贴）")
                % {"n": line.absent_days, "t": rates.absence_days}
            )
        else:
            parts.append(
                _("离院 %(n)d 天（不足 %(t)d 天，保留床位照常补贴）")
                % {"n": line.absent_days, "t": rates.absence_days}
            )
    parts.append(_("补贴 %(n)d 天") % {"n": line.paid_days})
    level_text = str(LEVEL_LABELS[level]) if line.level is not None else _("未评估，按能力完好计")
    rate_text = _(
        "月标准 %(base)s ×（1+%(care)s%%，%(level)s）×（1+%(up)s%%，%(grade)s）= %(rate)s"
    ) % {
        "base": yuan(rates.base),
        "care": _pct(rates.care[level]),
        "level": level_text,
        "up": _pct(rates.grade[grade]),
        "grade": GRADE_LABELS[grade],
        "rate": yuan(line.monthly_rate),
    }
    amount_text = _("%(rate)s × %(p)d/%(n)d = %(amount)s") % {
        "rate": yuan(line.monthly_rate),
        "p": line.paid_days,
        "n": n_month,
        "amount": yuan(line.amount),
    }
    return "，".join(str(p) for p in parts) + "；" + rate_text + "；" + amount_text + "。"


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def mark_doubles(lines: list[Line]) -> int:
    """Flag and hold every line whose elder has overlapping paid days in another
    institution's line of the same month. Returns how many lines were flagged."""
    by_person: dict[int, list[Line]] = {}
    for line in lines:
        by_person.setdefault(line.stay.person_id, []).append(line)
    flagged = 0
    for group in by_person.values():
        if len(group) < 2:
            continue
        for line in group:
            if any(
                other.stay.institution_id != line.stay.institution_id and line.days & other.days
                for other in group
            ):
                if "double" not in line.flags:
                    line.flags.insert(0, "double")
                line.held = True
                line.explanation += _("同月另一机构也申报了该老人的重叠天数，暂缓拨付，待核实。")
                flagged += 1
    return flagged


# ---------------------------------------------------------------- engine rule sets


@register_rules(OPERATING_PROGRAMME)
class OperatingSubsidy(RuleSet):
    """The engine's view of one institution's month: the amount is the sum of the claim's
    lines (computed above, each explained on its own line); the limit key makes a second
    claim of the same month impossible in the engine as well."""

    fields = (
        FactField("month", _l("申报月份（YYYY-MM）"), "text"),
        FactField("elders", _l("老人数"), "int", min_value=0),
        FactField("paid_days", _l("补贴床日"), "int", min_value=0, max_value=10_000_000),
        FactField("held", _l("暂缓拨付明细"), "int", min_value=0),
        FactField("total", _l("申报金额"), "decimal"),
    )

    @classmethod
    def validate(cls, facts):
        if parse_month(facts["month"]) is None:
            return {"month": _("申报月份格式为 YYYY-MM。")}
        return {}

    @classmethod
    def cause(cls, facts):
        return facts["month"]

    @classmethod
    def limit_key(cls, ctx):
        return f"{ctx.programme_code}:{ctx.subject_key()}:{ctx.facts['month']}"

    @classmethod
    def amount(cls, ctx):
        f = ctx.facts
        total = money(f["total"])
        text = _(
            "%(m)s 运营补贴：%(n)d 名老人，补贴床日 %(d)d 天，暂缓拨付 %(h)d 条，合计 %(a)s（逐人明细见机构月度申报）。"
        ) % {
            "m": f["month"],
            "n": f["elders"],
            "d": f["paid_days"],
            "h": f["held"],
            "a": yuan(total),
        }
        return AmountDecision(total, text, ctx.parameters_used())


@register_rules(CONSTRUCTION_PROGRAMME)
class ConstructionSubsidy(RuleSet):
    """One-time construction subsidy per new bed, by bed type."""

    fields = (
        FactField("reference", _l("新增床位批次（如 2021-扩建）"), "text"),
        FactField("new_beds_general", _l("新增普通床位（张）"), "int", min_value=0),
        FactField("new_beds_nursing", _l("新增护理型床位（张）"), "int", min_value=0),
    )

    @classmethod
    def validate(cls, facts):
        if not (facts["new_beds_general"] or facts["new_beds_nursing"]):
            return {"new_beds_general": _("新增床位不能都为 0。")}
        return {}

    @classmethod
    def cause(cls, facts):
        return facts["reference"]

    @classmethod
    def limit_key(cls, ctx):
        return f"{ctx.programme_code}:{ctx.subject_key()}:{ctx.facts['reference']}"

    @classmethod
    def amount(cls, ctx):
        f = ctx.facts
        general = Decimal(ctx.param("ec_construction_general"))
        nursing = Decimal(ctx.param("ec_construction_nursing"))
        total = money(general * f["new_beds_general"] + nursing * f["new_beds_nursing"])
        text = _("新增普通床位 %(g)d 张 × %(rg)s + 护理型床位 %(n)d 张 × %(rn)s = %(t)s。") % {
            "g": f["new_beds_general"],
            "rg": yuan(general),
            "n": f["new_beds_nursing"],
            "rn": yuan(nursing),
            "t": yuan(total),
        }
        return AmountDecision(total, text, ctx.parameters_used())


HOUSE_GRADES = ("A", "B", "C", "D")


@register_rules(HOUSE_PROGRAMME)
class HouseSubsidy(RuleSet):
    """A happiness house's yearly operating subsidy, set by last year's rating grade."""

    fields = (
        FactField("year", _l("补贴年度"), "int", min_value=2000, max_value=2100),
        FactField(
            "grade",
            _l("上年度评级"),
            "choice",
            choices=tuple((g, g) for g in HOUSE_GRADES),
        ),
    )

    @classmethod
    def cause(cls, facts):
        return str(facts["year"])

    @classmethod
    def limit_key(cls, ctx):
        return f"{ctx.programme_code}:{ctx.subject_key()}:{ctx.facts['year']}"

    @classmethod
    def amount(cls, ctx):
        f = ctx.facts
        amount = money(Decimal(ctx.param(f"ec_house_subsidy_{f['grade']}")))
        text = _("%(y)d 年度运营补贴：上年度评级 %(g)s，按等级标准 %(a)s。") % {
            "y": f["year"],
            "g": f["grade"],
            "a": yuan(amount),
        }
        return AmountDecision(amount, text, ctx.parameters_used())


def house_grade(score: Decimal, thresholds: dict[str, Decimal]) -> str:
    """A (优秀) ≥ A threshold, B ≥ B, C ≥ C, else D."""
    for g in ("A", "B", "C"):
        if score >= thresholds[g]:
            return g
    return "D"
