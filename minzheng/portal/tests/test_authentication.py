"""The API token authentication: token, user and resident profile in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from minzheng.core import roles
from minzheng.portal.authentication import TokenAuthentication

from .factories import resident

pytestmark = pytest.mark.django_db


def test_resident_token_brings_user_and_profile_in_one_query():
    user = resident(phone="13800138123")
    token = Token.objects.create(user=user)
    with CaptureQueriesContext(connection) as queries:
        got, got_token = TokenAuthentication().authenticate_credentials(token.key)
        phone = got.resident_profile.phone  # already loaded, decrypted
    assert len(queries) == 1
    assert (got.pk, got_token.key, phone) == (user.pk, token.key, "13800138123")
    assert got.resident_profile.user is got


def test_staff_token_has_no_profile(make_staff):
    staff = make_staff("district_officer_x", roles.DISTRICT_OFFICER)
    token = Token.objects.create(user=staff)
    got, _ = TokenAuthentication().authenticate_credentials(token.key)
    assert got.pk == staff.pk and getattr(got, "resident_profile", None) is None


def test_unknown_token_and_inactive_user_are_refused():
    user = resident(phone="13800138124")
    token = Token.objects.create(user=user)
    with pytest.raises(exceptions.AuthenticationFailed):
        TokenAuthentication().authenticate_credentials("0" * 40)
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(exceptions.AuthenticationFailed):
        TokenAuthentication().authenticate_credentials(token.key)
