"""The subsidy amounts against hand-computed cases (no database)."""

import datetime as dt
from decimal import Decimal

from minzheng.eldercare import rules

APRIL = dt.date(2021, 4, 1)


def _rates(absence_days=15):
    return rules.Rates(
        base=Decimal("200"),
        care={0: Decimal(0), 1: Decimal(0), 2: Decimal(50), 3: Decimal(100), 4: Decimal(200)},
        grade={
            0: Decimal(0),
            1: Decimal(0),
            2: Decimal(0),
            3: Decimal(10),
            4: Decimal(20),
            5: Decimal(30),
        },
        absence_days=absence_days,
        records=[],
    )


def _stay(**kw):
    base = dict(
        residency_id=1,
        person_id=1,
        person_name="陈伯",
        institution_id=1,
        admitted_on=dt.date(2021, 1, 5),
        discharged_on=None,
        deceased_date=None,
        level=3,
        absences=[],
    )
    base.update(kw)
    return rules.Stay(**base)


def test_full_month_severe_in_grade_four_is_480():
    # 200 × (1 + 100 %) × (1 + 20 %) = 480.00, 30 of 30 days
    line = rules.claim_line(_stay(), month=APRIL, grade=4, rates=_rates())
    assert (line.resident_days, line.paid_days, line.monthly_rate, line.amount) == (
        30,
        30,
        Decimal("480.00"),
        Decimal("480.00"),
    )
    assert line.flags == []
    assert line.explanation == (
        "陈伯：在住 30 天（4月1日–4月30日），补贴 30 天；"
        "月标准 200.00 元 ×（1+100%，重度失能）×（1+20%，四级）= 480.00 元；"
        "480.00 元 × 30/30 = 480.00 元。"
    )


def test_care_levels_and_grades():
    cases = {
        (0, 0): "200.00",
        (2, 0): "300.00",
        (4, 5): "780.00",
        (1, 3): "220.00",
        (3, 5): "520.00",
    }
    for (level, grade), expected in cases.items():
        line = rules.claim_line(_stay(level=level), month=APRIL, grade=grade, rates=_rates())
        assert line.amount == Decimal(expected), (level, grade)


def test_unassessed_elder_is_paid_as_level_zero_and_says_so():
    line = rules.claim_line(_stay(level=None), month=APRIL, grade=None, rates=_rates())
    assert line.amount == Decimal("200.00")
    assert "未评估，按能力完好计" in line.explanation


def test_part_month_admitted_on_the_11th_is_20_days():
    # 11 … 30 April = 20 days; 480 × 20 / 30 = 320.00
    line = rules.claim_line(
        _stay(admitted_on=dt.date(2021, 4, 11)), month=APRIL, grade=4, rates=_rates()
    )
    assert (line.resident_days, line.amount) == (20, Decimal("320.00"))


def test_discharge_day_is_not_paid_and_the_line_is_flagged():
    # 1 … 9 April = 9 days (discharged on the 10th); 480 × 9 / 30 = 144.00
    line = rules.claim_line(
        _stay(discharged_on=dt.date(2021, 4, 10)), month=APRIL, grade=4, rates=_rates()
    )
    assert (line.resident_days, line.amount, line.flags) == (9, Decimal("144.00"), ["discharged"])


def test_death_stops_the_days_and_flags_the_line():
    # died on the 16th, stay still open: 1 … 15 April = 15 days; 300 × 15 / 30 = 150.00
    line = rules.claim_line(
        _stay(level=2, deceased_date=dt.date(2021, 4, 16)), month=APRIL, grade=None, rates=_rates()
    )
    assert (line.resident_days, line.amount, line.flags) == (15, Decimal("150.00"), ["deceased"])


def test_elder_dead_before_the_month_with_an_open_stay_is_a_zero_flagged_line():
    line = rules.claim_line(
        _stay(deceased_date=dt.date(2021, 3, 20)), month=APRIL, grade=4, rates=_rates()
    )
    assert (line.paid_days, line.amount, line.flags) == (0, Decimal("0.00"), ["deceased"])
    assert "已于 2021年3月20日 死亡，未办理退住" in line.explanation


def test_absence_of_16_days_is_flagged_and_not_paid():
    # away 5 April, back 21 April: 5 … 20 = 16 days absent; paid 14; 480 × 14 / 30 = 224.00
    stay = _stay(absences=[(dt.date(2021, 4, 5), dt.date(2021, 4, 21))])
    line = rules.claim_line(stay, month=APRIL, grade=4, rates=_rates())
    assert (line.absent_days, line.paid_days, line.amount, line.flags) == (
        16,
        14,
        Decimal("224.00"),
        ["absent"],
    )
    assert "离院 16 天（满 15 天，离院期间不予补贴）" in line.explanation


def test_absence_of_exactly_15_days_is_flagged_but_14_is_paid():
    fifteen = _stay(absences=[(dt.date(2021, 4, 1), dt.date(2021, 4, 16))])
    fourteen = _stay(absences=[(dt.date(2021, 4, 1), dt.date(2021, 4, 15))])
    a = rules.claim_line(fifteen, month=APRIL, grade=4, rates=_rates())
    b = rules.claim_line(fourteen, month=APRIL, grade=4, rates=_rates())
    assert (a.absent_days, a.paid_days, a.amount, a.flags) == (
        15,
        15,
        Decimal("240.00"),
        ["absent"],
    )
    assert (b.absent_days, b.paid_days, b.amount, b.flags) == (14, 30, Decimal("480.00"), [])


def test_open_absence_runs_to_the_month_end():
    stay = _stay(absences=[(dt.date(2021, 4, 10), None)])
    line = rules.claim_line(stay, month=APRIL, grade=4, rates=_rates())
    assert (line.absent_days, line.paid_days, line.amount) == (21, 9, Decimal("144.00"))


def test_february_has_28_days():
    line = rules.claim_line(
        _stay(admitted_on=dt.date(2021, 2, 15)), month=dt.date(2021, 2, 1), grade=4, rates=_rates()
    )
    # 15 … 28 February = 14 days; 480 × 14 / 28 = 240.00
    assert (line.resident_days, line.amount) == (14, Decimal("240.00"))


def test_double_claim_with_overlapping_days_holds_both_lines():
    a = rules.claim_line(_stay(institution_id=1), month=APRIL, grade=4, rates=_rates())
    b = rules.claim_line(
        _stay(residency_id=2, institution_id=2, admitted_on=dt.date(2021, 4, 20)),
        month=APRIL,
        grade=None,
        rates=_rates(),
    )
    assert rules.mark_doubles([a, b]) == 2
    assert a.held and b.held and a.flags == ["double"] and b.flags == ["double"]


def test_transfer_without_overlap_is_not_a_double_claim():
    a = rules.claim_line(
        _stay(institution_id=1, discharged_on=dt.date(2021, 4, 15)),
        month=APRIL,
        grade=4,
        rates=_rates(),
    )
    b = rules.claim_line(
        _stay(residency_id=2, institution_id=2, admitted_on=dt.date(2021, 4, 15)),
        month=APRIL,
        grade=None,
        rates=_rates(),
    )
    assert rules.mark_doubles([a, b]) == 0
    # 14 days at 480.00 and 16 days at 400.00 (not graded): 224.00 and 213.33
    assert (a.amount, b.amount) == (Decimal("224.00"), Decimal("213.33"))
    assert not a.held and not b.held


def test_house_grade_thresholds():
    t = {"A": Decimal(90), "B": Decimal(80), "C": Decimal(60)}
    assert [rules.house_grade(Decimal(s), t) for s in (95, 90, 85, 60, 59.9)] == [
        "A",
        "A",
        "B",
        "C",
        "D",
    ]
