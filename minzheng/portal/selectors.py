"""Reads of the resident portal."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

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


def service_offices() -> list[dict]:
    """Where residents are served in person: the bureau and each town's service window.
    `settings.PORTAL_OFFICES` (a list of dicts: name, address, hours, phone) gives the real
    ones; until it is set the list is built from the division table and marked
    illustrative (示例), with the government-service hotline as the phone, which is real."""
    from minzheng.core.district import bureau_name
    from minzheng.core.models import Division

    configured = getattr(settings, "PORTAL_OFFICES", None)
    if configured:
        return [{**o, "illustrative": False} for o in configured]
    phone = help_phone()
    hours = _("工作日 9:00–12:00，14:00–17:30")
    offices = [
        {
            "name": bureau_name(),
            "address": _("区政府行政服务中心民政窗口"),
            "hours": hours,
            "phone": phone,
            "illustrative": True,
        }
    ]
    for town in Division.objects.filter(level="town", is_active=True).order_by("code"):
        offices.append(
            {
                "name": _("%(town)s社会事务服务窗口") % {"town": town.name},
                "address": _("%(town)s行政服务中心") % {"town": town.name},
                "hours": hours,
                "phone": phone,
                "illustrative": True,
            }
        )
    return offices
