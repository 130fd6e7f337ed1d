import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError

logger = logging.getLogger(__name__)

# A task whose worker died is delivered again (acks_late + reject_on_worker_lost); past this
# many deliveries it is dropped, and the periodic sweep recomputes the round instead.
MAX_DELIVERIES = 5


@shared_task(name="readiness.ping", ignore_result=False)  # the one result anything reads
def ping() -> str:
    """A no-op round trip through the broker and a worker (health checks, benchmarks)."""
    return "pong"


def _delivery_count(task_id: str | None) -> int:
    if not task_id:
        return 1
    key = f"task-deliveries:{task_id}"
    cache.add(key, 0, timeout=24 * 3600)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=24 * 3600)
        return 1


@shared_task(
    name="readiness.recompute_round",
    bind=True,
    priority=settings.RECOMPUTE_PRIORITY,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
)
def recompute_round(self, round_id: int) -> dict:
    """Brings a round's results up to date (idempotent; a no-op when they already are)."""
    from readiness.recompute import recompute

    deliveries = _delivery_count(self.request.id)
    if deliveries > MAX_DELIVERIES:
        logger.error("recompute of round %s dropped after %s deliveries", round_id, deliveries)
        return {"round_id": round_id, "dropped": True}
    outcome = recompute(round_id)
    return {
        "round_id": outcome.round_id,
        "version": outcome.version,
        "computed": outcome.computed,
        "duration_ms": round(outcome.duration_ms, 1),
    }


@shared_task(name="readiness.sweep_stale_rounds")
def sweep_stale_rounds() -> list[int]:
    """Queues a recompute for every round whose results lag behind its evidence, e.g. because
    the broker was down when the change was committed."""
    from readiness.recompute import schedule_recompute, stale_round_ids

    stale = stale_round_ids()
    for round_id in stale:
        schedule_recompute(round_id, coalesce=False)
    return stale


@shared_task(name="readiness.deliver_outbox", ignore_result=True)
def deliver_outbox() -> dict:
    """Sends the e-mails that are due from the outbox: queued when a change that notifies
    commits, and run by the beat every minute for whatever that missed or must retry."""
    from readiness.outbox import outbox_deliver_due

    report = outbox_deliver_due()
    return {"sent": report.sent, "failed": report.failed}


@shared_task(name="readiness.close_rounds_past_deadline")
def close_rounds_past_deadline() -> list[str]:
    """Moves every open round whose submission deadline has passed to review."""
    from django.utils import timezone

    from readiness.models import AssessmentRound, RoundStatus
    from readiness.services import round_transition, system_user

    closed = []
    for assessment_round in AssessmentRound.objects.filter(
        status=RoundStatus.OPEN, submission_deadline__lte=timezone.now()
    ):
        round_transition(
            actor=system_user(),
            assessment_round=assessment_round,
            target=RoundStatus.REVIEW,
            reason="the submission deadline passed",
        )
        closed.append(assessment_round.slug)
    return closed
