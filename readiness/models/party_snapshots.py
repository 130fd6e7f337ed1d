from django.db import models
from django.utils.translation import gettext_lazy as _

from readiness.models.parties import Region


class PartySnapshot(models.Model):
    """What a round publishes about one of its Parties: the register's names, region,
    sub-region and groupings as they stood when the round last took them. Rewritten from the
    register while the round is not frozen (membership or register changes, and finally at
    publication); frozen with the round after that, so renaming a Party or moving it to another
    region rewrites no published figure. No history of its own: the register's history says
    when a value changed, and a published round's rows never change."""

    round = models.ForeignKey(
        "readiness.AssessmentRound", on_delete=models.CASCADE, related_name="party_snapshots"
    )
    party = models.ForeignKey("readiness.Party", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=3)
    iso_numeric = models.CharField(max_length=3, blank=True)
    name_en = models.CharField(max_length=120)
    name_zh = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=10, choices=Region.choices)
    subregion_en = models.CharField(max_length=80, blank=True)
    subregion_zh = models.CharField(max_length=80, blank=True)
    is_supranational = models.BooleanField(default=False)
    groupings = models.JSONField(
        default=list,
        help_text=_(
            'The groupings the Party belonged to, in display order: [{"code": "ldc", "kind": '
            '"category", "name_en": "…", "name_zh": "…", "order": 0}]'
        ),
    )
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "party"], name="unique_party_snapshot")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.code}"
