import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class EvidenceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")
    REVOKED = "revoked", _("Revoked")


EDITABLE_STATUSES = (EvidenceStatus.DRAFT, EvidenceStatus.CHANGES_REQUESTED)
OPEN_STATUSES = (
    EvidenceStatus.DRAFT,
    EvidenceStatus.SUBMITTED,
    EvidenceStatus.CHANGES_REQUESTED,
)


class Evidence(models.Model):
    """What a focal point or analyst claims for one sub-pillar of one Party in one round."""

    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.PROTECT, related_name="evidence"
    )
    party = models.ForeignKey("readiness.Party", on_delete=models.PROTECT, related_name="evidence")
    sub_pillar = models.ForeignKey(
        "readiness.SubPillar", on_delete=models.PROTECT, related_name="evidence"
    )
    claimed_level = models.PositiveSmallIntegerField(_("claimed level"))
    awarded_level = models.PositiveSmallIntegerField(_("awarded level"), null=True, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    source_urls = models.JSONField(_("source links"), default=list, blank=True)
    is_confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Confidential evidence is never shown to the public or in open data."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EvidenceStatus.choices, default=EvidenceStatus.DRAFT
    )
    version = models.PositiveIntegerField(
        default=1, help_text=_("Increases with every change; decisions name the version decided.")
    )
    carried_over = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_created"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence_submitted",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("evidence")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "party", "sub_pillar"],
                condition=Q(status="approved"),
                name="one_approved_evidence_per_sub_pillar",
            ),
            # Two submissions waiting at once would compete: approving both replaces the first.
            models.UniqueConstraint(
                fields=["round", "party", "sub_pillar"],
                condition=Q(status="submitted"),
                name="one_submitted_evidence_per_sub_pillar",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["round", "party", "sub_pillar"]),
        ]

    def __str__(self) -> str:
        return f"{self.party.code} · {self.sub_pillar.code} · #{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def submitter(self):
        return self.submitted_by or self.created_by


def document_path(instance: "Document", filename: str) -> str:
    # The stored name is generated; the original name is kept only as data.
    return f"documents/{instance.evidence.round_id}/{uuid.uuid4().hex}.{instance.extension}"


class Document(models.Model):
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=255)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Checking the rows")
    SAVING = "saving", _("Saving")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Nothing imported")


RUNNING_IMPORT_STATUSES = (ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.SAVING)


def import_path(instance: "ImportJob", filename: str) -> str:
    return f"imports/{instance.round_id}/{uuid.uuid4().hex}.{instance.extension}"


class ImportJob(models.Model):
    """A large evidence import run by a worker: the stored file, who uploaded it, and how far
    the worker has got. The evidence it creates has its own history; this row records the
    attempt, including every problem found (row, column, reason) when nothing was saved."""

    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.PROTECT, related_name="import_jobs"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    file = models.FileField(upload_to=import_path, max_length=200)
    original_name = models.CharField(max_length=255)
    extension = models.CharField(max_length=8)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    language = models.CharField(
        max_length=10, default="en", help_text="The uploader's language, for the problems found."
    )
    withdraw_pending = models.BooleanField(
        default=False,
        help_text="The importer chose to withdraw evidence waiting for review that a row replaces.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["round", "uploaded_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.original_name} · {self.status}"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_IMPORT_STATUSES

    @property
    def percent(self) -> int:
        return 100 * self.rows_processed // self.rows_total if self.rows_total else 0
