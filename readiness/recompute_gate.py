"""At most one queued recompute per round: how a burst of changes coalesces.

A change schedules a recompute only if it can claim the round's "pending" mark in the cache
(Redis in production; an atomic add). The recompute gives the mark back once it holds the
round's lock and before it reads anything, so every change committed before that moment is in
what it reads, and every change committed after it claims the mark afresh and queues another
run. Changes that find the mark taken queue nothing: the run already waiting will see them.

The mark expires after PENDING_SECONDS, so a run that is lost (dropped after too many
deliveries, a purged queue) holds the round back no longer than that; the periodic sweep
catches the round up in any case. If the cache cannot be reached, the change queues its run as
if there were no mark (the cache backend answers an unreachable Redis as an empty cache, where
`add` succeeds: readiness/redis_cache.py): coalescing is an optimisation, never a reason to
lose a recompute. A mark claimed just before Redis went away and kept by it (persistence) can
delay the changes made after Redis returns by at most PENDING_SECONDS or the next sweep. With
eager tasks (no queue: the run happens inside the request) there is nothing to coalesce and the
mark is not used.
"""

from django.core.cache import cache

PENDING_SECONDS = 60


def mark_key(round_id) -> str:
    return f"recompute-pending:{round_id}"


def in_use() -> bool:
    from readiness.celery import app

    return not app.conf.task_always_eager


def claim(round_id: int) -> bool:
    """True if the caller should queue a run (it now holds the mark, or the cache is down)."""
    if not in_use():
        return True
    return cache.add(mark_key(round_id), 1, timeout=PENDING_SECONDS)


def release(round_id: int) -> None:
    """Gives the mark back: the next change queues a new run."""
    if not in_use():
        return
    if getattr(cache, "in_outage", bool)():
        # This process saw Redis fail a moment ago and would skip it, but the mark may have
        # been claimed by another process since Redis came back: ask Redis itself, or a mark
        # left behind would hold the round's next changes back until it expires.
        cache.reachable()
    cache.delete(mark_key(round_id))  # with Redis down: the mark expires, the sweep covers
