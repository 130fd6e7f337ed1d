from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Reject")
    REVOKE = "revoke", _("Revoke approval")


class Review(models.Model):
    """One decision on one version of a piece of evidence. Append-only: never edited."""

    evidence = models.ForeignKey(
        "submissions.Evidence", on_delete=models.PROTECT, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    awarded_level = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    evidence_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} · {self.evidence}"


class Comment(models.Model):
    """A remark in the thread of a piece of evidence. Append-only."""

    evidence = models.ForeignKey(
        "submissions.Evidence", on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} on {self.evidence}"


class ReplyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Level upheld")
    CHANGED = "changed", _("Sent for a new decision")


class Reply(models.Model):
    """Right of reply: between review and publication a focal point contests the level awarded
    to a sub-pillar of their Party; a reviewer answers. A change of level is not made here: it
    becomes submitted evidence that goes through the normal decision path."""

    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.PROTECT, related_name="replies"
    )
    party = models.ForeignKey("readiness.Party", on_delete=models.PROTECT, related_name="+")
    sub_pillar = models.ForeignKey(
        "readiness.SubPillar", on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="replies_raised"
    )
    requested_level = models.PositiveSmallIntegerField()
    statement = models.TextField()
    status = models.CharField(max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.OPEN)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies_answered",
    )
    new_evidence = models.ForeignKey(
        "submissions.Evidence", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("replies")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "party", "sub_pillar"],
                condition=models.Q(status="open"),
                name="one_open_reply_per_sub_pillar",
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_id} · {self.sub_pillar_id} · {self.status}"
