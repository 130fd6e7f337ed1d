"""What a round admin checks before publishing: pending evidence, Parties without any approved
evidence, and the grade changes since the previous round."""

from dataclasses import dataclass

from readiness.comparison import PartyChange, compare
from readiness.models import AssessmentRound


@dataclass
class PublicationChecklist:
    pending: int
    without_evidence: list
    grade_changes: list[PartyChange]
    open_replies: int

    @property
    def clear(self) -> bool:
        return not self.pending and not self.open_replies


def publication_checklist(assessment_round: AssessmentRound) -> PublicationChecklist:
    from submissions.models import Evidence, EvidenceStatus

    pending = Evidence.objects.filter(
        round=assessment_round,
        status__in=[EvidenceStatus.SUBMITTED, EvidenceStatus.CHANGES_REQUESTED],
    ).count()
    with_evidence = Evidence.objects.filter(
        round=assessment_round, status=EvidenceStatus.APPROVED
    ).values("party_id")
    without = list(assessment_round.parties.exclude(pk__in=with_evidence).order_by("name_en"))
    changes = []
    if assessment_round.previous_round_id:
        changes = [
            change
            for change in compare(assessment_round.previous_round, assessment_round).parties
            if change.grade_changed
        ]
    from reviews.models import Reply, ReplyStatus

    open_replies = Reply.objects.filter(round=assessment_round, status=ReplyStatus.OPEN).count()
    return PublicationChecklist(pending, without, changes, open_replies)
