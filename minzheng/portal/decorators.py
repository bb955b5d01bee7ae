"""`resident_required`: the guard of every resident page, for the portal and the modules
that add resident services (`from minzheng.portal.decorators import resident_required`)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse


def resident_required(view):
    """Signed-in residents only.

    Anonymous visitors go to the portal's SMS sign-in and come back afterwards. A staff
    account gets a 403 page saying so: residents' pages act on the signed-in person's own
    data, which a staff account does not have.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if getattr(user, "kind", "") != "resident":
            return render(request, "portal/staff_refused.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
