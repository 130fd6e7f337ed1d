from django.core.exceptions import ValidationError
from django.db import models, transaction

from readiness import policy
from readiness.exceptions import RoundLocked
from readiness.history import tracked_delete, tracked_save
from readiness.models import (
    AssessmentRound,
    FactField,
    GradeBand,
    Pillar,
    ScoreLevel,
    SubPillar,
    User,
)

METHODOLOGY_MODELS = (Pillar, SubPillar, ScoreLevel, FactField, GradeBand)


def _lock_editable_round(actor: User, assessment_round: AssessmentRound) -> AssessmentRound:
    policy.require(policy.can_manage_rounds(actor), "Only round admins may change a methodology.")
    locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    if not locked.methodology_editable:
        raise RoundLocked(
            f"The methodology of “{locked.name}” can no longer change: the round is "
            f"{locked.get_status_display().lower()}, and methodology is editable only in draft."
        )
    return locked


@transaction.atomic
def methodology_load(*, actor: User, assessment_round: AssessmentRound, definition: dict) -> None:
    """Creates a draft round's pillars, sub-pillars, levels, facts and grade bands from a
    definition shaped like readiness.methodology_v1 (PILLARS and BANDS)."""
    locked = _lock_editable_round(actor, assessment_round)
    if locked.pillars.exists() or locked.grade_bands.exists():
        raise ValidationError("This round already has a methodology.")
    reason = "methodology loaded"

    def create(instance: models.Model) -> models.Model:
        instance.full_clean()
        tracked_save(instance, actor=actor, reason=reason)
        return instance

    for pillar_order, pillar_data in enumerate(definition["pillars"]):
        pillar = create(
            Pillar(
                round=locked,
                code=pillar_data["code"],
                name_en=pillar_data["name_en"],
                name_zh=pillar_data.get("name_zh", ""),
                weight=pillar_data.get("weight", 1),
                order=pillar_order,
            )
        )
        for sub_order, sub_data in enumerate(pillar_data["sub_pillars"]):
            sub_pillar = create(
                SubPillar(
                    pillar=pillar,
                    code=sub_data["code"],
                    name_en=sub_data["name_en"],
                    name_zh=sub_data.get("name_zh", ""),
                    guidance_en=sub_data.get("guidance_en", ""),
                    guidance_zh=sub_data.get("guidance_zh", ""),
                    order=sub_order,
                )
            )
            for level in sub_data["levels"]:
                create(ScoreLevel(sub_pillar=sub_pillar, **level))
            for fact_order, fact in enumerate(sub_data.get("facts", [])):
                create(FactField(sub_pillar=sub_pillar, order=fact_order, **fact))
    for band in definition["bands"]:
        create(GradeBand(round=locked, **band))


@transaction.atomic
def methodology_item_save(*, actor: User, item: models.Model, reason: str = "") -> models.Model:
    """Saves one methodology row (pillar, sub-pillar, level, fact or grade band) of a draft
    round."""
    if not isinstance(item, METHODOLOGY_MODELS):
        raise TypeError(f"{type(item).__name__} is not part of a methodology.")
    _lock_editable_round(actor, item.methodology_round)
    item.full_clean()
    verb = "added" if item.pk is None else "edited"
    tracked_save(item, actor=actor, reason=reason or f"methodology {verb}")
    return item


@transaction.atomic
def methodology_item_delete(*, actor: User, item: models.Model, reason: str = "") -> None:
    if not isinstance(item, METHODOLOGY_MODELS):
        raise TypeError(f"{type(item).__name__} is not part of a methodology.")
    _lock_editable_round(actor, item.methodology_round)
    tracked_delete(item, actor=actor, reason=reason or "methodology item removed")
