from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from readiness import policy
from readiness.models import AssessmentRound, Party, RoundParty, RoundStatus, SubPillar
from readiness.selectors import pillars_with_methodology
from submissions.models import OPEN_STATUSES, Document, Evidence, EvidenceStatus


def evidence_visible_to(user) -> QuerySet[Evidence]:
    return Evidence.objects.filter(policy.evidence_visibility(user))


def evidence_for_user(user, pk: int) -> Evidence:
    """The evidence if the user may see it; "not found" both when it is missing and when it is
    not theirs to see."""
    evidence = (
        evidence_visible_to(user)
        .select_related("round", "party", "sub_pillar__pillar", "created_by", "submitted_by")
        .filter(pk=pk)
        .first()
    )
    if evidence is None:
        raise Http404
    return evidence


def document_for_user(user, pk: int) -> Document:
    document = (
        Document.objects.select_related("evidence")
        .filter(pk=pk, evidence__in=evidence_visible_to(user))
        .first()
    )
    if document is None:
        raise Http404
    return document


@dataclass
class WorkspaceRow:
    sub_pillar: SubPillar
    approved: Evidence | None
    open_items: list[Evidence]

    @property
    def awarded_level(self) -> int:
        return self.approved.awarded_level if self.approved else 0

    @property
    def needs_action(self) -> bool:
        return any(item.is_editable for item in self.open_items)

    @property
    def can_start(self) -> bool:
        return not self.open_items


def workspace_rows(assessment_round: AssessmentRound, party: Party) -> list[tuple]:
    """Per pillar, a row per sub-pillar: the approved evidence behind its current score and the
    evidence still in progress. Three queries whatever the number of items."""
    evidence = Evidence.objects.filter(round=assessment_round, party=party).order_by("-updated_at")
    by_sub_pillar: dict[int, list[Evidence]] = {}
    for item in evidence:
        by_sub_pillar.setdefault(item.sub_pillar_id, []).append(item)
    rows = []
    for pillar in pillars_with_methodology(assessment_round):
        pillar_rows = []
        for sub_pillar in pillar.sub_pillars.all():
            items = by_sub_pillar.get(sub_pillar.pk, [])
            approved = next((e for e in items if e.status == EvidenceStatus.APPROVED), None)
            pillar_rows.append(
                WorkspaceRow(sub_pillar, approved, [e for e in items if e.status in OPEN_STATUSES])
            )
        rows.append((pillar, pillar_rows))
    return rows


def workspace_entries(user) -> list[tuple[AssessmentRound, Party]]:
    """The (round, Party) pairs a focal point or analyst works on in rounds in progress."""
    memberships = (
        RoundParty.objects.filter(
            round__status__in=[RoundStatus.OPEN, RoundStatus.REVIEW],
            party_id__in=policy.assigned_party_ids(user),
        )
        .select_related("round", "party")
        .order_by("-round__slug", "party__name_en")
    )
    return [(membership.round, membership.party) for membership in memberships]


def party_evidence(assessment_round: AssessmentRound, party: Party, user) -> QuerySet[Evidence]:
    return (
        evidence_visible_to(user)
        .filter(round=assessment_round, party=party)
        .select_related("sub_pillar", "submitted_by")
    )


def import_jobs_for(user, assessment_round, limit: int = 10):
    """The latest background imports into a round that the user may see (round admins: all)."""
    from readiness import policy
    from submissions.models import ImportJob

    jobs = ImportJob.objects.filter(round=assessment_round).select_related("uploaded_by")
    if not policy.is_round_admin(user):
        jobs = jobs.filter(uploaded_by=user)
    return list(jobs.order_by("-created_at", "-pk")[:limit])
