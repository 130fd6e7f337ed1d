from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from readiness import policy
from readiness.exceptions import RoundLocked
from readiness.grading import MethodologyError, methodology_from_definition
from readiness.history import tracked_bulk_create, tracked_delete, tracked_save
from readiness.models import (
    AssessmentRound,
    ChangeKind,
    FactField,
    GradeBand,
    Pillar,
    ScoreLevel,
    SubPillar,
    User,
)
from readiness.recompute import mark_round_changed

METHODOLOGY_MODELS = (Pillar, SubPillar, ScoreLevel, FactField, GradeBand)


def _lock_editable_round(actor: User, assessment_round: AssessmentRound) -> AssessmentRound:
    policy.require(
        policy.can_manage_rounds(actor), _("Only round admins may change a methodology.")
    )
    locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    if not locked.methodology_editable:
        raise RoundLocked(
            _(
                "The methodology of “{round}” can no longer change: the round is {status}, and "
                "methodology is editable only in draft."
            ).format(round=locked.name, status=str(locked.get_status_display()).lower())
        )
    return locked


@transaction.atomic
def methodology_load(*, actor: User, assessment_round: AssessmentRound, definition: dict) -> None:
    """Creates a draft round's pillars, sub-pillars, levels, facts and grade bands from a
    definition shaped like readiness.methodology_v1 (PILLARS and BANDS). The whole definition is
    checked first; an invalid one saves nothing."""
    locked = _lock_editable_round(actor, assessment_round)
    if locked.pillars.exists() or locked.grade_bands.exists():
        raise ValidationError(_("This round already has a methodology."))
    try:
        methodology_from_definition(definition).validate()
    except MethodologyError as error:
        raise ValidationError(
            _("The methodology is invalid: {error}").format(error=error)
        ) from error

    reason = "methodology loaded"
    pillars = _create(
        Pillar,
        [
            Pillar(round=locked, order=order, **_fields(Pillar, data))
            for order, data in enumerate(definition["pillars"])
        ],
        actor=actor,
        reason=reason,
    )
    sub_data = [
        (pillar, order, data)
        for pillar, pillar_data in zip(pillars, definition["pillars"], strict=True)
        for order, data in enumerate(pillar_data["sub_pillars"])
    ]
    sub_pillars = _create(
        SubPillar,
        [SubPillar(pillar=pillar, order=order, **_fields(SubPillar, data))
         for pillar, order, data in sub_data],
        actor=actor,
        reason=reason,
    )  # fmt: skip
    children = list(zip(sub_pillars, (data for _, _, data in sub_data), strict=True))
    _create(
        ScoreLevel,
        [ScoreLevel(sub_pillar=sub, **_fields(ScoreLevel, level))
         for sub, data in children for level in data["levels"]],
        actor=actor,
        reason=reason,
    )  # fmt: skip
    _create(
        FactField,
        [FactField(sub_pillar=sub, order=order, **_fields(FactField, fact))
         for sub, data in children for order, fact in enumerate(data.get("facts", []))],
        actor=actor,
        reason=reason,
    )  # fmt: skip
    _create(
        GradeBand,
        [GradeBand(round=locked, **_fields(GradeBand, band)) for band in definition["bands"]],
        actor=actor,
        reason=reason,
    )
    _methodology_changed(locked, actor, reason)


def _methodology_changed(assessment_round: AssessmentRound, actor: User, what: str) -> None:
    mark_round_changed(
        assessment_round,
        kind=ChangeKind.METHODOLOGY,
        description=f"{actor.get_username()}: methodology — {what}",
        actor=actor,
    )


def _fields(model, data: dict) -> dict:
    """The keys of `data` that are plain fields of `model` (nested lists are handled apart)."""
    names = {f.name for f in model._meta.concrete_fields if not f.is_relation}
    return {key: value for key, value in data.items() if key in names}


def _create(model, instances: list, *, actor: User, reason: str) -> list:
    for instance in instances:
        # Uniqueness within a new methodology is guaranteed by the engine's validation above.
        instance.full_clean(validate_unique=False, validate_constraints=False)
    return tracked_bulk_create(model, instances, actor=actor, reason=reason)


@transaction.atomic
def methodology_item_save(*, actor: User, item: models.Model, reason: str = "") -> models.Model:
    """Saves one methodology row (pillar, sub-pillar, level, fact or grade band) of a draft
    round."""
    if not isinstance(item, METHODOLOGY_MODELS):
        raise TypeError(f"{type(item).__name__} is not part of a methodology.")
    locked = _lock_editable_round(actor, item.methodology_round)
    item.full_clean()
    verb = "added" if item.pk is None else "edited"
    tracked_save(item, actor=actor, reason=reason or f"methodology {verb}")
    _methodology_changed(locked, actor, f"{type(item).__name__} {item} {verb}")
    return item


@transaction.atomic
def methodology_item_delete(*, actor: User, item: models.Model, reason: str = "") -> None:
    if not isinstance(item, METHODOLOGY_MODELS):
        raise TypeError(f"{type(item).__name__} is not part of a methodology.")
    locked = _lock_editable_round(actor, item.methodology_round)
    description = f"{type(item).__name__} {item} removed"
    tracked_delete(item, actor=actor, reason=reason or "methodology item removed")
    _methodology_changed(locked, actor, description)
