import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from readiness.exceptions import InvalidTransition, RoundLocked
from readiness.models import AssessmentRound, RoundParty, RoundStatus
from readiness.services import round_create, round_membership_set, round_transition
from tests.factories import PartyFactory, RoundFactory, round_with_methodology

pytestmark = pytest.mark.django_db


def test_round_create_makes_a_draft_round_with_members_and_history(round_admin, party):
    created = round_create(actor=round_admin, name="Assessment 2026", slug="2026", parties=[party])
    assert created.status == RoundStatus.DRAFT
    assert list(created.parties.all()) == [party]
    record = created.history.get()
    assert (record.history_user, record.history_change_reason) == (round_admin, "round created")
    membership_record = RoundParty.history.get()
    assert membership_record.history_user == round_admin


def test_round_create_refuses_a_duplicate_slug_and_saves_nothing(round_admin):
    RoundFactory(slug="2026")
    with pytest.raises(ValidationError) as error:
        round_create(actor=round_admin, name="Again", slug="2026")
    assert "already exists" in str(error.value.message_dict["slug"])
    assert AssessmentRound.objects.count() == 1


def test_round_create_refuses_a_bad_slug(round_admin):
    with pytest.raises(ValidationError):
        round_create(actor=round_admin, name="Bad", slug="not a slug!")
    assert not AssessmentRound.objects.exists()


@pytest.mark.parametrize("role", ["reviewer", "focal_point", "analyst", "registered_user"])
def test_only_round_admins_create_rounds(request, role):
    with pytest.raises(PermissionDenied):
        round_create(actor=request.getfixturevalue(role), name="X", slug="x")
    assert not AssessmentRound.objects.exists()


ALLOWED = [
    (RoundStatus.DRAFT, RoundStatus.OPEN),
    (RoundStatus.OPEN, RoundStatus.REVIEW),
    (RoundStatus.REVIEW, RoundStatus.OPEN),
    (RoundStatus.REVIEW, RoundStatus.PUBLISHED),
    (RoundStatus.PUBLISHED, RoundStatus.ARCHIVED),
]
ALL_PAIRS = [(a, b) for a in RoundStatus.values for b in RoundStatus.values if a != b]


@pytest.mark.parametrize("current, target", ALLOWED)
def test_allowed_transitions_are_recorded_with_actor_and_reason(
    round_admin, party, current, target
):
    assessment_round = round_with_methodology(status=current, parties=[party])
    round_transition(
        actor=round_admin, assessment_round=assessment_round, target=target, reason="on time"
    )
    assessment_round.refresh_from_db()
    assert assessment_round.status == target
    record = assessment_round.history.first()
    assert record.history_user == round_admin
    assert record.history_change_reason == f"status {current} → {target}: on time"


@pytest.mark.parametrize("current, target", [p for p in ALL_PAIRS if p not in ALLOWED])
def test_illegal_transitions_are_refused_with_a_clear_message(round_admin, party, current, target):
    assessment_round = round_with_methodology(status=current, parties=[party])
    history_rows = assessment_round.history.count()
    with pytest.raises(InvalidTransition) as error:
        round_transition(actor=round_admin, assessment_round=assessment_round, target=target)
    assert "cannot become" in error.value.message and "Allowed next" in error.value.message
    assessment_round.refresh_from_db()
    assert assessment_round.status == current
    assert assessment_round.history.count() == history_rows


def test_an_unknown_status_is_refused(round_admin):
    with pytest.raises(InvalidTransition, match="not a status"):
        round_transition(actor=round_admin, assessment_round=RoundFactory(), target="closed")


def test_publishing_stamps_who_and_when(round_admin, party):
    assessment_round = round_with_methodology(status=RoundStatus.REVIEW, parties=[party])
    round_transition(
        actor=round_admin, assessment_round=assessment_round, target=RoundStatus.PUBLISHED
    )
    assessment_round.refresh_from_db()
    assert assessment_round.published_by == round_admin
    assert assessment_round.published_at is not None


def test_a_round_without_parties_cannot_open(round_admin):
    assessment_round = round_with_methodology()
    with pytest.raises(InvalidTransition, match="no Parties"):
        round_transition(actor=round_admin, assessment_round=assessment_round, target="open")


def test_a_round_without_methodology_cannot_open(round_admin, party):
    assessment_round = RoundFactory()
    RoundParty.objects.create(round=assessment_round, party=party)
    with pytest.raises(InvalidTransition, match="methodology is not complete"):
        round_transition(actor=round_admin, assessment_round=assessment_round, target="open")


@pytest.mark.parametrize("role", ["reviewer", "focal_point", "analyst", "registered_user"])
def test_only_round_admins_change_status(request, role, party):
    assessment_round = round_with_methodology(parties=[party])
    with pytest.raises(PermissionDenied):
        round_transition(
            actor=request.getfixturevalue(role), assessment_round=assessment_round, target="open"
        )
    assessment_round.refresh_from_db()
    assert assessment_round.status == RoundStatus.DRAFT


def test_membership_set_adds_and_removes_with_history(round_admin, party, other_party):
    assessment_round = round_with_methodology(status=RoundStatus.OPEN, parties=[party])
    added, removed = round_membership_set(
        actor=round_admin,
        assessment_round=assessment_round,
        parties=[other_party],
        reason="Ghana left",
    )
    assert (added, removed) == (1, 1)
    assert list(assessment_round.parties.all()) == [other_party]
    reasons = set(RoundParty.history.values_list("history_type", "history_change_reason"))
    assert reasons == {("-", "Ghana left"), ("+", "Ghana left")}
    assert set(RoundParty.history.values_list("history_user", flat=True)) == {round_admin.pk}


def test_membership_of_another_round_is_untouched(round_admin, party, other_party):
    older = round_with_methodology(status=RoundStatus.PUBLISHED, parties=[party, other_party])
    newer = round_with_methodology(parties=[party, other_party])
    round_membership_set(actor=round_admin, assessment_round=newer, parties=[party])
    assert older.parties.count() == 2
    assert newer.parties.count() == 1


@pytest.mark.parametrize("status", [RoundStatus.PUBLISHED, RoundStatus.ARCHIVED])
def test_membership_of_a_published_round_is_frozen(round_admin, party, status):
    assessment_round = round_with_methodology(status=status, parties=[party])
    with pytest.raises(RoundLocked):
        round_membership_set(
            actor=round_admin, assessment_round=assessment_round, parties=[PartyFactory()]
        )
    assert list(assessment_round.parties.all()) == [party]


def test_membership_change_is_refused_to_reviewers(reviewer, party):
    assessment_round = round_with_methodology(parties=[party])
    with pytest.raises(PermissionDenied):
        round_membership_set(actor=reviewer, assessment_round=assessment_round, parties=[])
    assert assessment_round.parties.count() == 1
