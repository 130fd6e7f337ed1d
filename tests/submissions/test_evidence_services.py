import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from readiness.exceptions import Conflict, RoundLocked
from readiness.models import RoundStatus
from submissions.models import Evidence, EvidenceStatus
from submissions.services import (
    evidence_create,
    evidence_submit,
    evidence_update,
    evidence_withdraw,
)
from tests.factories import make_evidence, round_with_methodology, sub_pillar_of

pytestmark = pytest.mark.django_db


def create(actor, assessment_round, party, code="REG-1", **fields):
    values = {
        "claimed_level": 2,
        "narrative": "Draft Article 6 regulation published in March.",
        "source_urls": ["https://example.org/draft"],
        "facts": {"instrument_type": "regulation"},
        **fields,
    }
    return evidence_create(
        actor=actor,
        assessment_round=assessment_round,
        party=party,
        sub_pillar=sub_pillar_of(assessment_round, code),
        **values,
    )


@pytest.mark.parametrize("role", ["focal_point", "analyst"])
def test_focal_points_and_analysts_create_drafts_with_history(request, role, open_round, party):
    actor = request.getfixturevalue(role)
    evidence = create(actor, open_round, party)
    assert evidence.status == EvidenceStatus.DRAFT and evidence.version == 1
    assert evidence.facts == {"instrument_type": "regulation"}
    record = evidence.history.get()
    assert (record.history_user, record.history_change_reason) == (actor, "draft created")


@pytest.mark.parametrize(
    "role", ["other_focal_point", "other_analyst", "reviewer", "round_admin", "registered_user"]
)
def test_only_the_partys_team_creates_evidence(request, role, open_round, party):
    with pytest.raises(PermissionDenied):
        create(request.getfixturevalue(role), open_round, party)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.REVIEW, RoundStatus.PUBLISHED])
def test_evidence_is_created_only_in_an_open_round(focal_point, party, status):
    assessment_round = round_with_methodology(status=status, parties=[party])
    with pytest.raises(RoundLocked, match="cannot change now"):
        create(focal_point, assessment_round, party)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "fields, field_name",
    [
        ({"claimed_level": 7}, "claimed_level"),
        ({"facts": {"instrument_type": "poem"}}, "fact_instrument_type"),
        ({"facts": {"unknown": 1}}, "facts"),
        ({"source_urls": ["javascript:alert(1)"]}, "source_urls"),
        ({"source_urls": ["ftp://example.org/x"]}, "source_urls"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_saves_nothing(
    focal_point, open_round, party, fields, field_name
):
    with pytest.raises(ValidationError) as error:
        create(focal_point, open_round, party, **fields)
    assert field_name in error.value.message_dict
    assert not Evidence.objects.exists()


def test_a_fact_above_the_claimed_level_is_refused_not_dropped(focal_point, open_round, party):
    with pytest.raises(ValidationError) as error:
        create(
            focal_point,
            open_round,
            party,
            code="INF-1",
            claimed_level=1,
            facts={"standard_basis": "own"},  # applies from level 2 (operational)
        )
    assert "applies from level 2" in error.value.message_dict["fact_standard_basis"][0]
    assert not Evidence.objects.exists()


def test_typed_facts_are_normalised(focal_point, open_round, party, other_party):
    evidence = create(
        focal_point,
        open_round,
        party,
        code="IMP-2",
        claimed_level=1,
        facts={"counterparts": ["tha", "GHA", "THA"]},
    )
    assert evidence.facts == {"counterparts": ["GHA", "THA"]}
    with pytest.raises(ValidationError, match="unknown Party codes"):
        create(focal_point, open_round, party, code="IMP-2", facts={"counterparts": ["ZZZ"]})


def test_a_party_outside_the_round_is_refused(focal_point, party, other_party):
    assessment_round = round_with_methodology(status=RoundStatus.OPEN, parties=[other_party])
    with pytest.raises(ValidationError, match="not part of"):
        create(focal_point, assessment_round, party)


def test_update_bumps_the_version_and_records_the_change(focal_point, open_round, party):
    evidence = create(focal_point, open_round, party)
    updated = evidence_update(
        actor=focal_point,
        evidence=evidence,
        expected_version=1,
        claimed_level=3,
        narrative="Adopted by decree.",
        facts={"instrument_type": "law", "adoption_date": "2025-03-01"},
        source_urls=["https://example.org/decree"],
        is_confidential=True,
    )
    assert (updated.version, updated.claimed_level, updated.is_confidential) == (2, 3, True)
    record = updated.history.first()
    assert record.history_change_reason == "edited" and record.history_user == focal_point
    delta = record.diff_against(record.prev_record)
    assert {change.field for change in delta.changes} >= {"claimed_level", "narrative", "version"}


def test_an_update_from_a_stale_page_is_a_conflict(focal_point, analyst, open_round, party):
    evidence = create(focal_point, open_round, party)
    fields = {"claimed_level": 2, "narrative": "x", "facts": {}, "source_urls": [],
              "is_confidential": False}  # fmt: skip
    evidence_update(actor=analyst, evidence=evidence, expected_version=1, **fields)
    with pytest.raises(Conflict, match="changed after you opened it"):
        evidence_update(actor=focal_point, evidence=evidence, expected_version=1, **fields)
    evidence.refresh_from_db()
    assert evidence.version == 2


def test_submit_sends_to_reviewers_and_notifies_them(
    focal_point, reviewer, open_round, party, mailoutbox, django_capture_on_commit_callbacks
):
    evidence = create(focal_point, open_round, party)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submitted = evidence_submit(actor=focal_point, evidence=evidence, expected_version=1)
    assert submitted.status == EvidenceStatus.SUBMITTED and submitted.submitted_by == focal_point
    assert submitted.history.first().history_change_reason == "submitted"
    assert len(callbacks) == 1
    assert [mail.to for mail in mailoutbox] == [[reviewer.email]]
    assert "Ghana" in mailoutbox[0].subject


def test_a_rolled_back_submission_notifies_nobody(
    focal_point, reviewer, open_round, party, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import transaction

    evidence = create(focal_point, open_round, party)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        evidence_submit(actor=focal_point, evidence=evidence)
        raise RuntimeError("boom")
    assert callbacks == [] and mailoutbox == []
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.DRAFT


def test_incomplete_evidence_cannot_be_submitted(focal_point, open_round, party):
    evidence = create(focal_point, open_round, party, narrative="", source_urls=[])
    with pytest.raises(ValidationError) as error:
        evidence_submit(actor=focal_point, evidence=evidence)
    assert "narrative" in " ".join(error.value.messages)
    assert "source link or document" in " ".join(error.value.messages)
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.DRAFT


@pytest.mark.parametrize(
    "status", [EvidenceStatus.SUBMITTED, EvidenceStatus.APPROVED, EvidenceStatus.WITHDRAWN]
)
def test_only_drafts_and_change_requests_can_be_submitted_or_edited(
    focal_point, open_round, party, status
):
    evidence = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status=status
    )
    with pytest.raises(Conflict):
        evidence_submit(actor=focal_point, evidence=evidence)
    assert Evidence.objects.get(pk=evidence.pk).status == status


def test_answering_a_change_request_is_allowed_in_review(focal_point, party):
    assessment_round = round_with_methodology(status=RoundStatus.REVIEW, parties=[party])
    evidence = make_evidence(
        assessment_round=assessment_round,
        party=party,
        author=focal_point,
        status=EvidenceStatus.CHANGES_REQUESTED,
    )
    resubmitted = evidence_submit(actor=focal_point, evidence=evidence)
    assert resubmitted.status == EvidenceStatus.SUBMITTED
    assert resubmitted.history.first().history_change_reason == "resubmitted after changes"


def test_nothing_changes_in_a_published_round(focal_point, party):
    assessment_round = round_with_methodology(status=RoundStatus.PUBLISHED, parties=[party])
    evidence = make_evidence(assessment_round=assessment_round, party=party, author=focal_point)
    with pytest.raises(RoundLocked):
        evidence_submit(actor=focal_point, evidence=evidence)
    with pytest.raises(RoundLocked):
        evidence_withdraw(actor=focal_point, evidence=evidence)


@pytest.mark.parametrize("status", [EvidenceStatus.DRAFT, EvidenceStatus.SUBMITTED])
def test_withdraw_drafts_and_pending_submissions(analyst, focal_point, open_round, party, status):
    evidence = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status=status
    )
    withdrawn = evidence_withdraw(actor=analyst, evidence=evidence, reason="duplicate")
    assert withdrawn.status == EvidenceStatus.WITHDRAWN
    record = withdrawn.history.first()
    assert (record.history_user, record.history_change_reason) == (analyst, "withdrawn: duplicate")


def test_decided_evidence_cannot_be_withdrawn(focal_point, open_round, party):
    evidence = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="approved"
    )
    with pytest.raises(Conflict, match="only drafts and pending submissions"):
        evidence_withdraw(actor=focal_point, evidence=evidence)


def test_another_partys_focal_point_cannot_touch_the_evidence(
    focal_point, other_focal_point, open_round, party
):
    evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    for service in (evidence_submit, evidence_withdraw):
        with pytest.raises(PermissionDenied):
            service(actor=other_focal_point, evidence=evidence)
    assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.DRAFT
