"""A worker bootstep that records a heartbeat in the cache every few seconds, for `/healthz`.

It runs on the worker's own timer (not as a task), so it says the worker process is alive and
can reach the cache, whatever the queue holds and whether or not beat is running."""

import logging

from celery import bootsteps

logger = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_SECONDS = 10.0


def beat() -> None:
    from readiness.health import record_worker_heartbeat

    try:
        record_worker_heartbeat()
    except Exception:  # a cache outage must not stop the worker; /healthz will report it
        logger.warning("could not record the worker heartbeat", exc_info=True)


class WorkerHeartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        beat()
        self.timer_entry = worker.timer.call_repeatedly(HEARTBEAT_INTERVAL_SECONDS, beat)

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
