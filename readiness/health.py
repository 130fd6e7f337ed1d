"""`/healthz`: is the database answering, the cache (Redis) and the broker reachable, a
Celery worker alive and, where uploads are scanned (CLAMD_URL), clamd answering?

Each check answers ok / error (or "not configured": a cache in local memory, tasks run
in-process without a broker). The body names only the checks and their outcome, never a host,
URL or error text that could carry credentials. 200 when every check passes, 503 otherwise
(the site itself keeps answering without Redis: readiness/redis_cache.py). The answer is quick
whatever is down: each check is bounded by a timeout of at most a second or two.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from submissions import antivirus

HEARTBEAT_CACHE_KEY = "health:worker-heartbeat"
BROKER_TIMEOUT_SECONDS = 1.0

OK, ERROR, NOT_CONFIGURED = "ok", "error", "not configured"


def record_worker_heartbeat() -> None:
    """Called by every worker every few seconds (`readiness.worker_heartbeat`)."""
    cache.set(HEARTBEAT_CACHE_KEY, time.time(), timeout=None)


def _tasks_run_in_process() -> bool:
    from readiness.celery import app

    return bool(app.conf.task_always_eager)


def check_database() -> dict:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"status": ERROR, "error": type(error).__name__}
    return {"status": OK}


def check_broker() -> dict:
    """Connects to the broker through Celery's own connection settings, with a short timeout,
    and pings it when the transport can (Redis)."""
    if _tasks_run_in_process():
        return {"status": NOT_CONFIGURED}
    from readiness.celery import app

    timeout = BROKER_TIMEOUT_SECONDS
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    try:
        with app.connection_for_write(connect_timeout=timeout, transport_options=options) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
            client = getattr(conn.default_channel, "client", None)
            if client is not None and hasattr(client, "ping"):
                client.ping()
    except Exception as error:  # kombu and redis raise several unrelated types
        return {"status": ERROR, "error": type(error).__name__}
    return {"status": OK}


def _cache_reachable() -> bool | None:
    """None when the cache is not Redis (local memory cannot be down)."""
    reachable = getattr(cache, "reachable", None)
    return reachable() if reachable is not None else None


def check_cache() -> dict:
    reachable = _cache_reachable()
    if reachable is None:
        return {"status": NOT_CONFIGURED}
    return {"status": OK} if reachable else {"status": ERROR, "error": "unreachable"}


def check_worker() -> dict:
    """A worker writes a heartbeat every few seconds; older than the allowed age means none is
    running (or none can reach the cache)."""
    if _tasks_run_in_process():
        return {"status": NOT_CONFIGURED}
    if getattr(cache, "in_outage", bool)():  # as check_cache just found: no second wait
        return {"status": ERROR, "error": "cache unreachable: no heartbeat to read"}
    beat = cache.get(HEARTBEAT_CACHE_KEY)
    if beat is None:
        return {"status": ERROR, "error": "no heartbeat"}
    age = max(0.0, time.time() - float(beat))
    if age > settings.HEALTHZ_WORKER_MAX_AGE:
        return {"status": ERROR, "error": "stale heartbeat", "age_seconds": round(age, 1)}
    return {"status": OK, "age_seconds": round(age, 1)}


def check_antivirus() -> dict:
    """Uploads are refused while a configured clamd cannot give a verdict (fail closed)."""
    if not antivirus.is_configured():
        return {"status": NOT_CONFIGURED}
    return {"status": OK} if antivirus.ping() else {"status": ERROR, "error": "unreachable"}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
    "antivirus": check_antivirus,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = {name: check() for name, check in CHECKS.items()}
    healthy = all(result["status"] != ERROR for result in results.values())
    return JsonResponse(
        {"status": OK if healthy else ERROR, "checks": results}, status=200 if healthy else 503
    )
