"""A burst of changes to a round queues one recompute while an earlier one is still waiting."""

import pytest
from django.core.cache import cache
from django.db import transaction

from readiness import recompute as pipeline
from readiness import recompute_gate
from readiness.models import RoundComputation
from readiness.recompute import mark_round_changed, recompute
from tests.factories import round_with_methodology

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(monkeypatch, open_round):
    """A broker that records what is queued instead of running it (tasks are not eager)."""
    from readiness.celery import app

    queue = Queue()
    monkeypatch.setattr(pipeline, "enqueue", queue.enqueue)
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        cache.delete(recompute_gate.mark_key(open_round.pk))


class Queue(list):
    broker_up = True

    def enqueue(self, task, *args) -> bool:
        if self.broker_up:
            self.append(args)
        return self.broker_up


def change(assessment_round, capture) -> None:
    with capture(execute=True), transaction.atomic():
        mark_round_changed(assessment_round, kind="manual", description="a change")


def test_changes_while_a_recompute_waits_queue_nothing_more(
    queue, open_round, django_capture_on_commit_callbacks
):
    for _ in range(5):
        change(open_round, django_capture_on_commit_callbacks)
    assert queue == [(open_round.pk,)]

    recompute(open_round.pk)  # the queued run starts: it reads all five changes
    assert RoundComputation.objects.get(round=open_round).is_current

    change(open_round, django_capture_on_commit_callbacks)  # after it started: a run of its own
    assert queue == [(open_round.pk,), (open_round.pk,)]
    assert not RoundComputation.objects.get(round=open_round).is_current


def test_each_round_has_its_own_mark(queue, open_round, party, django_capture_on_commit_callbacks):
    other_round = round_with_methodology(slug="2027", parties=[party])
    try:
        change(open_round, django_capture_on_commit_callbacks)
        change(other_round, django_capture_on_commit_callbacks)
        change(other_round, django_capture_on_commit_callbacks)
        assert queue == [(open_round.pk,), (other_round.pk,)]
    finally:
        cache.delete(recompute_gate.mark_key(other_round.pk))


def test_a_change_that_could_not_reach_the_broker_does_not_hold_back_the_next(
    queue, open_round, django_capture_on_commit_callbacks
):
    queue.broker_up = False
    change(open_round, django_capture_on_commit_callbacks)
    assert queue == []
    queue.broker_up = True
    change(open_round, django_capture_on_commit_callbacks)
    assert queue == [(open_round.pk,)]


def test_an_unreachable_cache_queues_every_change(
    queue, open_round, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {  # the production backend, with nothing listening (port 1)
        "default": {"BACKEND": "readiness.redis_cache.ReusingRedisCache",
                    "LOCATION": "redis://127.0.0.1:1/0"}
    }  # fmt: skip
    change(open_round, django_capture_on_commit_callbacks)
    change(open_round, django_capture_on_commit_callbacks)
    assert queue == [(open_round.pk,), (open_round.pk,)]
    recompute(open_round.pk)  # releasing fails quietly: the mark would expire by itself
    assert RoundComputation.objects.get(round=open_round).is_current


def test_a_rolled_back_change_claims_nothing(queue, open_round, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        mark_round_changed(open_round, kind="manual", description="rolled back")
        raise RuntimeError
    change(open_round, django_capture_on_commit_callbacks)
    assert queue == [(open_round.pk,)]


def test_with_eager_tasks_every_change_runs_at_once(open_round, django_capture_on_commit_callbacks):
    for _ in range(3):
        change(open_round, django_capture_on_commit_callbacks)
        assert RoundComputation.objects.get(round=open_round).is_current
    assert cache.get(recompute_gate.mark_key(open_round.pk)) is None


def test_the_sweep_queues_a_stale_round_even_when_its_waiting_run_was_lost(
    queue, open_round, django_capture_on_commit_callbacks
):
    from readiness.tasks import sweep_stale_rounds

    change(open_round, django_capture_on_commit_callbacks)
    assert queue == [(open_round.pk,)]  # ... and that run is lost: the queue was purged
    change(open_round, django_capture_on_commit_callbacks)
    assert queue == [(open_round.pk,)]  # held back by the lost run's mark

    assert sweep_stale_rounds() == [open_round.pk]
    assert queue == [(open_round.pk,), (open_round.pk,)]


@pytest.mark.redis
def test_a_run_gives_the_mark_back_even_while_its_process_still_counts_redis_as_down(settings):
    """Redis is back; this process had seen it fail and would leave it alone a few seconds
    more, but another process has claimed the mark since: the run's release must reach Redis,
    or the round's next changes would queue nothing until the mark expired."""
    import os
    import uuid

    from readiness import redis_cache

    settings.CACHES = {
        "default": {
            "BACKEND": "readiness.redis_cache.ReusingRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"gate-{uuid.uuid4().hex}",
            "OPTIONS": {"outage_retry_seconds": 60},
        }
    }
    from readiness.celery import app

    app.conf.task_always_eager = False
    key = recompute_gate.mark_key(424242)
    try:
        assert recompute_gate.claim(424242)  # by another process, say
        redis_cache._down_until[os.environ["REDIS_URL"]] = float("inf")  # this one saw a failure
        assert cache.in_outage()
        recompute_gate.release(424242)
        assert not cache.in_outage()
        assert cache.get(key) is None
        assert recompute_gate.claim(424242)  # the next change queues its own run
    finally:
        redis_cache._down_until.pop(os.environ["REDIS_URL"], None)
        cache.delete(key)
        app.conf.task_always_eager = True
