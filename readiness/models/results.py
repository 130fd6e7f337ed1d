from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RoundComputation(models.Model):
    """Per round: the version of everything that can alter its results, and the version the
    stored results were computed from. Results are current when the two are equal."""

    round = models.OneToOneField(
        "readiness.AssessmentRound",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="computation",
    )
    evidence_version = models.PositiveBigIntegerField(default=0)
    results_version = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    compute_count = models.PositiveIntegerField(
        default=0, help_text=_("How many recomputes actually wrote results.")
    )
    last_duration_ms = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return (
            f"{self.round_id}: evidence v{self.evidence_version}, results v{self.results_version}"
        )

    @property
    def is_current(self) -> bool:
        return self.results_version >= self.evidence_version


class ChangeKind(models.TextChoices):
    DECISION = "decision", _("Decision")
    REVOCATION = "revocation", _("Approval revoked")
    METHODOLOGY = "methodology", _("Methodology changed")
    MEMBERSHIP = "membership", _("Membership changed")
    REGISTER = "register", _("Party register changed")
    MANUAL = "manual", _("Recompute requested")


class RoundChange(models.Model):
    """Why the evidence version of a round moved: the cause recorded beside each bump, so a grade
    change can name the decision behind it. Append-only."""

    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.CASCADE, related_name="changes"
    )
    version = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    party = models.ForeignKey(
        "readiness.Party", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    evidence = models.ForeignKey(
        "submissions.Evidence", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    review = models.ForeignKey(
        "reviews.Review", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "version"]
        indexes = [models.Index(fields=["round", "version"])]

    def __str__(self) -> str:
        return f"{self.round_id} v{self.version}: {self.description}"


class PartyResult(models.Model):
    """A Party's computed score in a round. `as_of_version` is the evidence version whose
    recompute last changed these values; history rows exist only for real changes."""

    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.CASCADE, related_name="party_results"
    )
    party = models.ForeignKey("readiness.Party", on_delete=models.PROTECT, related_name="results")
    total_rate = models.DecimalField(max_digits=7, decimal_places=6)
    grade = models.CharField(max_length=2)
    pillars = models.JSONField(
        default=dict, help_text='{"REG": {"score": 5, "max_score": 9, "rate": "0.555556"}}'
    )
    sub_pillars = models.JSONField(
        default=dict,
        help_text='{"REG-1": {"level": 2, "evidence_id": 7}}: the evidence behind each score',
    )
    as_of_version = models.PositiveBigIntegerField()
    fingerprint = models.CharField(
        max_length=40, help_text="SHA-1 of the values, to find changed rows without reading them"
    )
    history = HistoricalRecords(excluded_fields=["fingerprint"])

    class Meta:
        ordering = ["round", "party__name_en"]
        constraints = [
            models.UniqueConstraint(fields=["round", "party"], name="unique_party_result")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.party_id} · {self.grade}"


class AggregateResult(models.Model):
    """Pillar ASRs, grade counts and fact statistics over a set of a round's Parties: the
    world, each M49 region, each grouping."""

    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.CASCADE, related_name="aggregates"
    )
    key = models.CharField(max_length=60, help_text='"world", "region:asia", "grouping:ldc"')
    party_count = models.PositiveIntegerField()
    pillar_asr = models.JSONField(default=dict)
    total_asr = models.DecimalField(max_digits=7, decimal_places=6, null=True)
    grade_counts = models.JSONField(default=dict)
    statistics = models.JSONField(default=dict)
    as_of_version = models.PositiveBigIntegerField()
    fingerprint = models.CharField(max_length=40)
    history = HistoricalRecords(excluded_fields=["fingerprint"])

    class Meta:
        ordering = ["round", "key"]
        constraints = [
            models.UniqueConstraint(fields=["round", "key"], name="unique_aggregate_result")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.key}"
