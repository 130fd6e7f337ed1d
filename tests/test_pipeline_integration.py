"""The recompute pipeline on the real services: PostgreSQL, Redis and a Celery worker."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from readiness.models import PartyResult, RoundComputation, RoundStatus
from readiness.recompute import compute, read_inputs, recompute
from reviews.services import review_decide
from tests.concurrency import run_at_once
from tests.factories import UserFactory, make_evidence, round_with_methodology

ROOT = Path(__file__).resolve().parents[1]
CODES = ("REG-1", "REG-2", "REG-3", "INF-1", "INF-2", "INF-3", "FIN-1", "IMP-1")


def stored_results(round_id: int) -> dict:
    return {
        row["party_id"]: (row["grade"], row["total_rate"], row["pillars"], row["sub_pillars"])
        for row in PartyResult.objects.filter(round_id=round_id).values()
    }


def engine_results(assessment_round) -> dict:
    computed = compute(read_inputs(assessment_round))
    return {
        party_id: (v["grade"], v["total_rate"], v["pillars"], v["sub_pillars"])
        for party_id, v in computed.parties.items()
    }


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def live_round(party, other_party):
    return round_with_methodology(status=RoundStatus.OPEN, parties=[party, other_party])


@pytest.fixture
def real_worker(settings):
    from celery.contrib.testing.worker import start_worker

    from readiness.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False,
                          shutdown_timeout=10):  # fmt: skip
            yield app
    finally:
        app.conf.task_always_eager = True


def submitted(assessment_round, party, author, code):
    return make_evidence(
        assessment_round=assessment_round, party=party, author=author, status="submitted",
        code=code,
    )  # fmt: skip


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_approval_reaches_the_results_through_a_real_worker(
    real_worker, live_round, party, focal_point, reviewer
):
    evidence = submitted(live_round, party, focal_point, "REG-1")
    review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
    assert wait_until(lambda: RoundComputation.objects.get(round=live_round).is_current)
    result = PartyResult.objects.get(round=live_round, party=party)
    assert result.sub_pillars["REG-1"]["level"] == 2
    assert stored_results(live_round.pk) == engine_results(live_round)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_approvals_while_a_recompute_waits_coalesce_into_it(
    real_worker, live_round, party, other_party, focal_point, reviewer, monkeypatch
):
    import psycopg

    from readiness import background
    from readiness import recompute as pipeline

    queued = []

    def enqueue(*args):
        queued.append(args)
        return background.enqueue(*args)

    monkeypatch.setattr(pipeline, "enqueue", enqueue)
    evidence = [submitted(live_round, p, focal_point, code) for code in CODES[:5]
                for p in (party, other_party)]  # fmt: skip
    runs_before = RoundComputation.objects.get(round=live_round).compute_count
    dsn = connection.get_connection_params()
    with psycopg.connect(**dsn, autocommit=True) as holder:
        # Another recompute of the round is running: the queued one waits for its lock.
        holder.execute("SELECT pg_advisory_lock(6, %s)", [live_round.pk])
        for item in evidence:
            review_decide(actor=reviewer, evidence=item, decision="approve", expected_version=1)
        time.sleep(0.3)  # the worker has picked the queued run up and waits
        holder.execute("SELECT pg_advisory_unlock(6, %s)", [live_round.pk])
    assert wait_until(lambda: RoundComputation.objects.get(round=live_round).is_current)
    time.sleep(0.3)  # nothing else is queued: no further run comes
    assert len(queued) == 1  # the nine later approvals found a run waiting
    assert RoundComputation.objects.get(round=live_round).compute_count == runs_before + 1
    assert stored_results(live_round.pk) == engine_results(live_round)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_delays_grades_but_loses_nothing(
    live_round, party, focal_point, reviewer, settings
):
    from readiness.celery import app
    from readiness.tasks import sweep_stale_rounds

    evidence = submitted(live_round, party, focal_point, "REG-2")
    app.conf.task_always_eager = False
    real_url = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app._pool = None
    app.amqp._producer_pool = None
    try:
        review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
    finally:
        app.conf.broker_url = real_url
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.task_always_eager = True
    evidence.refresh_from_db()
    assert evidence.status == "approved"
    assert not RoundComputation.objects.get(round=live_round).is_current
    assert sweep_stale_rounds() == [live_round.pk]  # broker back: eager here, a worker in prod
    assert RoundComputation.objects.get(round=live_round).is_current
    assert PartyResult.objects.get(round=live_round, party=party).sub_pillars["REG-2"]["level"] == 2


KILLABLE_RECOMPUTE = """
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
django.setup()
from readiness import recompute as pipeline
real_update = pipeline.tracked_bulk_update
def stall(*args, **kwargs):
    real_update(*args, **kwargs)
    print("HALF-WRITTEN", flush=True)
    time.sleep(60)
pipeline.tracked_bulk_update = stall
pipeline.recompute(int(sys.argv[1]))
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_recompute_leaves_old_results_and_the_next_run_converges(
    live_round, party, focal_point, reviewer, monkeypatch
):
    from readiness import recompute as pipeline
    from readiness.recompute import mark_round_changed

    monkeypatch.setattr(pipeline, "schedule_recompute", lambda round_id: False)  # no worker

    first = submitted(live_round, party, focal_point, "REG-1")
    review_decide(actor=reviewer, evidence=first, decision="approve", expected_version=1)
    recompute(live_round.pk)
    before = stored_results(live_round.pk)
    make_evidence(assessment_round=live_round, party=party, author=focal_point,
                  status="approved", code="INF-1")  # fmt: skip
    from django.db import transaction

    with transaction.atomic():
        mark_round_changed(live_round, kind="manual", description="INF-1 approved")
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_RECOMPUTE, str(live_round.pk)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line.strip() == "HALF-WRITTEN", process.stderr.read()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert stored_results(live_round.pk) == before  # nothing half-written is visible
    assert not RoundComputation.objects.get(round=live_round).is_current
    assert recompute(live_round.pk).computed  # the lock died with the worker
    assert stored_results(live_round.pk) == engine_results(live_round)
    assert PartyResult.objects.get(round=live_round, party=party).sub_pillars["INF-1"]["level"] == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_recomputes_while_evidence_changes_converge_on_the_engine_result(
    live_round, party, other_party, focal_point, other_focal_point
):
    reviewers = [UserFactory(username=f"racer{n}", is_reviewer=True) for n in range(2)]
    items = [submitted(live_round, party, focal_point, code) for code in CODES]
    items += [submitted(live_round, other_party, other_focal_point, code) for code in CODES]
    stop = threading.Event()
    errors = []

    def keep_recomputing():
        try:
            while not stop.is_set():
                recompute(live_round.pk)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    racers = [threading.Thread(target=keep_recomputing) for _ in range(2)]
    for racer in racers:
        racer.start()
    for index, evidence in enumerate(items):
        review_decide(actor=reviewers[index % 2], evidence=evidence, decision="approve",
                      expected_version=1)  # fmt: skip
    stop.set()
    for racer in racers:
        racer.join(timeout=30)
    assert not errors
    recompute(live_round.pk)  # what the last approval's after-commit task does
    assert RoundComputation.objects.get(round=live_round).is_current
    assert stored_results(live_round.pk) == engine_results(live_round)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_once_five_times_and_five_at_once_give_the_same_results_and_no_spurious_history(
    live_round, party, focal_point, reviewer
):
    evidence = submitted(live_round, party, focal_point, "REG-3")
    review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
    recompute(live_round.pk)
    once = stored_results(live_round.pk)
    history = PartyResult.history.count()
    for _ in range(5):
        recompute(live_round.pk, force=True)
    assert stored_results(live_round.pk) == once

    run_at_once(lambda: recompute(live_round.pk, force=True), 5, timeout=30)
    assert stored_results(live_round.pk) == once
    assert PartyResult.history.count() == history


@pytest.mark.redis
def test_a_queued_recompute_is_taken_before_everything_queued_earlier():
    from readiness.celery import app
    from readiness.tasks import ping, recompute_round

    queue = app.conf.task_default_queue
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write() as broker:
            broker.default_channel.queue_purge(queue)
            for _ in range(5):  # e-mails, imports, ...: the default priority
                ping.delay()
            recompute_round.delay(0)
            message = broker.default_channel.basic_get(queue)
            broker.default_channel.queue_purge(queue)
    finally:
        app.conf.task_always_eager = True
    assert message.headers["task"] == "readiness.recompute_round"
