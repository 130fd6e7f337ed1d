import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from readiness.exceptions import Conflict, RoundLocked
from readiness.models import RoundStatus
from reviews.models import Reply
from reviews.replies import reply_answer, reply_raise, reply_window_set
from submissions.models import Evidence
from tests.factories import make_evidence, round_with_methodology, sub_pillar_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(party, focal_point, round_admin):
    assessment_round = round_with_methodology(slug="2026", status=RoundStatus.REVIEW,
                                              parties=[party])  # fmt: skip
    make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                  status="approved", code="REG-1", claimed_level=2)  # fmt: skip
    return reply_window_set(actor=round_admin, assessment_round=assessment_round,
                            until=timezone.now() + timezone.timedelta(days=7))  # fmt: skip


def raise_reply(actor, assessment_round, party, level=3, statement="Adopted in May."):
    return reply_raise(actor=actor, assessment_round=assessment_round, party=party,
                       sub_pillar=sub_pillar_of(assessment_round, "REG-1"),
                       requested_level=level, statement=statement)  # fmt: skip


def test_a_focal_point_contests_a_level_and_it_is_recorded(in_review, party, focal_point):
    reply = raise_reply(focal_point, in_review, party)
    assert (reply.status, reply.requested_level) == ("open", 3)
    record = reply.history.get()
    assert (record.history_user, record.history_change_reason) == (focal_point, "reply raised")


def test_refusals_when_raising(in_review, party, focal_point, other_focal_point, round_admin):
    with pytest.raises(PermissionDenied):
        raise_reply(other_focal_point, in_review, party)
    with pytest.raises(ValidationError):
        raise_reply(focal_point, in_review, party, level=9)
    with pytest.raises(ValidationError):
        raise_reply(focal_point, in_review, party, statement=" ")
    raise_reply(focal_point, in_review, party)
    with pytest.raises(Conflict, match="already waiting"):
        raise_reply(focal_point, in_review, party)
    reply_window_set(actor=round_admin, assessment_round=in_review,
                     until=timezone.now() - timezone.timedelta(minutes=1))  # fmt: skip
    with pytest.raises(RoundLocked, match="closed"):
        raise_reply(focal_point, in_review, party, level=1)
    assert Reply.objects.count() == 1


def test_upholding_changes_nothing(in_review, party, focal_point, reviewer):
    reply = raise_reply(focal_point, in_review, party)
    answered = reply_answer(actor=reviewer, reply=reply, change=False, answer="The law is a draft.")
    assert answered.status == "upheld" and answered.new_evidence is None
    assert Evidence.objects.get(party=party).status == "approved"
    assert answered.history.first().history_user == reviewer


def test_a_change_goes_through_the_normal_decision_path(in_review, party, focal_point, reviewer):
    reply = raise_reply(focal_point, in_review, party)
    answered = reply_answer(actor=reviewer, reply=reply, change=True, answer="Agreed: decide it.")
    new = answered.new_evidence
    assert (new.status, new.claimed_level, new.submitted_by) == ("submitted", 3, focal_point)
    assert "Right of reply: Adopted in May." in new.narrative
    assert Evidence.objects.get(party=party, status="approved").claimed_level == 2


def test_answer_refusals(in_review, party, focal_point, analyst, reviewer):
    reply = raise_reply(focal_point, in_review, party)
    with pytest.raises(PermissionDenied):
        reply_answer(actor=analyst, reply=reply, change=False, answer="x")
    with pytest.raises(ValidationError):
        reply_answer(actor=reviewer, reply=reply, change=False, answer="")
    reply_answer(actor=reviewer, reply=reply, change=False, answer="No.")
    with pytest.raises(Conflict):
        reply_answer(actor=reviewer, reply=reply, change=True, answer="Yes after all.")


def test_the_window_opens_only_in_review(round_admin, party):
    open_round = round_with_methodology(slug="o", status=RoundStatus.OPEN, parties=[party])
    with pytest.raises(RoundLocked):
        reply_window_set(actor=round_admin, assessment_round=open_round, until=timezone.now())


def test_the_pages(client, in_review, party, focal_point, reviewer, round_admin):
    client.force_login(focal_point)
    assert (
        "Contest the level"
        in client.get(reverse("workspace-party", args=["2026", "GHA"])).content.decode()
    )
    client.post(reverse("reply-raise", args=["2026", "GHA", "REG-1"]),
                {"requested_level": 3, "statement": "Adopted."})  # fmt: skip
    reply = Reply.objects.get()
    client.force_login(reviewer)
    assert "Adopted." in client.get(reverse("reply-list")).content.decode()
    client.post(reverse("reply-answer", args=[reply.pk]), {"change": "no", "answer": "Draft."})
    reply.refresh_from_db()
    assert reply.status == "upheld"
    client.force_login(round_admin)
    checklist = client.get(reverse("round-detail", args=["2026"])).context["checklist"]
    assert checklist.open_replies == 0


def test_the_reviewer_who_raised_a_reply_cannot_answer_it(in_review, party, round_admin):
    from tests.factories import AssignmentFactory, UserFactory

    double = UserFactory(username="double", is_reviewer=True)
    AssignmentFactory(user=double, party=party, role="focal_point")
    reply = raise_reply(double, in_review, party)
    with pytest.raises(PermissionDenied):
        reply_answer(actor=double, reply=reply, change=False, answer="Mine.")
    reply.refresh_from_db()
    assert reply.status == "open"


def test_a_change_that_would_compete_with_evidence_waiting_for_review_is_refused(
    in_review, party, focal_point, reviewer
):
    waiting = make_evidence(assessment_round=in_review, party=party, author=focal_point,
                            status="submitted", code="REG-1", claimed_level=1)  # fmt: skip
    reply = raise_reply(focal_point, in_review, party)
    with pytest.raises(Conflict, match=f"Evidence #{waiting.pk} .* already waits for review"):
        reply_answer(actor=reviewer, reply=reply, change=True, answer="Agreed: decide it.")
    reply.refresh_from_db()
    assert reply.status == "open"
    assert Evidence.objects.filter(party=party, status="submitted").count() == 1
