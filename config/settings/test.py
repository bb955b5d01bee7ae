"""Test settings: the base settings with fast hashing, inline tasks and an in-memory SMS outbox."""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASK_RUNNER = "eager"
CELERY_TASK_ALWAYS_EAGER = True
SMS_BACKEND = "minzheng.core.sms.MemoryBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEBUG = False
if env.str("DATABASE_URL", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="minzheng_test")}  # noqa: F405
