"""`/healthz`: database, cache, broker and worker heartbeat, each failure mode on its own."""

import time
import uuid

import pytest
from django.db import OperationalError, connections

from readiness import health
from readiness.celery import app
from tests.submissions.test_upload_antivirus import clamd_url, free_port  # noqa: F401
from tests.test_pipeline_integration import real_worker  # noqa: F401  (a fixture)


@pytest.fixture
def broker(settings):
    """Tasks go through a broker (not in-process) at the URL given; the cache is local memory
    so that no other test's worker heartbeat leaks in."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }
    real_url, real_eager = app.conf.broker_url, app.conf.task_always_eager

    def use(url: str):
        app.conf.broker_url = url
        app.conf.task_always_eager = False
        app._pool = None
        app.amqp._producer_pool = None

    yield use
    app.conf.broker_url, app.conf.task_always_eager = real_url, real_eager
    app._pool = None
    app.amqp._producer_pool = None


def get_health(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


@pytest.mark.django_db
def test_without_a_broker_the_broker_and_worker_are_not_configured_and_pass(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    status, body = get_health(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "cache": {"status": "not configured"},  # local memory
            "broker": {"status": "not configured"},
            "worker": {"status": "not configured"},
            "antivirus": {"status": "not configured"},
        },
    }


@pytest.mark.django_db
def test_the_answer_is_never_cached_and_only_read(client):
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_a_database_that_does_not_answer_gives_503(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 failed: password=secret")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    status, body = get_health(client)
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    assert "secret" not in str(body) and "10.0.0.5" not in str(body)


@pytest.mark.django_db
def test_an_unreachable_broker_gives_503_quickly_and_names_no_host(client, broker):
    broker("redis://:hunter2@127.0.0.1:1/0")  # nothing listens on port 1
    health.record_worker_heartbeat()
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["worker"]["status"] == "ok"
    assert "hunter2" not in str(body) and "127.0.0.1" not in str(body)


@pytest.mark.django_db
def test_an_unreachable_cache_is_named_and_the_heartbeat_is_not_waited_for(
    client, broker, settings
):
    broker("memory://")
    settings.CACHES = {
        "default": {
            "BACKEND": "readiness.redis_cache.ReusingRedisCache",
            "LOCATION": "redis://:hunter2@127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["cache"] == {"status": "error", "error": "unreachable"}
    assert body["checks"]["broker"] == {"status": "ok"}
    assert body["checks"]["worker"]["status"] == "error"
    assert "cache unreachable" in body["checks"]["worker"]["error"]
    assert "hunter2" not in str(body) and "127.0.0.1" not in str(body)


@pytest.mark.django_db
def test_no_worker_heartbeat_gives_503(client, broker):
    broker("memory://")
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["broker"] == {"status": "ok"}
    assert body["checks"]["worker"] == {"status": "error", "error": "no heartbeat"}


@pytest.mark.django_db
def test_a_stale_heartbeat_gives_503_and_a_fresh_one_200(client, broker, settings, monkeypatch):
    broker("memory://")
    settings.HEALTHZ_WORKER_MAX_AGE = 60
    health.record_worker_heartbeat()
    assert get_health(client)[0] == 200
    later = time.time() + 61
    monkeypatch.setattr(health.time, "time", lambda: later)
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["worker"]["error"] == "stale heartbeat"
    assert body["checks"]["worker"]["age_seconds"] >= 60


@pytest.mark.django_db
def test_the_worker_step_writes_the_heartbeat_and_survives_a_cache_outage(
    client, broker, monkeypatch
):
    from readiness.worker_heartbeat import beat

    broker("memory://")
    beat()
    assert get_health(client)[0] == 200

    class CacheDown:
        def set(self, *args, **kwargs):
            raise ConnectionError("cache down")

    monkeypatch.setattr(health, "cache", CacheDown())
    beat()  # logged, not raised


@pytest.fixture
def stale_heartbeat(db):
    """An hour-old heartbeat, so only a worker started afterwards can make the check pass."""
    from django.core.cache import cache

    cache.set(health.HEARTBEAT_CACHE_KEY, time.time() - 3600)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_a_real_worker_on_postgresql_and_redis_everything_is_ok(
    client,
    stale_heartbeat,
    real_worker,  # noqa: F811
):
    status, body = get_health(client)
    assert status == 200, body
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "worker": "ok",
        "antivirus": "not configured",
    }


@pytest.mark.django_db
def test_a_configured_virus_scanner_that_does_not_answer_gives_503(client, settings):
    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["antivirus"] == {"status": "error", "error": "unreachable"}
    assert "127.0.0.1" not in str(body)


@pytest.mark.django_db
def test_a_configured_virus_scanner_that_answers_passes(client, settings, clamd_url):  # noqa: F811
    settings.CLAMD_URL = clamd_url
    status, body = get_health(client)
    assert body["checks"]["antivirus"] == {"status": "ok"}
