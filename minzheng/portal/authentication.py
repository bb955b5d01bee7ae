"""API token authentication that reads token, user and resident profile in one query.

DRF's TokenAuthentication compiles a select_related query for the token and its user on
every API call, and a resident's booking then reads the profile (the verified phone) with
a second query. This subclass does both with one precompiled JoinedRow; staff users have
no profile (the LEFT JOIN finds none).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from minzheng.core.joined import JoinedRow
from minzheng.core.models import User

from .models import ResidentProfile

_TOKEN = JoinedRow(
    [(Token, "t"), (User, "u"), (ResidentProfile, "p")],
    "FROM {Token} t JOIN {User} u ON u.id = t.user_id "
    "LEFT JOIN {ResidentProfile} p ON p.user_id = u.id WHERE t.key = %s",
)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        row = _TOKEN.fetch([key])
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user, profile = row
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        Token.user.field.set_cached_value(token, user)
        User.resident_profile.related.set_cached_value(user, profile)  # None: no profile
        if profile is not None:
            ResidentProfile.user.field.set_cached_value(profile, user)
        return (user, token)
