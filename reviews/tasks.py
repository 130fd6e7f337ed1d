from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from reviews.models import Decision, Review

OUTCOMES = {
    Decision.APPROVE: "Approved",
    Decision.REQUEST_CHANGES: "Changes requested",
    Decision.REJECT: "Rejected",
    Decision.REVOKE: "Approval revoked",
}


@shared_task(name="reviews.notify_submitter_of_decision")
def notify_submitter_of_decision(review_id: int) -> bool:
    """E-mails the submitter the decision and the reviewer's comment."""
    review = Review.objects.select_related(
        "evidence__party", "evidence__sub_pillar", "evidence__submitted_by", "reviewer"
    ).get(pk=review_id)
    evidence = review.evidence
    recipient = evidence.submitter.email
    if not recipient:
        return False
    subject = (
        f"[Article 6 tracker] {OUTCOMES[review.decision]}: "
        f"{evidence.party.name_en} {evidence.sub_pillar.code}"
    )
    lines = [
        f"Your evidence for {evidence.party.name_en}, {evidence.sub_pillar.code} "
        f"{evidence.sub_pillar.name_en}: {OUTCOMES[review.decision].lower()}.",
    ]
    if review.awarded_level is not None:
        lines.append(f"Awarded level: {review.awarded_level} (claimed {evidence.claimed_level}).")
    if review.comment:
        lines += ["", "Reviewer's comment:", review.comment]
    lines += ["", f"{settings.SITE_URL}{reverse('evidence-detail', args=[evidence.pk])}"]
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [recipient])
    return True
