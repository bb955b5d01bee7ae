"""The Content-Security-Policy of every response.

The platform serves every script, style, font and image itself (no CDN), so the policy
for its own pages is strict: nothing from another origin, no inline script, no inline
style, no eval, no plugins, no framing. Templates keep to it: scripts live in static
files (data reaches them through `json_script`), sizes are classes, and widths that are
data are set through the style object (`data-mz-width`, core/minzheng.js). A test scans
every template for inline scripts, style attributes and event-handler attributes.

Two third-party screens cannot run that way and get their own, still same-origin,
policy: the Django admin (django-unfold writes inline scripts and styles and uses
Alpine.js, which evaluates its attributes) and the Swagger UI (its start-up script is
inline). Nothing on them may load from another origin either.
"""

from __future__ import annotations

from django.conf import settings

_COMMON = (
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
STRICT = "; ".join(("script-src 'self'", "style-src 'self'", *_COMMON))
THIRD_PARTY_SCREENS = "; ".join(
    (
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        *_COMMON,
    )
)
# Path prefixes of the screens that get THIRD_PARTY_SCREENS.
THIRD_PARTY_PREFIXES = ("/admin/", "/api/docs/")


def policy_for(path: str) -> str:
    return THIRD_PARTY_SCREENS if path.startswith(THIRD_PARTY_PREFIXES) else STRICT


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that has none (settings.CSP_ENABLED; with
    CSP_REPORT_ONLY the browser reports violations instead of blocking them)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(settings, "CSP_ENABLED", True) and self.header not in response:
            response[self.header] = policy_for(request.path)
        return response
