from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxKind(models.TextChoices):
    ROUND_OPENED = "round_opened", _("Round opened")
    EVIDENCE_SUBMITTED = "evidence_submitted", _("Evidence submitted")
    EVIDENCE_IMPORTED = "evidence_imported", _("Evidence imported")
    DECISION = "decision", _("Decision on evidence")


class OutboxMessage(models.Model):
    """One e-mail to one address, written in the transaction of the change that causes it and
    sent from here by readiness.outbox (a transactional outbox): a broker outage, a worker crash
    or an SMTP failure delays it, nothing loses it. Subject and body are rendered when the change
    is made. Sent at least once: a crash between the SMTP hand-over and the commit of `sent_at`
    sends it again."""

    kind = models.CharField(_("kind"), max_length=30, choices=OutboxKind.choices)
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Set instead of sending when the change was made where no mail may go out (setup_demo).
    discarded = models.CharField(_("not sent because"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True),
                name="outbox_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"

    @property
    def delivered(self) -> bool:
        return self.sent_at is not None
