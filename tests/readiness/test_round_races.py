"""A change racing a round's transition (issue 13, finding 3), on PostgreSQL with real
connections: each actor runs in its own thread with its own connection, and a held lock
makes the transition wait at the point where the race happened. Whatever the order, the end is
consistent: the change is refused with a clear error, or the published results count it."""

import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from readiness.exceptions import RoundLocked
from readiness.models import (
    AssessmentRound,
    PartyResult,
    RoundComputation,
    RoundParty,
    RoundStatus,
    SubPillar,
)
from readiness.recompute import recompute
from readiness.services.methodology import methodology_item_save
from readiness.services.rounds import round_membership_set, round_transition
from reviews.models import Review
from reviews.services import review_decide, review_revoke
from submissions.models import Evidence, EvidenceStatus
from submissions.services import evidence_submit
from tests.factories import make_evidence, round_with_methodology

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RECOMPUTE_LOCK = 6  # readiness.recompute._lock_round's advisory lock class


class Actor(threading.Thread):
    """Runs `work` on a connection of its own; keeps its result or the exception it raised."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work = work
        self.result = self.error = None
        self.backend_pid = None
        self.connected = threading.Event()

    def run(self):
        try:
            connection.ensure_connection()
            self.backend_pid = connection.connection.info.backend_pid
            self.connected.set()
            self.result = self.work()
        except Exception as error:  # noqa: BLE001 - kept for the test to look at
            self.error = error
        finally:
            self.connected.set()
            connection.close()

    def start_and_wait(self):
        self.start()
        self.connected.wait()


def blocked_or_done(actor: Actor) -> bool:
    """True once the actor has finished or waits for a lock (its connection, seen by ours)."""
    return waits_or_ends(actor.backend_pid, actor.is_alive)


def waits_or_ends(backend_pid: int, alive) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not alive():
            return True
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend_pid]
            )
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def review_round(party, other_party, focal_point):
    assessment_round = round_with_methodology(
        status=RoundStatus.REVIEW, parties=[party, other_party]
    )
    recompute(assessment_round.pk, force=True)  # the members came after the methodology
    return assessment_round


@contextmanager
def recompute_running(assessment_round):
    """Another recompute of the round runs: publication's final recompute waits for its lock."""
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", [RECOMPUTE_LOCK, assessment_round.pk])
        yield holder
        holder.execute("SELECT pg_advisory_unlock_all()")


def racing_publication(assessment_round, round_admin, change) -> tuple[Actor, Actor]:
    """Publication starts while another recompute holds the round's recompute lock, so it waits
    inside its transaction; then `change` runs; then the lock is released. Returns both actors,
    finished."""
    with recompute_running(assessment_round):
        publication = Actor(
            lambda: round_transition(
                actor=round_admin, assessment_round=assessment_round, target=RoundStatus.PUBLISHED
            )
        )
        publication.start_and_wait()
        assert blocked_or_done(publication) and publication.is_alive()
        other = Actor(change)
        other.start_and_wait()
        assert blocked_or_done(other)
    for actor in (publication, other):
        actor.join(60)
        assert not actor.is_alive()
    return publication, other


def assert_published_results_are_current(assessment_round) -> RoundComputation:
    assessment_round.refresh_from_db()
    assert assessment_round.status == RoundStatus.PUBLISHED
    state = RoundComputation.objects.get(round=assessment_round)
    assert state.results_version == state.evidence_version
    return state


def level_published(assessment_round, party, code: str) -> int:
    return PartyResult.objects.get(round=assessment_round, party=party).sub_pillars[code]["level"]


def test_an_approval_while_publication_waits_is_refused_not_lost(
    review_round, party, focal_point, reviewer, round_admin
):
    evidence = make_evidence(
        assessment_round=review_round, party=party, author=focal_point, status="submitted"
    )
    publication, approval = racing_publication(
        review_round,
        round_admin,
        lambda: review_decide(
            actor=reviewer, evidence=evidence, decision="approve", expected_version=1
        ),
    )

    assert publication.error is None
    assert_published_results_are_current(review_round)
    assert isinstance(approval.error, RoundLocked), approval.error
    assert "published" in approval.error.message
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED and not Review.objects.exists()
    assert level_published(review_round, party, "REG-1") == 0


def test_an_approval_in_progress_holds_publication_back_and_is_counted(
    review_round, party, focal_point, reviewer, round_admin
):
    evidence = make_evidence(
        assessment_round=review_round, party=party, author=focal_point, status="submitted"
    )
    decided, commit = threading.Event(), threading.Event()

    def approve_then_wait():
        with transaction.atomic():
            review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
            decided.set()
            commit.wait(60)

    approval = Actor(approve_then_wait)
    approval.start_and_wait()
    assert decided.wait(60)
    publication = Actor(
        lambda: round_transition(
            actor=round_admin, assessment_round=review_round, target=RoundStatus.PUBLISHED
        )
    )
    publication.start_and_wait()
    assert blocked_or_done(publication)
    commit.set()
    for actor in (approval, publication):
        actor.join(60)
        assert not actor.is_alive()

    assert approval.error is None and publication.error is None
    assert_published_results_are_current(review_round)
    assert level_published(review_round, party, "REG-1") == 2
    assert PartyResult.objects.get(round=review_round, party=party).total_rate > 0


def test_a_revocation_while_publication_waits_is_refused(
    review_round, party, focal_point, round_admin
):
    evidence = make_evidence(
        assessment_round=review_round, party=party, author=focal_point, status="approved"
    )
    recompute(review_round.pk, force=True)
    publication, revocation = racing_publication(
        review_round,
        round_admin,
        lambda: review_revoke(actor=round_admin, evidence=evidence, reason="source withdrawn"),
    )

    assert publication.error is None
    assert_published_results_are_current(review_round)
    assert isinstance(revocation.error, RoundLocked), revocation.error
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.APPROVED
    assert level_published(review_round, party, "REG-1") == 2


def test_a_membership_change_while_publication_waits_is_refused(review_round, party, round_admin):
    publication, membership = racing_publication(
        review_round,
        round_admin,
        lambda: round_membership_set(
            actor=round_admin, assessment_round=review_round, parties=[party], reason="withdrew"
        ),
    )

    assert publication.error is None
    assert_published_results_are_current(review_round)
    assert isinstance(membership.error, RoundLocked), membership.error
    assert RoundParty.objects.filter(round=review_round).count() == 2
    assert PartyResult.objects.filter(round=review_round).count() == 2


def test_a_methodology_change_while_the_round_opens_is_refused(party, round_admin):
    """The methodology is checked when a draft opens; an edit that comes meanwhile waits and is
    then refused, rather than opening the round on a methodology that was never checked."""
    draft = round_with_methodology(parties=[party])
    sub_pillar = SubPillar.objects.filter(pillar__round=draft).order_by("pk").first()
    params = connection.get_connection_params()
    with psycopg.connect(**params) as opening:
        # a transition under way: the round's row locked FOR UPDATE, its status changed
        table = connection.ops.quote_name(AssessmentRound._meta.db_table)
        opening.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [draft.pk])
        opening.execute(f"UPDATE {table} SET status = 'open' WHERE id = %s", [draft.pk])
        sub_pillar.name_en = "Renamed while the round opens"
        edit = Actor(lambda: methodology_item_save(actor=round_admin, item=sub_pillar))
        edit.start_and_wait()
        assert blocked_or_done(edit) and edit.is_alive()
        opening.commit()
    edit.join(60)
    assert isinstance(edit.error, RoundLocked), edit.error
    assert "editable only in draft" in edit.error.message
    assert SubPillar.objects.get(pk=sub_pillar.pk).name_en != "Renamed while the round opens"


def test_a_submission_while_the_round_closes_is_refused(open_round, party, focal_point):
    """Closing a round (open → review) ends submissions: a submission that comes while the
    transition is under way waits for it and is refused, instead of landing after the close."""
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    params = connection.get_connection_params()
    with psycopg.connect(**params) as closing:
        table = connection.ops.quote_name(AssessmentRound._meta.db_table)
        closing.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [open_round.pk])
        closing.execute(f"UPDATE {table} SET status = 'review' WHERE id = %s", [open_round.pk])
        submission = Actor(
            lambda: evidence_submit(actor=focal_point, evidence=draft, expected_version=1)
        )
        submission.start_and_wait()
        assert blocked_or_done(submission)
        closing.commit()
    submission.join(60)
    assert isinstance(submission.error, RoundLocked), submission.error
    assert "cannot change now" in submission.error.message
    assert Evidence.objects.get(pk=draft.pk).status == EvidenceStatus.DRAFT


def test_a_raw_statement_on_evidence_while_publication_waits_is_refused(
    review_round, party, focal_point, round_admin
):
    """The database holds the round too: a statement that bypasses the services and starts
    before publication commits waits for it, then finds the round frozen."""
    evidence = make_evidence(
        assessment_round=review_round, party=party, author=focal_point, status="submitted"
    )
    table = connection.ops.quote_name(Evidence._meta.db_table)

    def forge():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = 'approved', awarded_level = 3 WHERE id = %s",
                [evidence.pk],
            )

    publication, forger = racing_publication(review_round, round_admin, forge)

    assert publication.error is None
    assert_published_results_are_current(review_round)
    assert isinstance(forger.error, IntegrityError), forger.error
    assert "is published" in str(forger.error)
    assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.SUBMITTED
