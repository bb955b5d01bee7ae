"""Disability employment services: stall entries, "people aided", matching, placements,
follow-ups and training attendance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.welfare import selectors, services
from minzheng.welfare.models import EmploymentService, FollowUp, JobPlacement, JobSeeker

from .conftest import DISTRICT, GUICHENG, JIUJIANG, id_number

pytestmark = pytest.mark.django_db
DAY = dt.date(2021, 6, 18)


@pytest.fixture
def stall(officer):
    return services.stall_create(
        actor=officer,
        title="南海区人力资源市场助残服务摊位",
        place="南海区人力资源市场",
        division_code=DISTRICT,
        held_on=DAY,
    )


def entry(officer, stall, kind="consultation", **kw):
    return services.employment_service_record(
        actor=officer, data=services.ServiceInput(kind=kind, stall_id=stall.pk, **kw)
    )


def test_stall_entry_with_invalid_id_number_is_refused_in_chinese(officer, stall):
    with pytest.raises(ValidationError) as exc:
        entry(officer, stall, id_number="440605199001011235", name="张三")
    assert exc.value.message_dict["id_number"] == ["身份证号码校验位不正确，请核对后重新输入"]
    assert EmploymentService.objects.count() == 0


def test_stall_entry_with_and_without_identified_person(officer, stall, make_person):
    person = make_person("梁志强", "19880808")
    identified = entry(officer, stall, kind="jobseeker_registration", id_number=person.id_number)
    anonymous = entry(officer, stall)
    assert identified.person == person and identified.name == "梁志强"
    assert identified.id_number_masked.startswith("4406") and "*" in identified.id_number_masked
    assert identified.division_id == DISTRICT and identified.served_on == DAY
    assert JobSeeker.objects.filter(person=person).count() == 1
    assert anonymous.person is None and anonymous.id_number_hash == ""


def test_people_aided_counts_a_person_served_twice_once(officer, stall, make_person):
    """Definition: distinct ID numbers among the year's services; anonymous entries are
    services, not people. Three services of one person + one of another + two anonymous
    = 6 services, 2 people."""
    registered = make_person("何丽华", "19900315")
    unregistered = id_number("19920220")
    for kind in ("consultation", "jobseeker_registration", "training_registration"):
        entry(officer, stall, kind=kind, id_number=registered.id_number)
    entry(officer, stall, id_number=unregistered, name="未登记者")
    entry(officer, stall)
    entry(officer, stall)
    figure = selectors.people_aided(user=officer, year=2021)
    assert (figure.people, figure.services, figure.anonymous) == (2, 6, 2)
    assert "同一人多次接受服务只计一人" in figure.definition
    assert selectors.people_aided(user=officer, year=2022).people == 0


def test_people_aided_is_scoped(officer, jj_officer, make_person):
    gc = services.stall_create(
        actor=officer, title="桂城摊位", place="桂城", division_code=GUICHENG, held_on=DAY
    )
    entry(officer, gc, id_number=make_person().id_number)
    assert selectors.people_aided(user=officer, year=2021).people == 1
    assert selectors.people_aided(user=jj_officer, year=2021).people == 0
    with pytest.raises(ValidationError) as exc:
        entry(jj_officer, gc)
    assert exc.value.message_dict["stall"] == ["请选择服务摊位。"]


@pytest.fixture
def seeker(officer, make_person, admin_user):
    from minzheng.registry.services import person_tag_add

    person = make_person("罗建国", "19850606")
    person_tag_add(
        actor=admin_user,
        person=person,
        tag="disabled",
        valid_from=dt.date(2015, 1, 1),
        certificate_no="44060519850606X",
        disability_category="physical",
        disability_level=3,
    )
    return services.jobseeker_register(
        actor=officer, person=person, skills=["电脑操作", "客服"], wishes="客服", registered_on=DAY
    )


@pytest.fixture
def employer(officer):
    return services.employer_add(
        actor=officer, name="南海某电子有限公司", division_code=GUICHENG, staff_count=400
    )


def test_matching_ranks_by_skills_wishes_and_category(officer, seeker, employer):
    good = services.vacancy_add(
        actor=officer,
        employer=employer,
        title="客服专员",
        skills=["电脑操作", "客服"],
        suitable_categories=["physical", "hearing"],
        accommodation="无障碍通道、弹性工作时间",
    )
    half = services.vacancy_add(
        actor=officer, employer=employer, title="仓库管理", skills=["电脑操作", "叉车"]
    )
    services.vacancy_add(
        actor=officer, employer=employer, title="按摩师", suitable_categories=["visual"]
    )
    matches = selectors.jobseeker_matches(user=officer, jobseeker=seeker)
    assert [(m["vacancy"], m["score"]) for m in matches] == [(good.pk, 1.0), (half.pk, 0.3)]
    assert matches[0]["accommodation"] == "无障碍通道、弹性工作时间"
    assert selectors.disability_of(seeker)[0]["level"] == 3


def test_placement_without_jobseeker_refused(officer, employer):
    with pytest.raises(ValidationError) as exc:
        services.placement_record(
            actor=officer, jobseeker=None, employer=employer, job_title="客服", started_on=DAY
        )
    assert exc.value.message_dict["jobseeker"] == ["请选择求职者：没有求职者不能登记就业安置。"]
    assert JobPlacement.objects.count() == 0


def test_referral_to_placement_and_followups(officer, seeker, employer):
    vacancy = services.vacancy_add(
        actor=officer, employer=employer, title="客服专员", accommodation="无障碍卫生间"
    )
    referral = services.referral_create(actor=officer, jobseeker=seeker, vacancy=vacancy, on=DAY)
    placement = services.placement_record(
        actor=officer,
        jobseeker=seeker,
        employer=employer,
        job_title="客服专员",
        started_on=dt.date(2021, 7, 1),
        referral=referral,
    )
    referral.refresh_from_db()
    assert referral.state == "hired" and placement.accommodation == "无障碍卫生间"
    with pytest.raises(ValidationError) as exc:
        services.followup_record(
            actor=officer,
            placement=placement,
            months=3,
            done_on=dt.date(2021, 6, 30),
            still_employed=True,
        )
    assert exc.value.message_dict["done_on"] == ["回访日期不能早于上岗日期（2021年7月1日）。"]
    assert FollowUp.objects.count() == 0
    due = selectors.followups_due(user=officer, today=dt.date(2022, 1, 5))
    assert [(m, d) for _p, m, d in due] == [(3, dt.date(2021, 10, 1)), (6, dt.date(2022, 1, 1))]
    services.followup_record(
        actor=officer,
        placement=placement,
        months=3,
        done_on=dt.date(2021, 10, 8),
        still_employed=True,
    )
    due = selectors.followups_due(user=officer, today=dt.date(2022, 1, 5))
    assert [m for _p, m, _d in due] == [6]
    assert selectors.placements_by_month(user=officer, year=2021)[6] == 1
    assert JIUJIANG


def test_training_attendance_within_course_dates(officer, seeker):
    course = services.course_add(
        actor=officer,
        title="电商客服技能培训",
        provider="南海区职业技能培训中心",
        division_code=DISTRICT,
        starts_on=dt.date(2021, 8, 2),
        ends_on=dt.date(2021, 8, 6),
    )
    services.training_attendance_record(
        actor=officer, course=course, jobseeker=seeker, day=dt.date(2021, 8, 2), present=True
    )
    with pytest.raises(ValidationError) as exc:
        services.training_attendance_record(
            actor=officer, course=course, jobseeker=seeker, day=dt.date(2021, 8, 9), present=True
        )
    assert exc.value.message_dict["day"] == ["日期不在课程期间（2021年8月2日 至 2021年8月6日）。"]
