import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

from . import bad_input, context


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


class BadInputMiddleware:
    """Answer what no view can serve before a view runs, and a lost database after one fails.

    - 400 for a NUL byte anywhere in the request: the path, query string, form values, header
      values or a JSON body. PostgreSQL refuses NUL in every text value, so each search box,
      code in a URL or header looked up in the database would otherwise be a server error.
    - 503 with Retry-After when a view raises a lost or refused database connection
      (OperationalError, InterfaceError); the connection is closed at the end of the
      request (CONN_HEALTH_CHECKS) and the next request opens a new one.

    Pages get a short page in the user's language, /api/ the API's error shape
    (core.api_errors, which answers the same 503 for DRF views). Placed after LocaleMiddleware
    so that the message is in the request's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = bad_input.nul_fields(request)
        if fields:
            return bad_input.bad_request(request, fields)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if bad_input.is_database_unavailable(exception):
            bad_input.log_database_unavailable(request, exception)
            return bad_input.database_unavailable(request)
        return None
