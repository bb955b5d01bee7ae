from django.conf import settings

from .navigation import staff_entries_for

ELDER_COOKIE = "mz_elder"


def site(request):
    user = getattr(request, "user", None)
    staff = bool(user and user.is_authenticated and getattr(user, "kind", "") == "staff")
    return {
        "elder_mode": request.COOKIES.get(ELDER_COOKIE) == "1",
        "staff_menu": staff_entries_for(user) if staff else [],
        "is_staff_user": staff,
        "LANGUAGES": settings.LANGUAGES,
    }
