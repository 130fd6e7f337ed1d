"""The real services: PostgreSQL row locks and a Celery worker on Redis."""

import threading

import pytest
from django.db import connection

from readiness.exceptions import InvalidTransition
from readiness.models import RoundStatus
from readiness.services import round_transition
from tests.concurrency import run_at_once
from tests.factories import round_with_methodology


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_moving_a_round_at_once_exactly_one_wins(round_admin, party):
    assessment_round = round_with_methodology(status=RoundStatus.OPEN, parties=[party])
    barrier = threading.Barrier(2)
    outcomes = []

    def move():
        try:
            barrier.wait(timeout=10)
            round_transition(
                actor=round_admin, assessment_round=assessment_round, target=RoundStatus.REVIEW
            )
            outcomes.append("moved")
        except InvalidTransition:
            outcomes.append("refused")

    run_at_once(move, 2, timeout=30)
    assert sorted(outcomes) == ["moved", "refused"]
    assert assessment_round.history.filter(history_change_reason__contains="→ review").count() == 1


@pytest.mark.redis
def test_a_real_worker_answers_through_redis(settings):
    from celery.contrib.testing.worker import start_worker

    from readiness.celery import app
    from readiness.tasks import ping

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert ping.delay().get(timeout=10) == "pong"
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_exactly_one_wins(party, other_party, focal_point):
    from readiness.exceptions import Conflict
    from reviews.models import Review
    from reviews.services import review_decide
    from tests.factories import UserFactory, make_evidence

    assessment_round = round_with_methodology(status=RoundStatus.OPEN, parties=[party])
    evidence = make_evidence(
        assessment_round=assessment_round, party=party, author=focal_point, status="submitted"
    )
    reviewers = [UserFactory(username=f"rev{n}", is_reviewer=True) for n in range(2)]
    decisions = [("approve", ""), ("reject", "Not adopted yet.")]
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(reviewer, decision, comment):
        try:
            barrier.wait(timeout=10)
            review_decide(
                actor=reviewer,
                evidence=evidence,
                decision=decision,
                expected_version=1,
                comment=comment,
            )
            outcomes.append("decided")
        except Conflict as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(reviewer, *decision))
        for reviewer, decision in zip(reviewers, decisions, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("decided") == 1
    assert any("changed after you opened it" in outcome for outcome in outcomes)
    assert Review.objects.filter(evidence=evidence).count() == 1
    evidence.refresh_from_db()
    assert evidence.version == 2
