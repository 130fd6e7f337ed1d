"""The e-mail that tells a submitter of a decision, written to the outbox in the decision's
transaction (readiness.outbox)."""

from django.conf import settings
from django.urls import reverse

from readiness.models import OutboxKind
from readiness.outbox import outbox_enqueue
from reviews.models import Decision, Review

OUTCOMES = {
    Decision.APPROVE: "Approved",
    Decision.REQUEST_CHANGES: "Changes requested",
    Decision.REJECT: "Rejected",
    Decision.REVOKE: "Approval revoked",
}


def notify_submitter_of_decision(review: Review) -> int:
    """Tells the submitter the decision and the reviewer's comment."""
    evidence = review.evidence
    outcome = OUTCOMES[review.decision]
    lines = [
        f"Your evidence for {evidence.party.name_en}, {evidence.sub_pillar.code} "
        f"{evidence.sub_pillar.name_en}: {outcome.lower()}.",
    ]
    if review.awarded_level is not None:
        lines.append(f"Awarded level: {review.awarded_level} (claimed {evidence.claimed_level}).")
    if review.comment:
        lines += ["", "Reviewer's comment:", review.comment]
    lines += ["", f"{settings.SITE_URL}{reverse('evidence-detail', args=[evidence.pk])}"]
    return outbox_enqueue(
        kind=OutboxKind.DECISION,
        recipients=[evidence.submitter.email],
        subject=(
            f"[Article 6 tracker] {outcome}: {evidence.party.name_en} {evidence.sub_pillar.code}"
        ),
        body="\n".join(lines),
    )
