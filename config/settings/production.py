"""Production: the same settings, with secrets required and HTTPS hardening on.

Run with DJANGO_SETTINGS_MODULE=config.settings.production; see docs/operations.md.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BLIND_INDEX_KEY, FIELD_KEYS, SECRET_KEY, SMS_BACKEND, env

if (
    SECRET_KEY.startswith("dev-insecure")
    or FIELD_KEYS[0].startswith("dev1:")
    or BLIND_INDEX_KEY.startswith("dev-only")
):
    raise ImproperlyConfigured("Set SECRET_KEY, FIELD_KEYS and BLIND_INDEX_KEY for production.")

# A malformed key would fail on the first encrypted write; refuse to start instead.
from minzheng.registry.pii import validate_keyring  # noqa: E402

validate_keyring(FIELD_KEYS)

# The console and memory backends print or keep codes instead of sending them: in
# production a resident would never receive the sign-in code, and the code would sit in a
# log file. Set SMS_BACKEND to the gateway's backend (docs/operations.md).
if SMS_BACKEND.rsplit(".", 1)[-1] in ("ConsoleBackend", "MemoryBackend"):
    raise ImproperlyConfigured(
        f"SMS_BACKEND {SMS_BACKEND!r} does not send messages; set a gateway backend for production."
    )
if SMS_BACKEND.endswith("HttpGatewayBackend") and not env.str("SMS_GATEWAY_URL", default=""):
    raise ImproperlyConfigured("SMS_GATEWAY_URL is needed by HttpGatewayBackend.")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The OpenAPI schema and Swagger UI need a signed-in staff account (core.api_permissions).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
