"""The resident's side of volunteering: a bound resident the registry does not know yet
registers in one flow; withdrawing from a shift asks first and says what it does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from minzheng.portal.models import ResidentProfile
from minzheng.registry.models import Person
from minzheng.registry.validators import check_character
from minzheng.volunteers.models import SignUp, Volunteer

from .conftest import LUOCUN

pytestmark = pytest.mark.django_db


def _bound_unknown_resident(phone="13900000031", name="区少华"):
    from minzheng.portal.services import resident_bind_id_number
    from minzheng.portal.tests.factories import resident

    first17 = "44060519750315123"
    number = first17 + check_character(first17)
    user = resident(phone)
    resident_bind_id_number(user=user, real_name=name, id_number=number)
    return user, number


def test_bound_resident_not_in_registry_registers_with_their_community(client, organiser):
    user, number = _bound_unknown_resident()
    client.force_login(user)
    url = reverse("volunteers:portal_register")
    page = client.get(url).content.decode()
    assert 'name="home_division"' in page and "民政部门还没有您的登记信息" in page

    missing = client.post(url, {"skills": ["测温"], "start": "08:00", "end": "12:00"})
    assert missing.status_code == 200 and 'aria-invalid="true"' in missing.content.decode()
    assert Person.objects.count() == 0 and Volunteer.objects.count() == 0

    response = client.post(
        url,
        {
            "skills": ["测温"],
            "weekdays": ["5"],
            "start": "08:00",
            "end": "12:00",
            "home_division": LUOCUN,
        },
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert person.name == "区少华" and person.id_number == number
    assert person.residence_division_id == LUOCUN and person.phone == "13900000031"
    assert ResidentProfile.objects.get(user=user).person_id == person.pk
    volunteer = Volunteer.objects.get()
    assert volunteer.person_id == person.pk and volunteer.home_division_id == LUOCUN


def test_withdraw_button_names_the_action_and_asks_first(client, activity, make_person):
    from .test_views import _bound_resident

    user = _bound_resident(make_person)
    client.force_login(user)
    client.post(
        reverse("volunteers:portal_register"),
        {"skills": ["测温"], "weekdays": ["5"], "start": "08:00", "end": "12:00"},
    )
    shift = activity.posts.get().shifts.get()
    client.post(reverse("volunteers:portal_signup", args=[shift.pk]))
    assert SignUp.objects.get().status == SignUp.Status.CONFIRMED
    page = client.get(reverse("volunteers:portal_mine")).content.decode()
    assert ">退出该班次</button>" in page
    assert 'data-confirm="确定退出“' in page and "退出后名额会让给候补的志愿者。" in page
