import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from readiness.exceptions import Conflict, RoundLocked
from readiness.models import RoundStatus
from reviews.models import Comment, Decision, Review
from reviews.services import comment_add, review_decide, review_revoke, reviews_decide_bulk
from submissions.models import Evidence, EvidenceStatus
from tests.factories import AssignmentFactory, UserFactory, make_evidence, round_with_methodology

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(open_round, party, focal_point):
    return make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="submitted"
    )


def decide(actor, evidence, decision=Decision.APPROVE, **kwargs):
    kwargs.setdefault("expected_version", evidence.version)
    return review_decide(actor=actor, evidence=evidence, decision=decision, **kwargs)


def test_approval_awards_the_claimed_level_by_default_and_records_everything(
    reviewer, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = decide(reviewer, submitted)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.awarded_level, submitted.version) == ("approved", 2, 2)
    assert (review.decision, review.awarded_level, review.evidence_version) == ("approve", 2, 1)
    record = submitted.history.first()
    assert (record.history_user, record.history_change_reason) == (reviewer, "Approve")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [submitted.submitted_by.email]
    assert "Awarded level: 2" in mailoutbox[0].body


def test_approval_with_a_different_awarded_level(reviewer, submitted):
    decide(reviewer, submitted, awarded_level=1, comment="Only a roadmap so far.")
    submitted.refresh_from_db()
    assert (submitted.claimed_level, submitted.awarded_level) == (2, 1)


def test_an_awarded_level_outside_the_scale_is_refused(reviewer, submitted):
    with pytest.raises(ValidationError, match="not a level"):
        decide(reviewer, submitted, awarded_level=9)
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.SUBMITTED and not Review.objects.exists()


@pytest.mark.parametrize("decision", [Decision.REQUEST_CHANGES, Decision.REJECT])
def test_sending_back_or_rejecting_needs_a_comment_that_is_mailed(
    reviewer, submitted, decision, mailoutbox, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError, match="Explain"):
        decide(reviewer, submitted, decision)
    assert not Review.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        decide(reviewer, submitted, decision, comment="Attach the decree, please.")
    submitted.refresh_from_db()
    assert (
        submitted.status == {"request_changes": "changes_requested", "reject": "rejected"}[decision]
    )
    assert submitted.awarded_level is None
    assert "Attach the decree, please." in mailoutbox[0].body


def test_an_approval_supersedes_the_previous_one(reviewer, open_round, party, focal_point):
    older = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="approved"
    )
    newer = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="submitted",
        claimed_level=3,
    )  # fmt: skip
    decide(reviewer, newer)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, newer.status) == ("superseded", "approved")
    record = older.history.first()
    assert record.history_change_reason == f"superseded by evidence #{newer.pk}"
    assert record.history_user == reviewer
    assert Evidence.objects.filter(status="approved").count() == 1


@pytest.mark.parametrize("conflicted", ["submitter", "focal_point_of_party", "analyst_of_party"])
def test_a_reviewer_never_decides_their_own_or_their_partys_evidence(
    conflicted, open_round, party, reviewer
):
    author = UserFactory(username="author")
    if conflicted == "submitter":
        actor = author = UserFactory(username="reviewing.author", is_reviewer=True)
    else:
        actor = UserFactory(username="double.role", is_reviewer=True)
        role = "focal_point" if conflicted == "focal_point_of_party" else "analyst"
        AssignmentFactory(user=actor, party=party, role=role)
    evidence = make_evidence(
        assessment_round=open_round, party=party, author=author, status="submitted"
    )
    with pytest.raises(PermissionDenied, match="cannot decide"):
        decide(actor, evidence)
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED and not Review.objects.exists()


@pytest.mark.parametrize("role", ["focal_point", "analyst", "round_admin", "registered_user"])
def test_only_reviewers_decide(request, role, submitted):
    with pytest.raises(PermissionDenied):
        decide(request.getfixturevalue(role), submitted)


def test_a_decision_on_a_changed_version_is_a_conflict(reviewer, submitted):
    with pytest.raises(Conflict, match="changed after you opened it"):
        decide(reviewer, submitted, expected_version=submitted.version - 1 or 99)
    assert not Review.objects.exists()


def test_a_second_decision_on_decided_evidence_is_a_conflict(reviewer, submitted):
    second_reviewer = UserFactory(username="reviewer.two", is_reviewer=True)
    decide(reviewer, submitted)
    with pytest.raises(Conflict, match="already approved"):
        decide(second_reviewer, submitted, expected_version=None)
    assert Review.objects.count() == 1


@pytest.mark.parametrize("status", [RoundStatus.PUBLISHED, RoundStatus.ARCHIVED])
def test_nothing_is_decided_in_a_frozen_round(reviewer, party, focal_point, status):
    assessment_round = round_with_methodology(status=status, parties=[party])
    evidence = make_evidence(
        assessment_round=assessment_round, party=party, author=focal_point, status="submitted"
    )
    with pytest.raises(RoundLocked):
        decide(reviewer, evidence)


def test_round_admin_revokes_an_approval_with_a_reason(round_admin, open_round, party, focal_point):
    approved = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="approved"
    )
    with pytest.raises(ValidationError, match="reason"):
        review_revoke(actor=round_admin, evidence=approved, reason=" ")
    review = review_revoke(actor=round_admin, evidence=approved, reason="Law was repealed.")
    approved.refresh_from_db()
    assert approved.status == EvidenceStatus.REVOKED
    assert (review.decision, review.comment) == ("revoke", "Law was repealed.")
    assert approved.history.first().history_change_reason == "approval revoked: Law was repealed."


def test_revoking_is_for_round_admins_and_approved_evidence_only(round_admin, reviewer, submitted):
    with pytest.raises(PermissionDenied):
        review_revoke(actor=reviewer, evidence=submitted, reason="x")
    with pytest.raises(Conflict, match="Only approved evidence"):
        review_revoke(actor=round_admin, evidence=submitted, reason="x")


def test_bulk_decisions_decide_each_item_on_its_own(reviewer, open_round, party, focal_point):
    items = [
        make_evidence(assessment_round=open_round, party=party, author=focal_point,
                      status="submitted", code=code)
        for code in ("REG-1", "REG-2", "REG-3")
    ]  # fmt: skip
    stale = items[2]
    outcomes = reviews_decide_bulk(
        actor=reviewer,
        items=[(items[0].pk, 1), (items[1].pk, 1), (stale.pk, 7), (999999, 1)],
        decision=Decision.APPROVE,
    )
    assert [outcome.decided for outcome in outcomes] == [True, True, False, False]
    assert "changed after you opened it" in outcomes[2].message
    assert Review.objects.count() == 2
    assert {e.status for e in Evidence.objects.filter(pk__in=[i.pk for i in items[:2]])} == {
        "approved"
    }
    assert all(
        Evidence.objects.get(pk=item.pk).history.first().history_user == reviewer
        for item in items[:2]
    )


def test_bulk_decisions_apply_the_conflict_rules_per_item(open_round, party, focal_point):
    double_role = UserFactory(username="double", is_reviewer=True)
    AssignmentFactory(user=double_role, party=party, role="analyst")
    evidence = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="submitted"
    )
    [outcome] = reviews_decide_bulk(
        actor=double_role, items=[(evidence.pk, 1)], decision=Decision.APPROVE
    )
    # Not the reviewer's to decide: answered as for a missing item, and nothing decided.
    assert (outcome.decided, outcome.message) == (False, "Not found.")
    assert Evidence.objects.get(pk=evidence.pk).status == "submitted"


def test_comments_form_threads(focal_point, reviewer, submitted):
    question = comment_add(actor=reviewer, evidence=submitted, body="Which decree?")
    answer = comment_add(
        actor=focal_point, evidence=submitted, body="No. 12/2025.", parent=question
    )
    assert list(question.replies.all()) == [answer]


@pytest.mark.parametrize(
    "body, message", [("  ", "Write a comment"), ("x" * 5001, "At most 5000 characters")]
)
def test_bad_comments_are_refused(reviewer, submitted, body, message):
    with pytest.raises(ValidationError, match=message):
        comment_add(actor=reviewer, evidence=submitted, body=body)
    assert not Comment.objects.exists()


def test_other_parties_cannot_comment(other_focal_point, submitted):
    with pytest.raises(PermissionDenied):
        comment_add(actor=other_focal_point, evidence=submitted, body="Hello")


def test_replies_stay_in_their_thread(reviewer, submitted, open_round, party, focal_point):
    other = make_evidence(assessment_round=open_round, party=party, author=focal_point,
                          status="submitted", code="REG-2")  # fmt: skip
    question = comment_add(actor=reviewer, evidence=other, body="?")
    with pytest.raises(ValidationError, match="same thread"):
        comment_add(actor=reviewer, evidence=submitted, body="!", parent=question)
