from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from readiness.models.bilingual import BilingualName, localized


class Region(models.TextChoices):
    """M49 regions."""

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")


class GroupingKind(models.TextChoices):
    REGIONAL_GROUP = "regional_group", _("UNFCCC regional group")
    CATEGORY = "category", _("Party category")


class Grouping(BilingualName, models.Model):
    """A set of Parties that aggregates can be cut by (a UNFCCC regional group, LDC, SIDS...)."""

    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=GroupingKind.choices)
    name_en = models.CharField(max_length=120)
    name_zh = models.CharField(max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "order", "code"]

    def __str__(self) -> str:
        return self.name


class Party(BilingualName, models.Model):
    code = models.CharField(
        max_length=3, unique=True, help_text=_("ISO 3166-1 alpha-3 code (the EU is EUU).")
    )
    iso2 = models.CharField(max_length=2, blank=True)
    iso_numeric = models.CharField(
        max_length=3, blank=True, help_text=_("ISO 3166-1 numeric code (none for the EU).")
    )
    name_en = models.CharField(max_length=120)
    name_zh = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=10, choices=Region.choices)
    subregion_en = models.CharField(max_length=80, blank=True)
    subregion_zh = models.CharField(max_length=80, blank=True)
    is_supranational = models.BooleanField(default=False)
    groupings = models.ManyToManyField(Grouping, related_name="parties", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name

    @property
    def subregion(self) -> str:
        return localized(self, "subregion")
