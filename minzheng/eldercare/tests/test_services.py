"""Services: admissions and their bad input, discharges, absences, the claim run (amounts,
flags, engine and ledger), scope of institution staff, inspections."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.eldercare import selectors, services
from minzheng.eldercare.models import (
    Absence,
    Assessment,
    Claim,
    ClaimLine,
    ClaimRun,
    Finding,
    FindingTransition,
    Inspection,
    Residency,
)

pytestmark = pytest.mark.django_db
APRIL = dt.date(2021, 4, 1)
ON = dt.date(2021, 5, 6)


def _errors(exc) -> dict:
    return {k: v[0] for k, v in exc.value.message_dict.items()}


# ---------------------------------------------------------------- admissions


def test_admission_records_the_stay_and_the_assessment(home_a, make_elder, admit):
    elder = make_elder()
    stay = admit(home_a, elder, level=2, assessed=dt.date(2021, 1, 4))
    assert (stay.institution_id, stay.discharged_on) == (home_a.pk, None)
    a = Assessment.objects.get(person=elder)
    assert (a.level, a.assessed_on, a.division_id) == (2, dt.date(2021, 1, 4), home_a.division_id)


def test_admission_of_an_elder_living_elsewhere_is_refused_and_writes_nothing(
    home_a, home_b, make_elder, admit
):
    elder = make_elder()
    admit(home_a, elder)
    with pytest.raises(ValidationError) as exc:
        admit(home_b, elder, on=dt.date(2021, 3, 1))
    assert _errors(exc) == {
        "person": "该老人 2021年1月5日 起在“桂城颐康护养院”入住，尚未退住，不能同时入住两家机构。"
    }
    assert Residency.objects.count() == 1
    assert Assessment.objects.count() == 1


def test_backdated_admission_inside_a_closed_stay_is_refused(
    home_a, home_b, make_elder, admit, officer
):
    elder = make_elder()
    stay = admit(home_a, elder)
    services.discharge_record(
        actor=officer, residency=stay, discharged_on=dt.date(2021, 3, 1), reason="home"
    )
    with pytest.raises(ValidationError) as exc:
        admit(home_b, elder, on=dt.date(2021, 2, 1))
    assert "不能同时入住两家机构" in _errors(exc)["person"]
    assert Residency.objects.count() == 1
    admit(home_b, elder, on=dt.date(2021, 3, 1))  # the discharge day is free
    assert Residency.objects.count() == 2


def test_admission_beyond_the_beds_is_refused(make_institution, make_elder, admit):
    small = make_institution(name="小型护养院", beds=1, nursing=0)
    admit(small, make_elder("甲"))
    with pytest.raises(ValidationError) as exc:
        admit(small, make_elder("乙"))
    assert _errors(exc) == {"institution": "小型护养院 床位已满（1 张），不能再办理入住。"}
    assert Residency.objects.count() == 1


def test_nursing_beds_are_counted_separately(make_institution, make_elder, admit):
    home = make_institution(name="护理院", beds=5, nursing=1)
    admit(home, make_elder("甲"), bed_type="nursing")
    with pytest.raises(ValidationError) as exc:
        admit(home, make_elder("乙"), bed_type="nursing")
    assert _errors(exc) == {"bed_type": "护理型床位已满（1 张）。"}


def test_admission_without_assessment_is_refused(home_a, make_elder, officer):
    with pytest.raises(ValidationError) as exc:
        services.admission_create(
            actor=officer,
            data=services.AdmissionInput(
                institution_id=home_a.pk,
                person_id=make_elder().pk,
                admitted_on=dt.date(2021, 1, 5),
                level=None,
                assessed_on=None,
            ),
        )
    assert set(_errors(exc)) == {"level", "assessed_on"}
    assert Residency.objects.count() == 0


def test_beds_below_the_occupied_ones_are_refused(home_a, make_elder, admit, officer):
    admit(home_a, make_elder("甲"))
    admit(home_a, make_elder("乙"))
    with pytest.raises(ValidationError) as exc:
        services.institution_beds_update(
            actor=officer, institution=home_a, beds_total=1, beds_nursing=0
        )
    assert _errors(exc) == {"beds_total": "床位总数 1 张少于在住老人 2 人。"}
    home_a.refresh_from_db()
    assert home_a.beds_total == 50


def test_institution_with_more_nursing_beds_than_beds_is_refused(make_institution):
    from minzheng.eldercare.models import Institution

    with pytest.raises(ValidationError) as exc:
        make_institution(beds=10, nursing=11)
    assert _errors(exc) == {"beds_nursing": "护理型床位不能超过床位总数。"}
    assert Institution.objects.count() == 0


def test_discharge_before_the_admission_is_refused(home_a, make_elder, admit, officer):
    stay = admit(home_a, make_elder())
    with pytest.raises(ValidationError) as exc:
        services.discharge_record(
            actor=officer, residency=stay, discharged_on=dt.date(2021, 1, 4), reason="home"
        )
    assert _errors(exc) == {"discharged_on": "退住日期不能早于入住日期（2021年1月5日）。"}
    stay.refresh_from_db()
    assert stay.discharged_on is None


def test_discharge_closes_an_open_absence(home_a, make_elder, admit, officer):
    stay = admit(home_a, make_elder())
    absence = services.absence_record(
        actor=officer, residency=stay, kind="hospital", start=dt.date(2021, 2, 1)
    )
    services.discharge_record(
        actor=officer, residency=stay, discharged_on=dt.date(2021, 2, 10), reason="death"
    )
    absence.refresh_from_db()
    assert absence.end == dt.date(2021, 2, 10)


def test_overlapping_absences_are_refused(home_a, make_elder, admit, officer):
    stay = admit(home_a, make_elder())
    services.absence_record(
        actor=officer,
        residency=stay,
        kind="hospital",
        start=dt.date(2021, 2, 1),
        end=dt.date(2021, 2, 10),
    )
    with pytest.raises(ValidationError) as exc:
        services.absence_record(
            actor=officer,
            residency=stay,
            kind="home",
            start=dt.date(2021, 2, 5),
            end=dt.date(2021, 2, 7),
        )
    assert _errors(exc) == {"start": "与已登记的离院记录重叠。"}
    assert Absence.objects.count() == 1


# ---------------------------------------------------------------- the claim run


@pytest.fixture
def april_world(home_a, home_b, make_elder, admit, officer):
    """Hand-computed April 2021 (30 days), base 200, level uplifts 0/0/50/100/200 %,
    grade uplifts 0/0/0/10/20/30 %. home_a is grade 4, home_b not graded."""
    full = make_elder("全月")
    admit(home_a, full, level=3)  # 200 × 2 × 1.2 = 480.00
    late = make_elder("月中")
    admit(home_a, late, on=dt.date(2021, 4, 11), level=0)  # 240 × 20/30 = 160.00
    away = make_elder("离院")
    stay = admit(home_a, away, level=4)  # 720 × 14/30 = 336.00, flagged
    services.absence_record(
        actor=officer,
        residency=stay,
        kind="hospital",
        start=dt.date(2021, 4, 5),
        end=dt.date(2021, 4, 21),
    )
    dead = make_elder("身故")
    admit(home_b, dead, level=2)  # 300 × 15/30 = 150.00, flagged
    from minzheng.registry.models import Person

    Person.objects.filter(pk=dead.pk).update(deceased_date=dt.date(2021, 4, 16))
    left = make_elder("退住")
    stay = admit(home_b, left, level=1)  # 200 × 9/30 = 60.00, flagged
    services.discharge_record(
        actor=officer, residency=stay, discharged_on=dt.date(2021, 4, 10), reason="home"
    )
    return {"full": full, "late": late, "away": away, "dead": dead, "left": left}


def test_claim_run_amounts_and_flags(april_world, home_a, home_b, officer, funded):
    run = services.claim_run(actor=officer, month=APRIL, on=ON)
    assert (run.claim_count, run.line_count, run.flagged_count, run.total) == (
        2,
        5,
        3,
        Decimal("1186.00"),
    )
    lines = {
        ln.person.name: (ln.paid_days, ln.amount, ln.flags)
        for ln in ClaimLine.objects.select_related("person")
    }
    assert lines == {
        "全月": (30, Decimal("480.00"), []),
        "月中": (20, Decimal("160.00"), []),
        "离院": (14, Decimal("336.00"), ["absent"]),
        "身故": (15, Decimal("150.00"), ["deceased"]),
        "退住": (9, Decimal("60.00"), ["discharged"]),
    }
    a = Claim.objects.get(institution=home_a)
    b = Claim.objects.get(institution=home_b)
    assert (a.total, a.paid_days, b.total, b.paid_days) == (
        Decimal("976.00"),
        64,
        Decimal("210.00"),
        24,
    )
    # On the engine: one granted application per institution, owed to the institution.
    from minzheng.programs.models import Application, DisbursementBatch

    app = Application.objects.get(pk=a.application_id)
    assert (app.state, app.amount, app.payee_party) == ("approved", Decimal("976.00"), home_a.party)
    assert "3 名老人，补贴床日 64 天" in app.decisions.get().explanation
    batch = DisbursementBatch.objects.get(pk=run.batch_id)
    assert (batch.line_count, batch.total) == (2, Decimal("1186.00"))
    assert [r["key"] for r in run.parameters][:2] == ["ec_operating_base", "ec_operating_care_0"]


def test_claim_run_pays_through_the_ledger(april_world, home_a, officer, funded):
    from minzheng.ledger import accounts
    from minzheng.ledger.selectors import account_balance
    from minzheng.programs.bankfiles import return_file_xlsx
    from minzheng.programs.models import DisbursementBatch

    run = services.claim_run(actor=officer, month=APRIL, on=ON)
    batch = DisbursementBatch.objects.get(pk=run.batch_id)
    content = return_file_xlsx([(line.pk, "成功", "") for line in batch.lines.all()])
    result = services.claim_run_pay(actor=officer, run=run, return_file=content, on=ON)
    assert result == {"succeeded": 2, "failed": 0, "posted": 2}
    run.refresh_from_db()
    assert run.paid_on == ON
    assert account_balance(accounts.payable_code("eldercare_operating")) == Decimal("0.00")


def test_a_month_already_claimed_is_refused_and_writes_nothing(april_world, officer, funded):
    services.claim_run(actor=officer, month=APRIL, on=ON)
    counts = (ClaimRun.objects.count(), Claim.objects.count(), ClaimLine.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.claim_run(actor=officer, month=APRIL, on=ON)
    assert _errors(exc) == {"month": "2021年4月 已申报，同一月份不能重复申报。"}
    assert (ClaimRun.objects.count(), Claim.objects.count(), ClaimLine.objects.count()) == counts


def test_a_month_not_ended_is_refused(officer, funded):
    with pytest.raises(ValidationError) as exc:
        services.claim_run(actor=officer, month=APRIL, on=dt.date(2021, 4, 30))
    assert _errors(exc) == {"month": "2021年4月 尚未结束，月末后才能申报。"}
    assert ClaimRun.objects.count() == 0


def test_an_elder_claimed_by_two_institutions_is_held(
    home_a, home_b, make_elder, admit, officer, funded
):
    elder = make_elder()
    admit(home_a, elder)
    # A second stay recorded behind the check's back (e.g. an import), overlapping in April.
    Residency.objects.filter(person=elder).update(discharged_on=dt.date(2021, 4, 30))
    Residency.objects.create(institution=home_b, person=elder, admitted_on=dt.date(2021, 4, 20))
    run = services.claim_run(actor=officer, month=APRIL, on=ON)
    lines = list(ClaimLine.objects.order_by("claim__institution_id"))
    assert [(ln.held, ln.flags) for ln in lines] == [
        (True, ["double", "discharged"]),
        (True, ["double"]),
    ]
    assert run.total == Decimal("0.00") and run.batch_id is None
    assert Claim.objects.filter(application_id__isnull=False).count() == 0


def test_claim_run_without_budget_writes_nothing(april_world, officer):
    with pytest.raises(ValidationError):
        services.claim_run(actor=officer, month=APRIL, on=ON)
    assert (ClaimRun.objects.count(), ClaimLine.objects.count()) == (0, 0)


def test_public_institutions_get_no_operating_subsidy(
    make_institution, make_elder, admit, officer, funded
):
    public = make_institution(name="区福利中心", ownership="public", grade=5)
    admit(public, make_elder())
    run = services.claim_run(actor=officer, month=APRIL, on=ON)
    assert (run.claim_count, run.line_count) == (0, 0)


def test_construction_subsidy_per_new_bed(home_a, officer):
    from minzheng.eldercare import rules

    services.budget_fund(
        actor=officer,
        programme_code=rules.CONSTRUCTION_PROGRAMME,
        year=2021,
        amount=Decimal("100000"),
        on=dt.date(2021, 1, 2),
    )
    app = services.construction_subsidy_grant(
        actor=officer,
        institution=home_a,
        reference="2021-扩建",
        new_beds_general=10,
        new_beds_nursing=4,
        on=dt.date(2021, 3, 1),
    )
    # 10 × 2,000 + 4 × 5,000 = 40,000.00
    assert app.amount == Decimal("40000.00")
    # The same reference again is the same grant (once per institution and reference).
    again = services.construction_subsidy_grant(
        actor=officer,
        institution=home_a,
        reference="2021-扩建",
        new_beds_general=1,
        new_beds_nursing=0,
        on=dt.date(2021, 3, 2),
    )
    assert (again.pk, again.amount) == (app.pk, Decimal("40000.00"))


# ---------------------------------------------------------------- scope


def test_institution_staff_see_only_their_own_elders(
    home_a, home_b, make_elder, admit, staff_a, officer, funded
):
    admit(home_a, make_elder("本院老人"))
    other = admit(home_b, make_elder("他院老人", division="440605121000"))
    assert [i.pk for i in selectors.institutions_for(staff_a)] == [home_a.pk]
    assert [r.person.name for r in selectors.residencies_for(staff_a)] == ["本院老人"]
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.residency_detail(user=staff_a, pk=other.pk)
    services.claim_run(actor=officer, month=APRIL, on=ON)
    assert {c.institution_id for c in selectors.claims_for(staff_a)} == {home_a.pk}
    with pytest.raises(PermissionDenied):
        services.discharge_record(
            actor=staff_a, residency=other, discharged_on=dt.date(2021, 4, 2), reason="home"
        )


def test_institution_staff_admit_into_their_own_institution_only(
    home_a, home_b, make_elder, admit, staff_a
):
    admit(home_a, make_elder("甲"), actor=staff_a)
    with pytest.raises(PermissionDenied):
        admit(home_b, make_elder("乙"), actor=staff_a)
    assert Residency.objects.count() == 1


def test_town_worker_sees_the_town_institutions_only(home_a, home_b, guicheng_worker):
    assert [i.pk for i in selectors.institution_list(user=guicheng_worker)] == [home_a.pk]


# ---------------------------------------------------------------- inspections


@pytest.fixture
def epidemic_items(defaults):
    from minzheng.eldercare.models import ChecklistItem

    return list(ChecklistItem.objects.filter(inspection_type__code="epidemic").order_by("order"))


def test_inspection_journey_finding_follow_up_and_closing(home_a, officer, epidemic_items):
    inspection = services.inspection_create(
        actor=officer,
        place_id=home_a.organisation_id,
        inspection_type_code="epidemic",
        inspected_on=dt.date(2021, 5, 12),
        inspectors="区民政局 李科长、王干事",
        findings=[
            services.FindingInput(epidemic_items[1].pk, "探访登记不全", dt.date(2021, 5, 20)),
        ],
        on=dt.date(2021, 5, 12),
    )
    assert inspection.place_kind == "eldercare"
    finding = inspection.findings.get()
    assert selectors.overdue_findings(user=officer, today=dt.date(2021, 5, 21)).count() == 1
    services.followup_record(
        actor=officer,
        finding=finding,
        visited_on=dt.date(2021, 5, 18),
        note="仍未整改",
        rectified=False,
        on=dt.date(2021, 5, 18),
    )
    services.followup_record(
        actor=officer,
        finding=finding,
        visited_on=dt.date(2021, 5, 19),
        note="已完善登记",
        rectified=True,
        on=dt.date(2021, 5, 19),
    )
    finding.refresh_from_db()
    assert (finding.state, finding.closed_on) == ("closed", dt.date(2021, 5, 19))
    assert list(FindingTransition.objects.values_list("name", "from_state", "to_state")) == [
        ("open", "", "open"),
        ("close", "open", "closed"),
    ]
    assert selectors.overdue_findings(user=officer, today=dt.date(2021, 6, 1)).count() == 0


def test_inspection_of_the_rescue_station_uses_the_same_records(officer, epidemic_items):
    from minzheng.registry.services import organisation_register

    station = organisation_register(
        actor=officer, name="南海区救助管理站", kind="institution", division_code="440605011000"
    )
    with pytest.raises(ValidationError) as exc:
        services.inspection_create(
            actor=officer,
            place_id=station.pk,
            inspection_type_code="epidemic",
            inspected_on=dt.date(2021, 5, 12),
            inspectors="李科长",
            on=dt.date(2021, 5, 12),
        )
    assert _errors(exc) == {"place_kind": "请选择被检查机构的类别。"}
    inspection = services.inspection_create(
        actor=officer,
        place_id=station.pk,
        place_kind="rescue",
        inspection_type_code="epidemic",
        inspected_on=dt.date(2021, 5, 12),
        inspectors="李科长",
        on=dt.date(2021, 5, 12),
    )
    assert inspection.place_kind == "rescue"


def test_finding_without_item_or_with_a_past_deadline_writes_nothing(
    home_a, officer, epidemic_items
):
    with pytest.raises(ValidationError) as exc:
        services.inspection_create(
            actor=officer,
            place_id=home_a.organisation_id,
            inspection_type_code="epidemic",
            inspected_on=dt.date(2021, 5, 12),
            inspectors="李科长",
            findings=[
                services.FindingInput(None, "未测温", dt.date(2021, 5, 20)),
                services.FindingInput(epidemic_items[0].pk, "消毒记录缺失", dt.date(2021, 5, 11)),
            ],
            on=dt.date(2021, 5, 12),
        )
    assert _errors(exc) == {
        "findings.1.item": "第 1 条问题：请选择对应的检查项目。",
        "findings.2.deadline": "第 2 条问题：整改期限不能早于今天。",
    }
    assert (Inspection.objects.count(), Finding.objects.count()) == (0, 0)


def test_a_closed_finding_cannot_be_followed_up_again(home_a, officer, epidemic_items):
    inspection = services.inspection_create(
        actor=officer,
        place_id=home_a.organisation_id,
        inspection_type_code="epidemic",
        inspected_on=dt.date(2021, 5, 12),
        inspectors="李科长",
        findings=[
            services.FindingInput(epidemic_items[0].pk, "消毒记录缺失", dt.date(2021, 5, 20))
        ],
        on=dt.date(2021, 5, 12),
    )
    finding = inspection.findings.get()
    services.followup_record(
        actor=officer,
        finding=finding,
        visited_on=dt.date(2021, 5, 15),
        note="已整改",
        rectified=True,
        on=dt.date(2021, 5, 15),
    )
    with pytest.raises(ValidationError) as exc:
        services.followup_record(
            actor=officer,
            finding=finding,
            visited_on=dt.date(2021, 5, 16),
            note="再查",
            rectified=True,
            on=dt.date(2021, 5, 16),
        )
    assert _errors(exc) == {"state": "该问题已整改销号。"}
