"""Frozen means frozen: once a round is published nothing about it changes, whatever the path."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from readiness.exceptions import RoundLocked
from readiness.models import AssessmentRound, PartyResult, RoundStatus
from readiness.recompute import recompute
from reviews.models import Comment, Review
from reviews.services import comment_add, review_decide
from submissions.models import Evidence
from submissions.services import evidence_submit
from tests.factories import make_evidence, round_with_methodology

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(party, focal_point, reviewer):
    assessment_round = round_with_methodology(status=RoundStatus.OPEN, parties=[party])
    evidence = make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                             status="approved")  # fmt: skip
    Review.objects.create(evidence=evidence, reviewer=reviewer, decision="approve",
                          awarded_level=2, evidence_version=1)  # fmt: skip
    recompute(assessment_round.pk)
    assessment_round.status = RoundStatus.PUBLISHED
    assessment_round.save()
    return assessment_round, evidence


def refused(operation) -> None:
    with pytest.raises(DatabaseError, match="is published"), transaction.atomic():
        operation()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE submissions_evidence SET awarded_level = 3 WHERE round_id = {round}",
        "DELETE FROM submissions_evidence WHERE round_id = {round}",
        "UPDATE readiness_partyresult SET grade = 'A' WHERE round_id = {round}",
        "UPDATE readiness_aggregateresult SET party_count = 0 WHERE round_id = {round}",
        "DELETE FROM readiness_roundparty WHERE round_id = {round}",
        "UPDATE readiness_gradeband SET min_total_rate = 0.1 WHERE round_id = {round}",
        "UPDATE readiness_scorelevel SET label_en = 'x' WHERE sub_pillar_id IN (SELECT s.id "
        "FROM readiness_subpillar s JOIN readiness_pillar p ON p.id = s.pillar_id "
        "WHERE p.round_id = {round})",
        "UPDATE reviews_review SET awarded_level = 3 WHERE evidence_id = {evidence}",
        "UPDATE readiness_assessmentround SET name = 'Renamed' WHERE id = {round}",
        "UPDATE readiness_assessmentround SET status = 'open' WHERE id = {round}",
        "DELETE FROM readiness_assessmentround WHERE id = {round}",
    ],
)
def test_raw_sql_cannot_change_a_published_round(frozen, statement):
    assessment_round, evidence = frozen

    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement.format(round=assessment_round.pk, evidence=evidence.pk))

    refused(run)
    assert Evidence.objects.get(pk=evidence.pk).awarded_level == 2


@pytest.mark.postgres
def test_the_orm_cannot_change_a_published_round(frozen, focal_point, reviewer):
    assessment_round, evidence = frozen
    refused(lambda: Evidence.objects.filter(pk=evidence.pk).update(narrative="changed"))
    refused(lambda: make_new_evidence(assessment_round, evidence))
    refused(lambda: Comment.objects.create(evidence=evidence, author=reviewer, body="late"))
    refused(lambda: PartyResult.objects.filter(round=assessment_round).delete())


def make_new_evidence(assessment_round, evidence):
    Evidence.objects.create(round=assessment_round, party=evidence.party,
                            sub_pillar=evidence.sub_pillar, claimed_level=1,
                            created_by=evidence.created_by)  # fmt: skip


@pytest.mark.postgres
def test_archiving_is_the_one_change_allowed(frozen):
    assessment_round, _ = frozen
    AssessmentRound.objects.filter(pk=assessment_round.pk).update(status=RoundStatus.ARCHIVED)
    assert AssessmentRound.objects.get(pk=assessment_round.pk).status == "archived"
    refused(lambda: AssessmentRound.objects.filter(pk=assessment_round.pk).update(
        status=RoundStatus.OPEN))  # fmt: skip


def test_services_refuse_every_change(frozen, focal_point, reviewer):
    assessment_round, evidence = frozen
    with pytest.raises(RoundLocked):
        evidence_submit(actor=focal_point, evidence=evidence)
    with pytest.raises(RoundLocked):
        review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
    with pytest.raises(RoundLocked):
        comment_add(actor=reviewer, evidence=evidence, body="late")


def test_the_recompute_task_leaves_published_results_alone(frozen, party):
    assessment_round, _ = frozen
    before = list(PartyResult.objects.filter(round=assessment_round).values())
    assert not recompute(assessment_round.pk, force=True).computed
    assert list(PartyResult.objects.filter(round=assessment_round).values()) == before


def test_the_admin_offers_no_change(frozen, client, round_admin):
    _, evidence = frozen
    client.force_login(round_admin)
    url = reverse("admin:submissions_evidence_change", args=[evidence.pk])
    assert client.post(url, {"narrative": "changed"}).status_code == 403
    assert Evidence.objects.get(pk=evidence.pk).narrative != "changed"


def test_publishing_runs_a_final_recompute(round_admin, party, focal_point):
    from readiness.services import round_transition

    assessment_round = round_with_methodology(status=RoundStatus.REVIEW, parties=[party])
    make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                  status="approved", code="REG-1", claimed_level=3)  # fmt: skip
    round_transition(actor=round_admin, assessment_round=assessment_round, target="published")
    result = PartyResult.objects.get(round=assessment_round, party=party)
    assert result.sub_pillars["REG-1"]["level"] == 3
