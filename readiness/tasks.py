from celery import shared_task


@shared_task(name="readiness.ping")
def ping() -> str:
    """A no-op round trip through the broker and a worker (health checks, benchmarks)."""
    return "pong"
