"""The e-mails the core sends, rendered when the change is made and written to the outbox in
its transaction (readiness.outbox). Users have no language preference: they are in English."""

from django.conf import settings
from django.urls import reverse

from readiness.models import AssessmentRound, OutboxKind, PartyAssignment
from readiness.outbox import outbox_enqueue


def notify_round_opened(assessment_round: AssessmentRound) -> int:
    """Tells the focal points and analysts of the round's Parties that it is open."""
    members = assessment_round.memberships.values_list("party_id", flat=True)
    recipients = (
        PartyAssignment.objects.filter(party_id__in=members, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    deadline = (
        f" Submissions close on {assessment_round.submission_deadline:%Y-%m-%d %H:%M} UTC."
        if assessment_round.submission_deadline
        else ""
    )
    return outbox_enqueue(
        kind=OutboxKind.ROUND_OPENED,
        recipients=recipients,
        subject=f"[Article 6 tracker] {assessment_round.name} is open",
        body=(
            f"{assessment_round.name} is open for evidence.{deadline}\n\n"
            f"Your workspace: {settings.SITE_URL}{reverse('workspace')}\n"
        ),
    )
