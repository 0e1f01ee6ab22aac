"""Test settings: imported by pytest-django and django-stubs before any conftest runs."""

import os

# DATABASE_URL is honoured: .ci/run runs the suite on SQLite (the default) and on PostgreSQL.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")
os.environ["DJANGO_DEBUG"] = "0"
# Background work runs in the request; tests of the queue itself override TASKS.
os.environ["IAMLAB_TASKS"] = "immediate"

from iamlab.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
