"""Test settings: the application's own, with a fast password hasher (the default one takes
about 0.3 s per hash, which would dominate the suite)."""

from readiness.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tasks run in-process unless a test starts a real worker (tests/test_services_integration.py).
CELERY_TASK_ALWAYS_EAGER = True
