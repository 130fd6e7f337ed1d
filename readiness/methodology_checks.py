"""Checks of a draft round's methodology, shown on its page and required before it opens, and
a preview of how the previous round's evidence would score under it."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from readiness import grading
from readiness.models import AssessmentRound, PartyResult
from readiness.selectors import grade_bands, methodology_spec_for_round, pillars_with_methodology


def level_problems(scores: list[int]) -> list[str]:
    """A sub-pillar's levels must run 0, 1, 2… with no gap and no repeat."""
    ordered = sorted(scores)
    if len(ordered) < 2:
        return [_("A sub-pillar needs at least the levels 0 and 1.")]
    if ordered != list(range(len(ordered))):
        return [_("Levels must run 0, 1, 2… without gaps or repeats (now %(scores)s).")
                % {"scores": ", ".join(map(str, ordered))}]  # fmt: skip
    return []


def fact_problems(*, kind: str, choices: list, min_level: int, max_score: int) -> dict:
    """What is wrong with one fact's schema, by form field: {field: [message, ...]}."""
    problems: dict[str, list[str]] = {}
    if kind not in grading.FACT_KINDS:
        problems["kind"] = [_("Choose one of the kinds of fact.")]
    if kind == "choice":
        values = [str(choice.get("value", "")).strip() for choice in choices]
        if not values:
            problems["choices"] = [_("A choice fact needs at least one choice.")]
        elif any(not value for value in values) or any(
            not str(choice.get("label_en", "")).strip() for choice in choices
        ):
            problems["choices"] = [_("Every choice needs a value and an English label.")]
        else:
            repeated = sorted(value for value, n in Counter(values).items() if n > 1)
            if repeated:
                problems["choices"] = [
                    _("A choice fact needs distinct choices (repeated: %(values)s).")
                    % {"values": ", ".join(repeated)}
                ]
    elif choices:
        problems["choices"] = [_("Only choice facts have a list of choices.")]
    if max_score >= 1 and not 0 <= min_level <= max_score:
        problems["min_level"] = [
            _("The fact must apply from one of the sub-pillar's levels (0 to %(max)s).")
            % {"max": max_score}
        ]
    return problems


def band_problems(bands: list[tuple[str, object, object]]) -> list[str]:
    """Grade bands as (grade, minimum total rate, minimum pillar rate or None): distinct grades,
    rates within 0–1, a band that catches every Party, and no two bands that cannot be told
    apart."""
    problems = []
    grades = [grade for grade, _total, _floor in bands]
    if not bands:
        return [_("A round needs grade bands.")]
    if any(not grade for grade in grades):
        problems.append(_("Every band needs a grade."))
    repeated = sorted(grade for grade, n in Counter(grades).items() if n > 1 and grade)
    if repeated:
        problems.append(_("Each grade may appear once (repeated: %(grades)s).")
                        % {"grades": ", ".join(repeated)})  # fmt: skip
    rates = [rate for _grade, total, floor in bands for rate in (total, floor) if rate is not None]
    if any(not 0 <= Decimal(str(rate)) <= 1 for rate in rates):
        problems.append(_("Rates are between 0 and 1 (e.g. 0.75 for 75%)."))
        return problems
    if not any(Decimal(str(total)) == 0 and floor is None for _grade, total, floor in bands):
        problems.append(
            _("One band needs a minimum total rate of 0 and no pillar floor, so that every "
              "Party gets a grade.")
        )  # fmt: skip
    best_first = sorted(
        bands, key=lambda b: (Decimal(str(b[1])), Decimal(str(b[2] or 0))), reverse=True
    )
    for better, worse in zip(best_first, best_first[1:], strict=False):
        if Decimal(str(better[1])) == Decimal(str(worse[1])) and (
            Decimal(str(better[2] or 0)) <= Decimal(str(worse[2] or 0))
        ):
            problems.append(
                _("Grades %(a)s and %(b)s cannot be told apart.") % {"a": better[0],
                                                                    "b": worse[0]}
            )  # fmt: skip
    return problems


def methodology_problems(assessment_round: AssessmentRound) -> list[str]:
    """Everything that would make the methodology grade Parties wrongly or not at all."""
    problems = []
    try:
        methodology_spec_for_round(assessment_round).validate()
    except grading.MethodologyError as error:
        problems.append(str(error))
    for pillar in pillars_with_methodology(assessment_round):
        for sub in pillar.sub_pillars.all():
            scores = [level.score for level in sub.levels.all()]
            problems += [f"{sub.code}: {problem}" for problem in level_problems(scores)]
            for fact in sub.facts.all():
                found = fact_problems(
                    kind=fact.kind,
                    choices=fact.choices,
                    min_level=fact.min_level,
                    max_score=max(scores, default=0),
                )
                problems += [f"{sub.code}.{fact.key}: {message}"
                             for messages in found.values() for message in messages]  # fmt: skip
    bands = grade_bands(assessment_round)
    problems += band_problems([(b.grade, b.min_total_rate, b.min_pillar_rate) for b in bands])
    return problems


@dataclass
class Preview:
    previous: AssessmentRound
    before: dict[str, int]
    after: dict[str, int]
    changed: int


def preview_against_previous(assessment_round: AssessmentRound) -> Preview | None:
    """How the previous round's awarded levels would grade under this round's methodology."""
    previous = assessment_round.previous_round
    if previous is None or methodology_problems(assessment_round):
        return None
    methodology = methodology_spec_for_round(assessment_round)
    maxima = {sub.code: sub.max_score for sub in methodology.sub_pillars_in_order}
    results = list(PartyResult.objects.filter(round=previous).only("grade", "sub_pillars"))
    levels = {
        index: {
            code: min(line.get("level", 0), maxima[code])
            for code, line in result.sub_pillars.items()
            if code in maxima
        }
        for index, result in enumerate(results)
    }
    scores = grading.score_parties(methodology, levels)
    after = Counter(score.grade for score in scores.values())
    before = Counter(result.grade for result in results)
    changed = sum(1 for i, result in enumerate(results) if scores[i].grade != result.grade)
    grades = methodology.grades_best_first
    return Preview(
        previous,
        {g: before.get(g, 0) for g in grades},
        {g: after.get(g, 0) for g in grades},
        changed,
    )
