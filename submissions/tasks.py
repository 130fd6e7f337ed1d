import logging

from celery import shared_task

logger = logging.getLogger(__name__)


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


@shared_task(name="submissions.requeue_stalled_imports")
def requeue_stalled_imports() -> int:
    """The beat's safety net for imports whose task was never delivered or whose worker died."""
    from submissions.import_jobs import import_jobs_requeue_stalled

    return import_jobs_requeue_stalled()
