"""Settings of the burst benchmark's gunicorn: the production-like base settings, with the
booking rate limit off (all 200 bench clients share 127.0.0.1, so a per-address limit
would measure the limiter, not the booking path) and SMS kept in memory (no console
printing per booking). Used as DJANGO_SETTINGS_MODULE=qingming_settings with bench/ on
the Python path. Nothing else differs from config.settings.base."""

from config.settings.base import *  # noqa: F403

QINGMING_BOOKING_RATE_LIMIT = None
SMS_BACKEND = "minzheng.core.sms.MemoryBackend"
DEBUG = False
