"""E-mails to reviewers about new evidence, written to the outbox in the transaction of the
submission or import (readiness.outbox)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from readiness import policy
from readiness.models import AssessmentRound, OutboxKind
from readiness.outbox import outbox_enqueue
from submissions.models import Evidence


def _active_reviewers():
    return get_user_model().objects.filter(is_reviewer=True, is_active=True).exclude(email="")


def notify_reviewers_of_submission(evidence: Evidence) -> int:
    """Tells every reviewer who may decide the submission."""
    recipients = [user.email for user in _active_reviewers() if policy.can_decide(user, evidence)]
    return outbox_enqueue(
        kind=OutboxKind.EVIDENCE_SUBMITTED,
        recipients=recipients,
        subject=(
            f"[Article 6 tracker] New evidence: {evidence.party.name_en} {evidence.sub_pillar.code}"
        ),
        body=(
            f"{evidence.submitted_by} submitted evidence for {evidence.party.name_en}, "
            f"{evidence.sub_pillar.code} {evidence.sub_pillar.name_en} "
            f"({evidence.round.name}), claiming level {evidence.claimed_level}.\n\n"
            f"Review it: {settings.SITE_URL}{reverse('evidence-detail', args=[evidence.pk])}\n"
        ),
    )


def notify_reviewers_of_import(assessment_round: AssessmentRound, count: int) -> int:
    """One e-mail to each reviewer for a whole import, rather than one per row."""
    return outbox_enqueue(
        kind=OutboxKind.EVIDENCE_IMPORTED,
        recipients=_active_reviewers().values_list("email", flat=True),
        subject=f"[Article 6 tracker] {count} pieces of evidence imported",
        body=(
            f"{count} pieces of evidence were imported into {assessment_round.name} and wait "
            f"for review: {settings.SITE_URL}{reverse('review-queue')}"
            f"?round={assessment_round.pk}\n"
        ),
    )
