"""Settings for every environment, read from the environment (django-environ).

The defaults are the embedded setup: SQLite in WAL mode under var/, local-memory cache,
background tasks in a local thread, SMS printed to the console. Production is the same
code with DATABASE_URL, REDIS_URL, SECRET_KEY, FIELD_KEYS … set (see docs/operations.md).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("MINZHENG_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
# The embedded default key is only for a developer's machine; production.py refuses it.
SECRET_KEY = env.str(
    "SECRET_KEY", default="dev-insecure-minzheng-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Addresses or networks (CIDR) of the reverse proxies in front of the app. Only a request
# whose peer is one of them has its X-Real-IP / X-Forwarded-For believed; every other
# request's client address is REMOTE_ADDR (core.context.client_ip). Empty: no proxy.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Overrides of core.ratelimit rates by limit name, e.g. {"qingming.booking": "120/60s",
# "portal.sms.address": "40/1h"}; null turns one off. Empty: the rates declared in code.
RATE_LIMITS = env.json("RATE_LIMITS", default={})

INSTALLED_APPS = [
    "unfold.apps.BasicAppConfig",  # the admin site is core.admin.MinzhengAdminSite
    "unfold.contrib.filters",
    "unfold.contrib.simple_history",
    "unfold.contrib.import_export",
    "minzheng.core.apps.AdminConfig",  # django.contrib.admin with the project's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "axes",
    "django_htmx",
    "minzheng.core",
    "minzheng.registry",
    "minzheng.portal",
    "minzheng.ledger",
    "minzheng.programs",
    "minzheng.funeral",
    "minzheng.qingming",
    "minzheng.volunteers",
    "minzheng.rescue",
    "minzheng.learning",
    "minzheng.welfare",
    "minzheng.charity",
    "minzheng.eldercare",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "minzheng.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "minzheng.core.middleware.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "minzheng.core.middleware.RequestContextMiddleware",
    "minzheng.core.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every response (minzheng/core/csp.py): strict for the
# platform's own pages. CSP_REPORT_ONLY=true makes browsers report instead of block.
CSP_ENABLED = env.bool("CSP_ENABLED", default=True)
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "minzheng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minzheng.core.context_processors.site",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'minzheng.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
    # BEGIN so that two writers queue instead of failing with "database is locked".
    # case_sensitive_like lets a name-prefix search (LIKE '陈%') use the name index; it
    # makes ASCII LIKE case-sensitive, which no Chinese-first search here depends on.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA case_sensitive_like=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        # Server-side parameters, and a statement run 5 times on a connection is prepared:
        # PostgreSQL stops parsing and planning the hot statements again (the Qingming
        # booking costs the database about half the CPU; docs/performance/qingming.md).
        # Turn off (DB_PREPARED_STATEMENTS=false) behind PgBouncer in transaction mode.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, tasks ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# How minzheng.core.tasks.enqueue runs background work: "celery" (production, needs
# REDIS_URL as broker), "thread" (embedded default: a local thread, so progress bars move)
# or "eager" (inline, for tests).
TASK_RUNNER = env.str("TASK_RUNNER", default="celery" if REDIS_URL else "thread")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TIMEZONE = "Asia/Shanghai"

# --- auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "minzheng.core.passwords.CharacterClassValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# Lock the pair (account, client address): locking the account alone let anyone lock the
# administrator out from anywhere, and locking the address alone would lock a town office
# whose staff share one NAT address. No second per-account ceiling: it would bring that
# denial of service back for anyone with a few addresses (core/README.md, decisions).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The same client address as the operation log and the rate limits (trusted proxies only).
AXES_CLIENT_IP_CALLABLE = "minzheng.core.context.client_ip"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# Staff sessions end after this many seconds without a request (core.middleware).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "mz_lang"

# --- static and private files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root before collectstatic


def _bootstrap_dist() -> Path:
    # bootstrap-wrapper installs Bootstrap's dist files as the namespace package "bootstrap".
    import bootstrap

    return Path(next(iter(bootstrap.__path__))).resolve()


# Browser libraries installed by `make install` (npm ci in frontend/), served by the app.
_NODE = BASE_DIR / "frontend" / "node_modules"
STATICFILES_DIRS = [("vendor/bootstrap", _bootstrap_dist())] + [
    (f"vendor/{name}", _NODE / name / "dist")
    for name in ("echarts", "jsqr")
    if (_NODE / name / "dist").is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Attachments live outside the web root and are only served through a view that checks
# the user may see the record they belong to (core.views.attachment_download).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "private")))
MEDIA_URL = "/_private/"  # never routed; files are streamed by a view
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- personal data --------------------------------------------------------------------
# FIELD_KEYS: comma-separated "key_id:urlsafe-base64 32-byte key"; the first encrypts,
# all decrypt (rotation: put the new key first, run `manage.py rotate_field_keys`).
# BLIND_INDEX_KEY: the HMAC key of the searchable hashes of ID numbers and phones.
FIELD_KEYS = env.list("FIELD_KEYS", default=["dev1:ZGV2LW9ubHkta2V5LWZvci1taW56aGVuZy0zMmJ5dGU="])
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="dev-only-blind-index-key-minzheng")

# --- notifications --------------------------------------------------------------------
SMS_BACKEND = env.str("SMS_BACKEND", default="minzheng.core.sms.ConsoleBackend")
SMS_CODE_TTL = env.int("SMS_CODE_TTL", default=300)
SMS_SIGNATURE = env.str("SMS_SIGNATURE", default="南海民政")
# For SMS_BACKEND=minzheng.core.sms.HttpGatewayBackend (production).
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
# The help line shown on the portal (elder mode shows it prominently); 12345 is the
# national government-service hotline.
PORTAL_HELP_PHONE = env.str("PORTAL_HELP_PHONE", default="12345")

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "minzheng.portal.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["minzheng.core.api_permissions.StaffModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "minzheng.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "minzheng.core.api_errors.exception_handler",
    # Throttles identify a client by core.context.client_ip, not by DRF's NUM_PROXIES count
    # of X-Forwarded-For hops, which believes the header from anyone.
    "DEFAULT_THROTTLE_CLASSES": ["minzheng.core.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
# /api/schema/ and /api/docs/ for anyone (embedded default) or only for signed-in staff
# (production.py turns it off: the schema maps every endpoint for an attacker).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)
SPECTACULAR_SETTINGS = {
    "TITLE": "民政为民服务平台 API",
    "DESCRIPTION": "Minzheng API. Authenticate with POST /api/v1/auth/token/ then send `Authorization: Token …`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several components share; without a name drf-spectacular
    # makes one up from a hash and warns (core/tests/test_schema.py fails on any warning).
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStateEnum": "minzheng.programs.models.State",
        "ApplicationChannelEnum": "minzheng.programs.models.Application.Channel",
        "ReservationChannelEnum": "minzheng.qingming.models.Reservation.Channel",
        "CheckInKindEnum": "minzheng.qingming.models.CheckIn.Kind",
        "OrganisationKindEnum": "minzheng.registry.models.Organisation.Kind",
        "CareActivityKindEnum": "minzheng.welfare.models.CareActivity.Kind",
        "EmploymentServiceKindEnum": "minzheng.welfare.models.EmploymentService.Kind",
        "EmploymentServiceChannelEnum": "minzheng.welfare.models.EmploymentService.Channel",
    },
}

# --- admin (django-unfold) ------------------------------------------------------------
UNFOLD = {
    "SITE_TITLE": "民政为民服务平台",
    "SITE_HEADER": "民政为民服务平台 · 主数据",
    "SITE_SYMBOL": "account_balance",
    "SHOW_HISTORY": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "minzheng.sms": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Django logs every 4xx answer as a warning: at the Qingming opening that is one
        # line per refused booking. Server errors (5xx) are still logged.
        "django.request": {"level": env.str("REQUEST_LOG_LEVEL", default="ERROR")},
    },
}

MINZHENG_DISTRICT_CODE = env.str("MINZHENG_DISTRICT_CODE", default="440605000000")
MINZHENG_BUREAU_NAME = env.str("MINZHENG_BUREAU_NAME", default="佛山市南海区民政局")
MINZHENG_REVIEW_BODY = env.str("MINZHENG_REVIEW_BODY", default="佛山市南海区人民政府")

# The key the online-payment provider signs its callbacks with (HMAC-SHA256 of the body);
# the embedded default is for the demo's sandbox payer only: set it in production.
CHARITY_PAYMENT_KEY = env.str("CHARITY_PAYMENT_KEY", default="minzheng-demo-sandbox-payment-key")
