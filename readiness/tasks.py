import logging

from celery import shared_task
from django.core.cache import cache
from django.db import OperationalError

logger = logging.getLogger(__name__)

# A task whose worker died is delivered again (acks_late + reject_on_worker_lost); past this
# many deliveries it is dropped, and the periodic sweep recomputes the round instead.
MAX_DELIVERIES = 5


@shared_task(name="readiness.ping")
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
        schedule_recompute(round_id)
    return stale
