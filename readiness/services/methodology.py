from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from readiness import policy
from readiness.exceptions import RoundLocked
from readiness.grading import MethodologyError, methodology_from_definition
from readiness.history import tracked_bulk_create, tracked_delete, tracked_save
from readiness.methodology_checks import band_problems, fact_problems, level_problems
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
from readiness.round_locks import round_hold_for_change

METHODOLOGY_MODELS = (Pillar, SubPillar, ScoreLevel, FactField, GradeBand)


def _lock_editable_round(actor: User, assessment_round: AssessmentRound) -> AssessmentRound:
    policy.require(
        policy.can_manage_rounds(actor), _("Only round admins may change a methodology.")
    )
    return round_hold_for_change(assessment_round.pk, exclusive=True, check=_require_editable)


def _require_editable(assessment_round: AssessmentRound) -> None:
    if not assessment_round.methodology_editable:
        raise RoundLocked(
            _(
                "The methodology of “{round}” can no longer change: the round is {status}, and "
                "methodology is editable only in draft."
            ).format(
                round=assessment_round.name,
                status=str(assessment_round.get_status_display()).lower(),
            )
        )


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
    round. Rules that concern a set of rows (levels without gaps, grade bands) are checked by
    methodology_levels_set / methodology_bands_set and before the round opens."""
    if not isinstance(item, METHODOLOGY_MODELS):
        raise TypeError(f"{type(item).__name__} is not part of a methodology.")
    locked = _lock_editable_round(actor, item.methodology_round)
    item.full_clean()
    _check_item(item)
    verb = "added" if item.pk is None else "edited"
    tracked_save(item, actor=actor, reason=reason or f"methodology {verb}")
    _methodology_changed(locked, actor, f"{type(item).__name__} {item} {verb}")
    return item


def _check_item(item: models.Model) -> None:
    """Well-formedness of one row beyond its own fields."""
    if isinstance(item, SubPillar):
        # The engine needs sub-pillar codes unique in the whole round, not only in the pillar.
        taken = SubPillar.objects.filter(pillar__round=item.pillar.round_id, code=item.code)
        if taken.exclude(pk=item.pk).exists():
            raise ValidationError({"code": _("Another sub-pillar of this round has this code.")})
    if isinstance(item, FactField):
        scores = item.sub_pillar.levels.values_list("score", flat=True)
        problems = fact_problems(
            kind=item.kind,
            choices=item.choices,
            min_level=item.min_level,
            max_score=max(scores, default=0),
        )
        if problems:
            raise ValidationError(problems)


@transaction.atomic
def methodology_item_delete(*, actor: User, item: models.Model, reason: str = "") -> None:
    """Removes one methodology row with everything under it (a pillar's sub-pillars, a
    sub-pillar's levels and facts), each removal in the history with the actor."""
    if not isinstance(item, METHODOLOGY_MODELS):
        raise TypeError(f"{type(item).__name__} is not part of a methodology.")
    locked = _lock_editable_round(actor, item.methodology_round)
    description = f"{type(item).__name__} {item} removed"
    reason = reason or "methodology item removed"
    for child in _descendants(item):
        tracked_delete(child, actor=actor, reason=reason)
    tracked_delete(item, actor=actor, reason=reason)
    _methodology_changed(locked, actor, description)


def _descendants(item: models.Model) -> list[models.Model]:
    """The rows a deletion would cascade to, deepest first."""
    if isinstance(item, Pillar):
        subs = list(item.sub_pillars.all())
        return [row for sub in subs for row in _descendants(sub)] + subs
    if isinstance(item, SubPillar):
        return [*item.facts.all(), *item.levels.all()]
    return []


@transaction.atomic
def methodology_levels_set(
    *, actor: User, sub_pillar: SubPillar, levels: list[dict], reason: str = ""
) -> list[ScoreLevel]:
    """Replaces a sub-pillar's levels with `levels` ({"score", "label_en", "label_zh"}): the
    scores must run 0, 1, 2… without gaps, and the sub-pillar's facts must still apply from one
    of them. Levels are matched by score: changed labels are edited, new scores added, missing
    ones removed. Invalid input saves nothing."""
    locked = _lock_editable_round(actor, sub_pillar.methodology_round)
    scores = [level["score"] for level in levels]
    problems = level_problems(scores)
    if any(not (level.get("label_en") or "").strip() for level in levels):
        problems.append(_("Every level needs an English label."))
    top = max(scores, default=0)
    for fact in sub_pillar.facts.all():
        if fact.min_level > top:
            problems.append(
                _("The fact “%(fact)s” applies from level %(level)s: keep that level or change "
                  "the fact first.") % {"fact": fact.key, "level": fact.min_level}
            )  # fmt: skip
    if problems:
        raise ValidationError(problems)
    existing = {level.score: level for level in sub_pillar.levels.all()}
    reason = reason or f"levels of {sub_pillar.code} set"
    wanted = {level["score"]: level for level in levels}
    for score, level in existing.items():
        if score not in wanted:
            tracked_delete(level, actor=actor, reason=reason)
    saved = []
    for score in sorted(wanted):
        data = wanted[score]
        level = existing.get(score) or ScoreLevel(sub_pillar=sub_pillar, score=score)
        label_en, label_zh = data["label_en"].strip(), (data.get("label_zh") or "").strip()
        if level.pk is None or (level.label_en, level.label_zh) != (label_en, label_zh):
            level.label_en, level.label_zh = label_en, label_zh
            level.full_clean()
            tracked_save(level, actor=actor, reason=reason)
        saved.append(level)
    _methodology_changed(locked, actor, f"levels of {sub_pillar.code} set to 0–{top}")
    return saved


BAND_FIELDS = ("label_en", "label_zh", "min_total_rate", "min_pillar_rate")


@transaction.atomic
def methodology_bands_set(
    *, actor: User, assessment_round: AssessmentRound, bands: list[dict], reason: str = ""
) -> list[GradeBand]:
    """Replaces a draft round's grade bands ({"grade", "label_en", "label_zh",
    "min_total_rate", "min_pillar_rate"}) as a whole, so that they are checked together:
    distinct grades, rates within 0–1, one band for every Party, no two bands alike. Bands are
    matched by grade. Invalid input saves nothing."""
    locked = _lock_editable_round(actor, assessment_round)
    problems = band_problems(
        [(band["grade"], band["min_total_rate"], band.get("min_pillar_rate")) for band in bands]
    )
    if any(not (band.get("label_en") or "").strip() for band in bands):
        problems.append(_("Every band needs an English label."))
    if problems:
        raise ValidationError(problems)
    existing = {band.grade: band for band in locked.grade_bands.all()}
    wanted = {band["grade"]: band for band in bands}
    reason = reason or "grade bands set"
    for grade, band in existing.items():
        if grade not in wanted:
            tracked_delete(band, actor=actor, reason=reason)
    saved = []
    for grade, data in wanted.items():
        band = existing.get(grade) or GradeBand(round=locked, grade=grade)
        values = {
            "label_en": data["label_en"].strip(),
            "label_zh": (data.get("label_zh") or "").strip(),
            "min_total_rate": Decimal(str(data["min_total_rate"])),
            "min_pillar_rate": (
                None if data.get("min_pillar_rate") is None
                else Decimal(str(data["min_pillar_rate"]))
            ),
        }  # fmt: skip
        if band.pk is None or any(getattr(band, name) != values[name] for name in BAND_FIELDS):
            for name, value in values.items():
                setattr(band, name, value)
            band.full_clean()
            tracked_save(band, actor=actor, reason=reason)
        saved.append(band)
    _methodology_changed(locked, actor, "grade bands set: " + ", ".join(sorted(wanted)))
    return saved
