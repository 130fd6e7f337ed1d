"""Checks of a draft round's methodology, shown on its page and required before it opens, and
a preview of how the previous round's evidence would score under it."""

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from readiness import grading
from readiness.models import AssessmentRound, PartyResult
from readiness.selectors import grade_bands, methodology_spec_for_round, pillars_with_methodology


def methodology_problems(assessment_round: AssessmentRound) -> list[str]:
    """Everything that would make the methodology grade Parties wrongly or not at all."""
    problems = []
    try:
        methodology_spec_for_round(assessment_round).validate()
    except grading.MethodologyError as error:
        problems.append(str(error))
    for pillar in pillars_with_methodology(assessment_round):
        for sub in pillar.sub_pillars.all():
            scores = sorted(level.score for level in sub.levels.all())
            if scores and scores != list(range(len(scores))):
                problems.append(
                    _("%(code)s: levels must run 0, 1, 2… without gaps (now %(scores)s).")
                    % {"code": sub.code, "scores": scores}
                )
            for fact in sub.facts.all():
                values = [choice.get("value") for choice in fact.choices]
                if fact.kind == "choice" and (not values or len(set(values)) != len(values)):
                    problems.append(
                        _("%(code)s.%(key)s: a choice fact needs distinct choices.")
                        % {"code": sub.code, "key": fact.key}
                    )
    bands = grade_bands(assessment_round)
    for better, worse in zip(bands, bands[1:], strict=False):
        if better.min_total_rate == worse.min_total_rate and (
            (better.min_pillar_rate or 0) <= (worse.min_pillar_rate or 0)
        ):
            problems.append(
                _("Grades %(a)s and %(b)s cannot be told apart.") % {"a": better.grade,
                                                                    "b": worse.grade}
            )  # fmt: skip
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
