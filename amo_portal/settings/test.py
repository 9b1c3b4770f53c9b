"""Test settings: fast hashing, eager Celery unless a test starts a real worker."""
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# one folder per checkout by default; AMO_TEST_MEDIA_ROOT keeps two suites run at once apart
MEDIA_ROOT = Path(env("AMO_TEST_MEDIA_ROOT", default=str(BASE_DIR / ".test-media")))  # noqa: F405
STORAGES = {  # no manifest needed in tests
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"simulation": "10000/min"}}  # noqa: F405
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
