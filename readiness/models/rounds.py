from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for submissions")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# target status -> the statuses it may be reached from
ROUND_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RoundStatus.OPEN: (RoundStatus.DRAFT, RoundStatus.REVIEW),
    RoundStatus.REVIEW: (RoundStatus.OPEN,),
    RoundStatus.PUBLISHED: (RoundStatus.REVIEW,),
    RoundStatus.ARCHIVED: (RoundStatus.PUBLISHED,),
}

FROZEN_STATUSES = (RoundStatus.PUBLISHED, RoundStatus.ARCHIVED)
ACTIVE_STATUSES = (RoundStatus.OPEN, RoundStatus.REVIEW)


class AssessmentRound(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    data_cutoff = models.DateField(_("data cut-off date"), null=True, blank=True)
    submission_deadline = models.DateTimeField(_("submission deadline"), null=True, blank=True)
    reply_deadline = models.DateTimeField(
        _("right of reply until"),
        null=True,
        blank=True,
        help_text=_("While the round is in review, focal points may contest levels until then."),
    )
    previous_round = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_rounds"
    )
    parties = models.ManyToManyField(
        "readiness.Party", through="RoundParty", related_name="rounds", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    @property
    def is_public(self) -> bool:
        return self.status in FROZEN_STATUSES

    @property
    def accepts_evidence(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def reply_open(self) -> bool:
        """In review, with a right-of-reply window that has not closed."""
        return (
            self.status == RoundStatus.REVIEW
            and self.reply_deadline is not None
            and timezone.now() <= self.reply_deadline
        )

    @property
    def methodology_editable(self) -> bool:
        return self.status == RoundStatus.DRAFT

    def allowed_targets(self) -> list[str]:
        return [target for target, sources in ROUND_TRANSITIONS.items() if self.status in sources]


class RoundParty(models.Model):
    """Membership of a Party in a round; per round, so a Party can leave later rounds."""

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="memberships")
    party = models.ForeignKey("readiness.Party", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "party"], name="unique_round_party")
        ]

    def __str__(self) -> str:
        return f"{self.round.slug} · {self.party.code}"
