"""Test settings: the application's own, with a fast password hasher (the default one takes
about 0.3 s per hash, which would dominate the suite)."""

import os

from readiness.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tasks run in-process unless a test starts a real worker (tests/test_services_integration.py).
CELERY_TASK_ALWAYS_EAGER = True

# Factories write results without the recompute's versions, and ids come back between tests:
# the results cache is off except in the tests of the cache itself (tests/results/).
RESULTS_CACHE_SECONDS = 0
# A round's state is read from the database on every request: tests change rounds and expect
# the next request to see it (tests/results/test_results_memo.py turns the memo on to test it).
RESULTS_STATE_SECONDS = 0

# In CI the parallel test processes share one Redis: each keeps its cache keys and its task
# queue apart, so a real worker started by one never runs another's tasks on the wrong database.
_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "main")
for _cache in CACHES.values():  # noqa: F405
    _cache["KEY_PREFIX"] = f"test-{_PROCESS}"
CELERY_TASK_DEFAULT_QUEUE = f"test-{_PROCESS}"

# Tests drive the API much faster than people do; the throttle tests set their own rates.
API_THROTTLE_RATES = {"write": "100000/minute", "anonymous": "100000/minute"}
