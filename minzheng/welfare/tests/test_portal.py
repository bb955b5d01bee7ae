"""Portal sign-up for respite care (elder mode too): the family's own children only, and
nothing about any other child."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.welfare.models import RespiteEnrolment

from .test_respite import session

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_family(make_family):
    from minzheng.core.models import User
    from minzheng.portal.models import ResidentProfile

    household, parent, (kid,) = make_family()
    user = User.objects.create(username="r-welfare", kind=User.Kind.RESIDENT)
    ResidentProfile.objects.create(user=user, phone="13900000002", person=parent)
    return user, household, kid


def test_resident_signs_up_in_elder_mode(client, officer, resident_family, make_family):
    user, household, kid = resident_family
    _h, _p, (other_kid,) = make_family()
    s = session(officer, day=timezone.localdate() + dt.timedelta(days=7), title="周末喘息服务")
    from minzheng.welfare import services

    services.enrolment_create(actor=officer, session=s, household_id=_h.pk, child_id=other_kid.pk)
    client.force_login(user)
    client.cookies["mz_elder"] = "1"

    page = client.get("/portal/welfare/respite/").content.decode()

    assert 'class="elder"' in page
    assert "周末喘息服务" in page and kid.name in page
    assert other_kid.name not in page
    response = client.post(f"/portal/welfare/respite/{s.pk}/enrol/", {"child": kid.pk})
    assert response.status_code == 302
    enrolment = RespiteEnrolment.objects.get(child=kid)
    assert (enrolment.source, enrolment.household_id) == ("portal", household.pk)
    # Another family's child cannot be enrolled from this account.
    client.post(f"/portal/welfare/respite/{s.pk}/enrol/", {"child": other_kid.pk})
    assert RespiteEnrolment.objects.filter(child=other_kid).count() == 1


def test_portal_page_needs_sign_in_and_shows_no_child(client, officer, resident_family):
    _user, _household, kid = resident_family
    response = client.get("/portal/welfare/respite/")
    assert response.status_code == 302
    assert kid.name not in response.content.decode()
