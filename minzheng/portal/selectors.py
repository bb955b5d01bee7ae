"""Reads of the resident portal."""

from __future__ import annotations

from django.conf import settings

from minzheng.core import navigation

from .models import ResidentProfile

# The national government-service hotline (政务服务便民热线) answers in every district;
# a district can put its own consultation number in settings.PORTAL_HELP_PHONE.
DEFAULT_HELP_PHONE = "12345"


def portal_services() -> list[navigation.PortalService]:
    """The services other modules registered, in their order (a copy: callers may not
    change the registry)."""
    return list(navigation.PORTAL)


def resident_profile_for(user) -> ResidentProfile | None:
    """The signed-in resident's profile, or None for anonymous and staff users."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "kind", "") != "resident":
        return None
    return ResidentProfile.objects.select_related("person").filter(user=user).first()


def help_phone() -> str:
    return getattr(settings, "PORTAL_HELP_PHONE", "") or DEFAULT_HELP_PHONE
