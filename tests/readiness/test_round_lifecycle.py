import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from readiness.exceptions import InvalidTransition, RoundLocked
from readiness.models import AssessmentRound, GradeBand, RoundStatus, SubPillar
from readiness.recompute import recompute
from readiness.services import round_carry_forward, round_copy, round_transition
from readiness.tasks import close_rounds_past_deadline
from submissions.models import Evidence
from tests.factories import make_evidence, round_with_methodology

pytestmark = pytest.mark.django_db


@pytest.fixture
def previous(party, other_party, focal_point):
    assessment_round = round_with_methodology(slug="2025", status=RoundStatus.OPEN,
                                              parties=[party, other_party])  # fmt: skip
    make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                  status="approved", code="REG-1", claimed_level=3,
                  facts={"instrument_type": "law"})  # fmt: skip
    make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                  status="rejected", code="REG-2")  # fmt: skip
    recompute(assessment_round.pk)
    assessment_round.status = RoundStatus.PUBLISHED
    assessment_round.save()
    return assessment_round


def test_a_copy_takes_methodology_and_parties_less_the_excluded(round_admin, previous, party,
                                                                other_party):  # fmt: skip
    band = GradeBand.objects.get(round=previous, grade="B")
    copy = round_copy(actor=round_admin, previous=previous, name="2026", slug="2026",
                      exclude=[other_party])  # fmt: skip
    assert copy.status == RoundStatus.DRAFT and copy.previous_round == previous
    assert list(copy.parties.all()) == [party]
    assert SubPillar.objects.filter(pillar__round=copy).count() == 13
    assert GradeBand.objects.get(round=copy, grade="B").min_total_rate == band.min_total_rate
    assert previous.parties.count() == 2  # the old round is untouched


def test_opening_notifies_the_focal_points(round_admin, previous, focal_point, mailoutbox,
                                           django_capture_on_commit_callbacks):  # fmt: skip
    copy = round_copy(actor=round_admin, previous=previous, name="2026", slug="2026")
    with django_capture_on_commit_callbacks(execute=True):
        round_transition(actor=round_admin, assessment_round=copy, target=RoundStatus.OPEN)
    assert [mail.to for mail in mailoutbox] == [[focal_point.email]]
    assert "is open" in mailoutbox[0].subject


def test_carry_forward_copies_approved_evidence_as_drafts(round_admin, previous, party):
    copy = round_copy(actor=round_admin, previous=previous, name="2026", slug="2026")
    round_transition(actor=round_admin, assessment_round=copy, target=RoundStatus.OPEN)
    assert round_carry_forward(actor=round_admin, assessment_round=copy) == 1
    carried = Evidence.objects.get(round=copy)
    assert (carried.status, carried.carried_over, carried.claimed_level) == ("draft", True, 3)
    assert carried.facts == {"instrument_type": "law"}
    assert carried.history.get().history_change_reason == "carried over from 2025"
    assert round_carry_forward(actor=round_admin, assessment_round=copy) == 0  # no duplicates


def test_carry_forward_refusals(round_admin, reviewer, previous, party):
    copy = round_copy(actor=round_admin, previous=previous, name="2026", slug="2026")
    with pytest.raises(RoundLocked):
        round_carry_forward(actor=round_admin, assessment_round=copy)  # still draft
    with pytest.raises(PermissionDenied):
        round_carry_forward(actor=reviewer, assessment_round=copy)
    lonely = round_with_methodology(slug="lonely", status=RoundStatus.OPEN, parties=[party])
    with pytest.raises(InvalidTransition, match="no previous round"):
        round_carry_forward(actor=round_admin, assessment_round=lonely)
    assert not Evidence.objects.filter(round__in=[copy, lonely]).exists()


def test_rounds_past_their_deadline_close_by_themselves(party):
    late = round_with_methodology(slug="late", status=RoundStatus.OPEN, parties=[party],
                                  submission_deadline=timezone.now())  # fmt: skip
    round_with_methodology(
        slug="later",
        status=RoundStatus.OPEN,
        parties=[party],
        submission_deadline=timezone.now() + timezone.timedelta(days=1),
    )
    assert close_rounds_past_deadline() == ["late"]
    late.refresh_from_db()
    assert late.status == RoundStatus.REVIEW
    assert late.history.first().history_user.username == "system"
    assert AssessmentRound.objects.get(slug="later").status == RoundStatus.OPEN


def test_round_admins_create_rounds_from_a_page(client, round_admin, previous, other_party):
    client.force_login(round_admin)
    response = client.post(
        reverse("round-create"),
        {"name": "Assessment 2026", "slug": "2026", "copy_from": previous.pk, "exclude": "tha"},
    )
    assert response["Location"] == reverse("round-detail", args=["2026"])
    assert not AssessmentRound.objects.get(slug="2026").parties.filter(code="THA").exists()


def test_the_create_page_explains_bad_input_and_saves_nothing(client, round_admin, previous):
    client.force_login(round_admin)
    response = client.post(reverse("round-create"),
                           {"name": "Again", "slug": "2025", "exclude": "ZZZ"})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400 and "Unknown Party codes: ZZZ" in page
    assert AssessmentRound.objects.count() == 1


def test_membership_page_adds_and_removes_with_a_reason(client, round_admin, party, other_party):
    current = round_with_methodology(slug="2026", parties=[party])
    client.force_login(round_admin)
    client.post(reverse("round-membership", args=["2026"]),
                {"add": "THA", "remove": "GHA", "reason": "THA joined, GHA left"})  # fmt: skip
    assert list(current.parties.values_list("code", flat=True)) == ["THA"]


def test_comparison_counts_grade_transitions(client, round_admin, previous, party, focal_point):
    later = round_copy(actor=round_admin, previous=previous, name="2026", slug="2026")
    recompute(later.pk)
    client.force_login(round_admin)
    response = client.get(reverse("round-compare") + "?from=2025&to=2026")
    comparison = response.context["comparison"]
    assert comparison.matrix[-1] == ("D", [0, 0, 0, 2], 2)
    ghana = next(change for change in comparison.parties if change.party.code == "GHA")
    assert ghana.delta < 0  # its REG-1 approval is not in 2026 yet


def test_the_checklist_lists_pending_evidence_and_parties_without_any(client, round_admin,
                                                                      party, other_party,
                                                                      focal_point):  # fmt: skip
    current = round_with_methodology(slug="2026", status=RoundStatus.REVIEW,
                                     parties=[party, other_party])  # fmt: skip
    make_evidence(assessment_round=current, party=party, author=focal_point, status="submitted")
    client.force_login(round_admin)
    checklist = client.get(reverse("round-detail", args=["2026"])).context["checklist"]
    assert checklist.pending == 1 and not checklist.clear
    assert [p.code for p in checklist.without_evidence] == ["GHA", "THA"]


def test_methodology_problems_are_listed_and_block_opening(round_admin, party):
    from readiness.methodology_checks import methodology_problems
    from readiness.models import FactField, ScoreLevel

    draft = round_with_methodology(slug="draft", parties=[party])
    assert methodology_problems(draft) == []
    ScoreLevel.objects.filter(sub_pillar__pillar__round=draft, sub_pillar__code="IMP-6",
                              score=1).delete()  # fmt: skip
    FactField.objects.filter(sub_pillar__pillar__round=draft, key="role").update(choices=[])
    GradeBand.objects.filter(round=draft, grade="B").update(min_total_rate="0.40")
    problems = " ".join(methodology_problems(draft))
    assert "IMP-6: Levels must run 0, 1, 2" in problems
    assert "FIN-1.role: A choice fact needs at least one choice." in problems
    assert "Grades B and C cannot be told apart" in problems
    with pytest.raises(InvalidTransition, match="not complete"):
        round_transition(actor=round_admin, assessment_round=draft, target=RoundStatus.OPEN)


def test_the_draft_page_previews_the_previous_rounds_evidence(client, round_admin, previous):
    copy = round_copy(actor=round_admin, previous=previous, name="2026", slug="2026")
    GradeBand.objects.filter(round=copy, grade="D").update(label_en="Planning")
    client.force_login(round_admin)
    preview = client.get(reverse("round-detail", args=["2026"])).context["preview"]
    assert preview.before == preview.after == {"A": 0, "B": 0, "C": 0, "D": 2}
    assert preview.changed == 0
