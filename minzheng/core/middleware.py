import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

from . import context


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.set_current(
            context.RequestContext(
                ip=context.client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class SessionIdleTimeoutMiddleware:
    """Log out a signed-in session that has been idle longer than SESSION_IDLE_TIMEOUT."""

    KEY = "_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                is_resident = getattr(user, "kind", "staff") == "resident"
                logout(request)
                request.session["timed_out"] = True
                if not request.path.startswith("/api/"):
                    return redirect("portal:login" if is_resident else "core:login")
            elif last is None or now - last >= 60:
                # Written at most once a minute, so each request does not rewrite the session.
                request.session[self.KEY] = now
        return self.get_response(request)
