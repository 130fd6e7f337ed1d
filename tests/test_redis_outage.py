"""Redis goes away and comes back: the site keeps answering from the database, nothing waits on
the dead Redis, /healthz says what is down, and the sweep brings the grades up to date after.

A redis-server of the test's own, on a free port, is stopped and started again by its PID (the
shared one on 6379 is never touched); the cache, the broker and the result backend point at it.
The time bounds are hang guards (the old code took 19-38 s per approval), not benchmarks."""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from readiness.celery import app
from readiness.models import PartyResult, RoundComputation, RoundStatus
from readiness.recompute import recompute
from submissions.models import Evidence, EvidenceStatus
from tests.factories import api_key_for, make_evidence, round_with_methodology
from tests.redis_server import OwnRedis
from tests.test_pipeline_integration import wait_until

HANG_GUARD_SECONDS = 5.0

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_redis(settings):
    redis = OwnRedis()
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "readiness.redis_cache.ReusingRedisCache",
            "LOCATION": redis.url,
            "KEY_PREFIX": "outage-test",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 1,
                "outage_retry_seconds": 0.5,
            },
        }
    }
    settings.RESULTS_CACHE_SECONDS = 3600  # the public pages go through the results cache
    settings.RESULTS_LOCAL_CACHE_BYTES = 0  # ... and Redis, not a copy in this process
    saved = {name: app.conf[name] for name in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=redis.url, result_backend=redis.url, task_always_eager=False)
    forget_connections(app)
    try:
        yield redis
    finally:
        app.conf.update(saved)
        forget_connections(app)
        if redis.process.poll() is None:
            redis.stop()


def forget_connections(app) -> None:
    """Celery keeps its broker pool, producer pool and result backend (per thread, or shared
    when thread-safe) once made: without this, later tests in the process would still talk to
    this test's stopped Redis."""
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def world(party, other_party, focal_point, reviewer):
    """A published round (the public side) and an open one with evidence waiting for review."""
    published = round_with_methodology(slug="2025", status=RoundStatus.OPEN, parties=[party])
    make_evidence(assessment_round=published, party=party, author=focal_point, status="approved",
                  code="REG-1", narrative="Article 6 decree adopted.")  # fmt: skip
    recompute(published.pk)
    published.status = RoundStatus.PUBLISHED
    published.save()
    live = round_with_methodology(slug="2026", status=RoundStatus.OPEN, parties=[party])
    waiting = [
        make_evidence(
            assessment_round=live, party=party, author=focal_point, status="submitted", code=code
        )  # fmt: skip
        for code in ("REG-2", "INF-1")
    ]
    recompute(live.pk)
    return live, waiting


def timed(request, *args, **kwargs):
    started = time.monotonic()
    response = request(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < HANG_GUARD_SECONDS, f"{args[0]} took {elapsed:.1f} s"
    return response


PUBLIC_READS = [
    "/results/2025/",
    "/results/2025/parties/GHA/",
    "/api/v1/rounds/2025/results/",
    "/api/v1/parties/",
]


def approve(reviewer_client, evidence):
    return timed(
        reviewer_client.post,
        reverse("review-decide", args=[evidence.pk]),
        {"decision": "approve", "expected_version": evidence.version, "awarded_level": 2},
    )


def test_with_redis_down_the_site_answers_from_the_database_and_catches_up_after(
    own_redis, world, party, focal_point, reviewer
):
    live, waiting = world
    visitor = Client()
    for url in PUBLIC_READS:  # drawn and cached while Redis is up
        assert visitor.get(url).status_code == 200
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(focal_point)}")

    own_redis.stop()

    for url in PUBLIC_READS:
        response = timed(visitor.get, url)
        assert response.status_code == 200, url
    assert b"Article 6 decree adopted." in timed(visitor.get, "/results/2025/parties/GHA/").content
    assert timed(reviewer_client.get, reverse("review-queue")).status_code == 200

    created = timed(
        api.post,
        reverse("api-evidence-list"),
        {"round": "2026", "party": "GHA", "sub_pillar": "REG-3", "claimed_level": 1,
         "narrative": "A lead agency was mandated.", "source_urls": ["https://example.org/a"]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201 or (
        created.status_code == 503 and created.has_header("Retry-After")
    ), created.content
    assert created.status_code != 201 or Evidence.objects.filter(sub_pillar__code="REG-3").exists()

    decided = approve(reviewer_client, waiting[0])
    assert decided.status_code == 302
    assert Evidence.objects.get(pk=waiting[0].pk).status == EvidenceStatus.APPROVED
    assert not RoundComputation.objects.get(round=live).is_current  # no broker: grades wait

    login = timed(
        Client().post, reverse("login"), {"username": focal_point.username, "password": "pw"}
    )
    assert login.status_code in (200, 302)  # sessions and the lockout are in the database
    reset = timed(Client().post, reverse("password_reset"), {"email": "someone@example.org"})
    assert reset.status_code == 302  # the reset limiter counts in the cache: it lets it through

    health = timed(visitor.get, "/healthz")
    assert health.status_code == 503
    checks = {name: check["status"] for name, check in health.json()["checks"].items()}
    assert checks == {"database": "ok", "cache": "error", "broker": "error", "worker": "error",
                      "antivirus": "not configured"}  # fmt: skip

    own_redis.start()
    from celery.contrib.testing.worker import start_worker

    from readiness.tasks import sweep_stale_rounds

    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False,
                      shutdown_timeout=10):  # fmt: skip
        assert wait_until(cache.reachable, timeout=10)
        assert live.pk in sweep_stale_rounds()
        assert wait_until(lambda: RoundComputation.objects.get(round=live).is_current)
        result = PartyResult.objects.get(round=live, party=party)
        assert result.sub_pillars["REG-2"]["level"] == 2
        # The recompute gate holds nothing back: the next approval is counted by itself.
        waiting[1].refresh_from_db()
        assert approve(reviewer_client, waiting[1]).status_code == 302
        assert wait_until(lambda: RoundComputation.objects.get(round=live).is_current)
        result = PartyResult.objects.get(round=live, party=party)
        assert result.sub_pillars["INF-1"]["level"] == 2
        assert wait_until(lambda: Client().get("/healthz").status_code == 200)
