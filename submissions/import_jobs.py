"""Large evidence imports, run by a worker with their progress recorded on an ImportJob.

The rules are those of the import in the request (submissions.imports): every row is checked
and every problem recorded before anything is saved; then all rows are saved, as submitted
evidence with the uploader as submitter, or none. The rows are checked once with the progress
written after each step (so the job page can show it), and once more inside the saving
transaction with the round locked, so that a change to the round in between cannot slip in."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from readiness import policy
from readiness.background import enqueue, enqueue_after_commit
from readiness.exceptions import DomainError
from readiness.models import AssessmentRound, User
from submissions.imports import check_rows, read_records, save_rows
from submissions.models import ImportJob, ImportStatus
from submissions.services import require_round_accepts
from submissions.uploads import validate_upload

logger = logging.getLogger(__name__)

RUNNING_AFTER_CLAIM = (ImportStatus.VALIDATING, ImportStatus.SAVING)


@transaction.atomic
def import_job_create(
    *,
    actor: User,
    assessment_round: AssessmentRound,
    uploaded_file,
    rows_total: int = 0,
    withdraw_pending: bool = False,
) -> ImportJob:
    """Stores the upload and queues its import (after commit). `withdraw_pending`: the
    importer's explicit choice to withdraw evidence waiting for review that a row replaces,
    kept on the job so that a re-queued run makes the same choice."""
    policy.require(
        policy.can_start_import(actor), _("Only round admins, focal points and analysts import.")
    )
    upload = validate_upload(uploaded_file)
    if upload.extension not in ("csv", "xlsx"):
        raise ValidationError({"file": _("Import a CSV or XLSX file built on the template.")})
    locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    require_round_accepts(locked, review_too=False)
    job = ImportJob(round=locked, uploaded_by=actor, original_name=upload.original_name,
                    extension=upload.extension, rows_total=rows_total,
                    language=translation.get_language() or "en",
                    withdraw_pending=withdraw_pending)  # fmt: skip
    job.file.save(f"import.{upload.extension}", uploaded_file, save=False)
    job.save()
    from submissions.tasks import run_import_job

    enqueue_after_commit(run_import_job, job.pk)
    return job


def _update(job: ImportJob, **fields) -> None:
    """Writes progress at once (outside any transaction), so that the job page sees it."""
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _record_progress(job: ImportJob, rows_processed: int) -> None:
    _update(job, rows_processed=rows_processed)


def _fail(job: ImportJob, *, problems=(), error: str = "") -> ImportJob:
    _update(
        job,
        status=ImportStatus.FAILED,
        problems=[{"row": p.row, "column": p.column, "reason": p.reason} for p in problems],
        error=error,
        finished_at=timezone.now(),
    )
    return job


class _RowsRefused(Exception):
    def __init__(self, problems):
        self.problems = problems


def import_job_run(job_id: int) -> ImportJob:
    """Runs a job to the end, in the uploader's language (the problems found are stored as
    text). Only a run that claims the job goes on (`_claim`), so a task delivered twice, or
    re-queued by the sweep while the first delivery waits, imports once."""
    if not _claim(job_id):
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("round", "uploaded_by").get(pk=job_id)
    with translation.override(job.language):
        return _run(job, job.withdraw_pending)


def _claim(job_id: int) -> bool:
    """Moves a queued job to "checking" in one statement: of two runs, one wins. A job left
    checking or saving longer than a task may live (its worker died: CELERY_TASK_TIME_LIMIT)
    may be claimed again; its saving transaction never committed."""
    dead_before = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    abandoned = Q(status__in=RUNNING_AFTER_CLAIM, started_at__lt=dead_before)
    claimable = Q(status=ImportStatus.QUEUED) | abandoned
    return bool(
        ImportJob.objects.filter(claimable, pk=job_id).update(
            status=ImportStatus.VALIDATING,
            started_at=timezone.now(),
            rows_processed=0,
            problems=[],
            error="",
        )
    )


def import_jobs_requeue_stalled() -> int:
    """Queues again every job that no worker has claimed for STALLED_IMPORT_SECONDS (the broker
    was down when it was created, or the queue was purged) or whose worker died; returns how
    many. Run by the beat: an import waits through an outage instead of staying queued."""
    from submissions.tasks import run_import_job

    now = timezone.now()
    unclaimed = Q(
        status=ImportStatus.QUEUED,
        created_at__lt=now - timedelta(seconds=settings.STALLED_IMPORT_SECONDS),
    )
    dead = Q(
        status__in=RUNNING_AFTER_CLAIM,
        started_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60),
    )
    job_ids = list(ImportJob.objects.filter(unclaimed | dead).values_list("pk", flat=True))
    return sum(enqueue(run_import_job, job_id) for job_id in job_ids)


def _run(job: ImportJob, withdraw_pending: bool) -> ImportJob:
    actor = job.uploaded_by
    try:
        with job.file.open("rb") as stored:
            records = read_records(stored, job.extension, job.round)
    except ValidationError as error:
        return _fail(job, error=" ".join(error.messages))
    _update(job, rows_total=len(records))
    _plan, problems = check_rows(
        actor=actor,
        assessment_round=job.round,
        records=records,
        withdraw_pending=withdraw_pending,
        progress=lambda count: _record_progress(job, count),
    )
    if problems:
        return _fail(job, problems=problems)
    _update(job, status=ImportStatus.SAVING)
    try:
        with transaction.atomic():
            locked = AssessmentRound.objects.select_for_update().get(pk=job.round_id)
            require_round_accepts(locked, review_too=False)
            plan, problems = check_rows(actor=actor, assessment_round=locked, records=records,
                                        withdraw_pending=withdraw_pending)  # fmt: skip
            if problems:
                raise _RowsRefused(problems)
            created, _withdrawn = save_rows(actor=actor, assessment_round=locked, plan=plan,
                                            source_name=job.original_name)  # fmt: skip
            _update(job, status=ImportStatus.DONE, created_count=created,
                    finished_at=timezone.now())  # fmt: skip
    except _RowsRefused as refusal:
        return _fail(job, problems=refusal.problems)
    except DomainError as error:
        return _fail(job, error=error.message)
    return job


def import_job_fail_unexpectedly(job_id: int) -> None:
    """The worker hit an error it cannot explain: the job says so instead of running forever."""
    job = ImportJob.objects.get(pk=job_id)
    if job.is_running:
        _fail(job, error=_("The import stopped because of an internal error; nothing was saved."))
