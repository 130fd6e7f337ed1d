"""At most one submission waits for review per round, Party and sub-pillar, whatever the path:
the rule (submissions.rules) refuses a second one, and the database's partial unique index
refuses the one that raced past the rule on another connection."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from readiness.exceptions import Conflict
from submissions import services
from submissions.models import Evidence, EvidenceStatus
from submissions.services import evidence_submit
from tests.factories import make_evidence


def drafts(open_round, party, focal_point, count=2):
    return [
        make_evidence(
            assessment_round=open_round,
            party=party,
            author=focal_point,
            status="draft",
            code="REG-1",
            claimed_level=1,
        )  # fmt: skip
        for _ in range(count)
    ]


@pytest.mark.django_db
def test_the_database_refuses_a_second_waiting_submission(open_round, party, focal_point):
    first, second = drafts(open_round, party, focal_point)
    Evidence.objects.filter(pk=first.pk).update(status=EvidenceStatus.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=second.pk).update(status=EvidenceStatus.SUBMITTED)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_racing_past_the_rule_leave_one_waiting_and_a_clear_conflict(
    open_round, party, focal_point, monkeypatch
):
    first, second = drafts(open_round, party, focal_point)
    first_saved, second_may_commit = threading.Event(), threading.Event()
    real_notify = services.notify_reviewers_of_submission

    def notify_then_hold(evidence):  # the first submission stays uncommitted a while
        real_notify(evidence)
        if evidence.pk == first.pk:
            first_saved.set()
            second_may_commit.wait(timeout=30)

    monkeypatch.setattr(services, "notify_reviewers_of_submission", notify_then_hold)
    outcome = {}

    def submit(evidence):
        try:
            outcome[evidence.pk] = evidence_submit(actor=focal_point, evidence=evidence).status
        except Exception as error:  # noqa: BLE001 - the test looks at it
            outcome[evidence.pk] = error
        finally:
            connection.close()

    first_thread = threading.Thread(target=submit, args=(first,))
    first_thread.start()
    assert first_saved.wait(timeout=30)
    # The second passes the rule (the first is not committed), then waits on the index.
    second_thread = threading.Thread(target=submit, args=(second,))
    second_thread.start()
    second_thread.join(timeout=1)
    assert second_thread.is_alive()  # held by the unique index until the first ends
    second_may_commit.set()
    first_thread.join(timeout=30)
    second_thread.join(timeout=30)

    assert outcome[first.pk] == "submitted"
    assert isinstance(outcome[second.pk], Conflict)
    assert f"Evidence #{first.pk}" in outcome[second.pk].message
    statuses = dict(Evidence.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "submitted", second.pk: "draft"}


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_and_names_submissions_that_already_compete(
    open_round, party, focal_point
):
    from django.core.management import call_command

    first, second = drafts(open_round, party, focal_point)
    call_command("migrate", "submissions", "0003", verbosity=0)
    try:
        Evidence.objects.filter(pk__in=[first.pk, second.pk]).update(status="submitted")
        with pytest.raises(RuntimeError, match=f"2026 {party.code} REG-1 \\(2 waiting\\)"):
            call_command("migrate", "submissions", "0004", verbosity=0)
        Evidence.objects.filter(pk=second.pk).update(status="withdrawn")
    finally:
        call_command("migrate", verbosity=0)
    assert Evidence.objects.filter(status="submitted").count() == 1
