"""Test settings: always PostgreSQL (never a silent SQLite fallback), eager Celery, locmem email."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DATABASES = {
    "default": env.db_url_config(
        env("DATABASE_URL", default="") or "postgres://postgres@127.0.0.1:5432/beatpass"
    ),
}
if "postgresql" not in DATABASES["default"]["ENGINE"]:
    raise ImproperlyConfigured(
        "The test suite runs on PostgreSQL only; DATABASE_URL points at "
        f"{DATABASES['default']['ENGINE']}."
    )
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}

SECRET_KEY = "test-secret-key-not-for-production-0123456789"  # noqa: S105
SIMPLE_JWT["SIGNING_KEY"] = SECRET_KEY  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run eagerly, except in the Celery worker process that tests/test_celery_worker.py
# starts with TEST_CELERY_BROKER_URL (a private Redis): that one consumes from the broker.
_WORKER_BROKER = env("TEST_CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not _WORKER_BROKER
CELERY_BROKER_URL = _WORKER_BROKER or "memory://"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env("TEST_MEDIA_ROOT", default=str(BASE_DIR / ".test-media"))
LOGGING = {"version": 1, "disable_existing_loggers": False}
