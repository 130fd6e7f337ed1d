import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.urls import reverse

from readiness import policy
from submissions.models import Evidence

logger = logging.getLogger(__name__)


@shared_task(name="submissions.notify_reviewers_of_submission")
def notify_reviewers_of_submission(evidence_id: int) -> int:
    """E-mails every reviewer who may decide the new submission; returns how many."""
    evidence = Evidence.objects.select_related("party", "sub_pillar", "round", "submitted_by").get(
        pk=evidence_id
    )
    reviewers = get_user_model().objects.filter(is_reviewer=True, is_active=True).exclude(email="")
    recipients = [user.email for user in reviewers if policy.can_decide(user, evidence)]
    if not recipients:
        return 0
    subject = (
        f"[Article 6 tracker] New evidence: {evidence.party.name_en} {evidence.sub_pillar.code}"
    )
    body = (
        f"{evidence.submitted_by} submitted evidence for {evidence.party.name_en}, "
        f"{evidence.sub_pillar.code} {evidence.sub_pillar.name_en} "
        f"({evidence.round.name}), claiming level {evidence.claimed_level}.\n\n"
        f"Review it: {settings.SITE_URL}{reverse('evidence-detail', args=[evidence.pk])}\n"
    )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in recipients]
    return send_mass_mail(messages, fail_silently=False)


@shared_task(name="submissions.notify_reviewers_of_import")
def notify_reviewers_of_import(round_id: int, count: int) -> int:
    """One e-mail to the reviewers for a whole import, rather than one per row."""
    from readiness.models import AssessmentRound

    assessment_round = AssessmentRound.objects.get(pk=round_id)
    recipients = list(
        get_user_model()
        .objects.filter(is_reviewer=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    subject = f"[Article 6 tracker] {count} pieces of evidence imported"
    body = (
        f"{count} pieces of evidence were imported into {assessment_round.name} and wait for "
        f"review: {settings.SITE_URL}{reverse('review-queue')}?round={round_id}\n"
    )
    return send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [a]) for a in recipients])


@shared_task(name="submissions.run_import_job")
def run_import_job(job_id: int) -> str:
    """A large import (submissions.import_jobs); returns the job's final status."""
    from submissions.import_jobs import import_job_fail_unexpectedly, import_job_run

    try:
        return import_job_run(job_id).status
    except Exception:
        logger.exception("Import job %s failed", job_id)
        import_job_fail_unexpectedly(job_id)
        raise
