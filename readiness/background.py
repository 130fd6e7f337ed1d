"""Queueing background work from a request without letting a broker outage fail the request."""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """Queues `task`; an unreachable broker is logged, not raised (kombu raises several types)."""
    try:
        task.delay(*args)
        return True
    except Exception:
        logger.warning("Could not queue %s%s: broker unreachable?", task.name, args, exc_info=True)
        return False


def enqueue_after_commit(task, *args) -> None:
    """Queues `task` once the current transaction commits; nothing if it rolls back."""
    transaction.on_commit(partial(enqueue, task, *args), robust=True)
