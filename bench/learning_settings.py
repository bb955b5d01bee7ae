"""Settings of the monthly-test benchmark's gunicorn: the base settings with SMS kept in
memory and DEBUG off. Used as DJANGO_SETTINGS_MODULE=learning_settings with bench/ on the
Python path. Nothing else differs from config.settings.base."""

from config.settings.base import *  # noqa: F403

SMS_BACKEND = "minzheng.core.sms.MemoryBackend"
DEBUG = False
