from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

SYSTEM_USERNAME = "system"


class User(AbstractUser):
    """An account. Roles: reviewer and round admin are flags; focal point and analyst are
    per-Party assignments (PartyAssignment)."""

    is_reviewer = models.BooleanField(_("reviewer"), default=False)
    is_round_admin = models.BooleanField(_("round admin"), default=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["username"]

    @property
    def is_system(self) -> bool:
        return self.username == SYSTEM_USERNAME


class AssignmentRole(models.TextChoices):
    FOCAL_POINT = "focal_point", _("National focal point")
    ANALYST = "analyst", _("Analyst")


class PartyAssignment(models.Model):
    """Links a focal point or an analyst to a Party they work on."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    party = models.ForeignKey("readiness.Party", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20, choices=AssignmentRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "party", "role"], name="unique_assignment")
        ]
        ordering = ["party__name_en", "role"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.party.code}"
