"""Respite sessions: capacity, the family's yearly hours limit, cancellation and delivery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from minzheng.welfare import services
from minzheng.welfare.models import EnrolmentState, RespiteEnrolment, RespiteSession

from .conftest import GUICHENG

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def session(officer, *, day=dt.date(2021, 5, 9), hours=8, capacity=52, title="母亲节喘息服务"):
    start = dt.datetime.combine(day, dt.time(9, 0), TZ)
    return services.session_create(
        actor=officer,
        title=title,
        organiser="区民政局党员志愿服务队",
        place="南海区儿童福利院",
        division_code=GUICHENG,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        capacity=capacity,
    )


def test_full_session_refused_and_nothing_written(officer, make_family):
    s = session(officer, capacity=1)
    (h1, _p1, (k1,)), (h2, _p2, (k2,)) = make_family(), make_family()
    services.enrolment_create(actor=officer, session=s, household_id=h1.pk, child_id=k1.pk)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(actor=officer, session=s, household_id=h2.pk, child_id=k2.pk)
    assert exc.value.message_dict["session"] == ["该场次已满（1 名），请选择其他场次。"]
    assert RespiteEnrolment.objects.count() == 1
    assert RespiteSession.objects.get(pk=s.pk).taken == 1
    assert services.family_hours(household_id=h2.pk, year=2021) == Decimal("0.0")


def test_yearly_limit_per_family(officer, make_family):
    """48 hours a year (illustrative): 8 h × 6 sessions fit, the seventh is refused and its
    place is not taken."""
    household, _parent, (kid,) = make_family()
    sessions = [session(officer, day=dt.date(2021, 5, 1 + i), title=f"第{i}场") for i in range(7)]
    for s in sessions[:6]:
        services.enrolment_create(
            actor=officer, session=s, household_id=household.pk, child_id=kid.pk
        )
    assert services.family_hours(household_id=household.pk, year=2021) == Decimal("48.0")
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(
            actor=officer, session=sessions[6], household_id=household.pk, child_id=kid.pk
        )
    assert exc.value.message_dict["child"] == [
        "超过每户每年喘息服务时长上限 48 小时：本年已报名 48.0 小时，本场次 8.0 小时。"
    ]
    assert RespiteSession.objects.get(pk=sessions[6].pk).taken == 0
    assert RespiteEnrolment.objects.count() == 6
    # Another year has its own allowance.
    next_year = session(officer, day=dt.date(2022, 5, 8))
    services.enrolment_create(
        actor=officer, session=next_year, household_id=household.pk, child_id=kid.pk
    )


def test_cancel_frees_place_and_hours(officer, make_family):
    household, _p, (kid,) = make_family()
    s = session(officer)
    e = services.enrolment_create(
        actor=officer, session=s, household_id=household.pk, child_id=kid.pk
    )
    services.enrolment_cancel(actor=officer, enrolment=e, reason="孩子生病")
    assert RespiteSession.objects.get(pk=s.pk).taken == 0
    assert services.family_hours(household_id=household.pk, year=2021) == Decimal("0.0")
    assert [t.name for t in e.transitions.order_by("id")] == ["enrol", "cancel"]
    services.enrolment_create(actor=officer, session=s, household_id=household.pk, child_id=kid.pk)


def test_child_not_of_the_family_and_twice_refused(officer, make_family):
    (h1, _p, (k1,)), (_h2, _p2, (k2,)) = make_family(), make_family()
    s = session(officer)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(actor=officer, session=s, household_id=h1.pk, child_id=k2.pk)
    assert exc.value.message_dict["child"] == ["请选择本家庭的儿童。"]
    services.enrolment_create(actor=officer, session=s, household_id=h1.pk, child_id=k1.pk)
    with pytest.raises(ValidationError):
        services.enrolment_create(actor=officer, session=s, household_id=h1.pk, child_id=k1.pk)
    assert RespiteEnrolment.objects.count() == 1


def test_delivery_counts_attended_hours_and_volunteer_hours(officer, make_family, admin_user):
    from minzheng.volunteers import selectors as vsel
    from minzheng.volunteers.services import VolunteerInput, volunteer_register

    s = session(officer, hours=8)
    (h1, p1, (k1,)), (h2, _p2, (k2,)) = make_family(), make_family()
    e1 = services.enrolment_create(actor=officer, session=s, household_id=h1.pk, child_id=k1.pk)
    e2 = services.enrolment_create(actor=officer, session=s, household_id=h2.pk, child_id=k2.pk)
    volunteer = volunteer_register(actor=admin_user, person=p1, data=VolunteerInput())

    services.session_deliver(
        actor=officer, session=s, absent_ids=[e2.pk], volunteer_ids=[volunteer.pk]
    )

    e1.refresh_from_db()
    e2.refresh_from_db()
    assert (e1.state, e2.state) == (EnrolmentState.ATTENDED, EnrolmentState.CANCELLED)
    assert services.family_hours(household_id=h2.pk, year=2021) == Decimal("0.0")
    from minzheng.welfare import selectors

    assert selectors.respite_hours_by_month(user=officer, year=2021)[4] == Decimal("8.0")
    assert vsel.volunteer_minutes(volunteer, year=2021) == 480
    with pytest.raises(ValidationError):
        services.session_deliver(actor=officer, session=RespiteSession.objects.get(pk=s.pk))


def test_resident_enrols_own_family_only_before_start(officer, make_family):
    from minzheng.core.models import User
    from minzheng.portal.models import ResidentProfile

    household, parent, (kid,) = make_family()
    later = timezone.localdate() + dt.timedelta(days=10)
    s = session(officer, day=later)
    resident = User.objects.create(username="r1", kind=User.Kind.RESIDENT)
    ResidentProfile.objects.create(user=resident, phone="13900000001", person=parent)
    resident = User.objects.get(pk=resident.pk)
    hh = services.resident_household(resident)
    assert hh == household.pk
    e = services.enrolment_create(
        actor=resident, session=s, household_id=hh, child_id=kid.pk, source="portal"
    )
    assert e.source == "portal"
    past = session(officer)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(actor=resident, session=past, household_id=hh, child_id=kid.pk)
    assert exc.value.message_dict["session"] == ["该场次已开始或未开放网上报名。"]
