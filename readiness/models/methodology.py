from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from readiness.models.bilingual import BilingualName, localized, prefers_chinese

rate_validators = [MinValueValidator(0), MaxValueValidator(1)]


class Pillar(BilingualName, models.Model):
    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.CASCADE, related_name="pillars"
    )
    code = models.CharField(max_length=10)
    name_en = models.CharField(max_length=120)
    name_zh = models.CharField(max_length=120, blank=True)
    weight = models.DecimalField(
        max_digits=6, decimal_places=3, default=1, validators=[MinValueValidator(0.001)]
    )
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["round", "code"], name="unique_pillar")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def methodology_round(self):
        return self.round


class SubPillar(BilingualName, models.Model):
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="sub_pillars")
    code = models.CharField(max_length=10)
    name_en = models.CharField(max_length=160)
    name_zh = models.CharField(max_length=160, blank=True)
    guidance_en = models.TextField(blank=True)
    guidance_zh = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pillar__order", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["pillar", "code"], name="unique_sub_pillar")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def guidance(self) -> str:
        return localized(self, "guidance")

    @property
    def methodology_round(self):
        return self.pillar.round


class ScoreLevel(models.Model):
    sub_pillar = models.ForeignKey(SubPillar, on_delete=models.CASCADE, related_name="levels")
    score = models.PositiveSmallIntegerField()
    label_en = models.CharField(max_length=200)
    label_zh = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sub_pillar", "score"]
        constraints = [
            models.UniqueConstraint(fields=["sub_pillar", "score"], name="unique_score_level")
        ]

    def __str__(self) -> str:
        return f"{self.score} · {self.label}"

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def methodology_round(self):
        return self.sub_pillar.pillar.round


class FactKind(models.TextChoices):
    CHOICE = "choice", _("Choice")
    INTEGER = "integer", _("Whole number")
    BOOLEAN = "boolean", _("Yes / no")
    DATE = "date", _("Date")
    PARTY_LIST = "party_list", _("List of Parties")


class FactField(models.Model):
    """One typed fact that evidence for a sub-pillar fills in, e.g. the MRV standard basis."""

    sub_pillar = models.ForeignKey(SubPillar, on_delete=models.CASCADE, related_name="facts")
    key = models.SlugField(max_length=40)
    label_en = models.CharField(max_length=160)
    label_zh = models.CharField(max_length=160, blank=True)
    kind = models.CharField(max_length=12, choices=FactKind.choices)
    choices = models.JSONField(
        default=list,
        blank=True,
        help_text=_('For choice facts: [{"value": ..., "label_en": ..., "label_zh": ...}, ...]'),
    )
    min_level = models.PositiveSmallIntegerField(
        default=1, help_text=_("The fact applies to evidence claiming at least this level.")
    )
    required = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sub_pillar", "order", "key"]
        constraints = [models.UniqueConstraint(fields=["sub_pillar", "key"], name="unique_fact")]

    def __str__(self) -> str:
        return f"{self.sub_pillar.code}.{self.key}"

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def methodology_round(self):
        return self.sub_pillar.pillar.round

    def choice_label(self, value) -> str:
        for choice in self.choices:
            if choice.get("value") == value:
                chinese = choice.get("label_zh") if prefers_chinese() else ""
                return chinese or choice.get("label_en") or str(value)
        return str(value)


class GradeBand(models.Model):
    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.CASCADE, related_name="grade_bands"
    )
    grade = models.CharField(max_length=2)
    label_en = models.CharField(max_length=60)
    label_zh = models.CharField(max_length=60, blank=True)
    min_total_rate = models.DecimalField(max_digits=5, decimal_places=4, validators=rate_validators)
    min_pillar_rate = models.DecimalField(
        max_digits=5, decimal_places=4, null=True, blank=True, validators=rate_validators
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "-min_total_rate"]
        constraints = [models.UniqueConstraint(fields=["round", "grade"], name="unique_grade")]

    def __str__(self) -> str:
        return f"{self.grade} · {self.label}"

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def methodology_round(self):
        return self.round
