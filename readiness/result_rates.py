"""A Party's result as the API and the data package publish it: per pillar its rate (the
figure) beside the points behind it, per sub-pillar its level, maximum and rate, with one set of
names and descriptions for both.

A pillar's rate is the mean of its sub-pillars' rates (DESIGN §6), not its points over its
maximum points: the two differ when the sub-pillars' maxima differ (IMP: a level 1 of 2 in
IMP-1 alone is 1/9 of the points but a rate of 1/12). The stored results keep the sums under
their engine names ("score", "max_score"); they are renamed here, where they are published."""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Max

from readiness.models import SubPillar

SIX_PLACES = Decimal("0.000001")

PILLAR_RATE = (
    "The pillar's figure: its rate, 0 to 1 with six decimals, the mean of its sub-pillars' "
    "rates (what the total rate, the grade bands' pillar minimum and the pillar ASRs use)."
)
PILLAR_POINTS = (
    "Sum of the sub-pillars' awarded levels; the pillar's rate is the mean of its sub-pillar "
    "rates, not points/max_points."
)
PILLAR_MAX_POINTS = (
    "Sum of the sub-pillars' maximum levels; the pillar's rate is the mean of its sub-pillar "
    "rates, not points/max_points."
)
PILLAR_SUB_PILLARS = "Codes of the pillar's sub-pillars, whose rates its rate is the mean of."
SUB_PILLAR_LEVEL = "The awarded level (score) of the sub-pillar, 0 = none."
SUB_PILLAR_MAX_LEVEL = "The sub-pillar's highest level in the round's methodology."
SUB_PILLAR_RATE = "The sub-pillar's rate, 0 to 1 with six decimals: level / max_level."
SUB_PILLAR_EVIDENCE = "The approved evidence behind the level (absent when none: level 0)."


@dataclass(frozen=True)
class Structure:
    """The round's pillars in order, each with its sub-pillars' codes and maximum levels."""

    pillars: dict[str, list[tuple[str, int]]]

    @property
    def max_levels(self) -> dict[str, int]:
        return {code: top for subs in self.pillars.values() for code, top in subs}


def structure(assessment_round) -> Structure:
    """One query."""
    rows = (
        SubPillar.objects.filter(pillar__round=assessment_round)
        .annotate(top=Max("levels__score"))
        .order_by("pillar__order", "pillar__code", "order", "code")
        .values_list("pillar__code", "code", "top")
    )
    pillars: dict[str, list[tuple[str, int]]] = {}
    for pillar_code, code, top in rows:
        pillars.setdefault(pillar_code, []).append((code, top or 0))
    return Structure(pillars)


def six_places(numerator: int, denominator: int) -> str | None:
    """As the recompute rounds a rate: the exact quotient to six places, half to even."""
    if not denominator:
        return None
    exact = Decimal(numerator) / Decimal(denominator)
    return str(exact.quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN))


def sub_pillar_results(result, shape: Structure) -> dict[str, dict]:
    """{"IMP-1": {"level": 1, "max_level": 2, "rate": "0.500000", "evidence_id": 7}, ...}"""
    tops = shape.max_levels
    published = {}
    for code, stored in result.sub_pillars.items():
        level, top = stored["level"], tops.get(code, 0)
        line = {"level": level, "max_level": top, "rate": six_places(level, top)}
        if "evidence_id" in stored:
            line["evidence_id"] = stored["evidence_id"]
        published[code] = line
    return published


def pillar_results(result, shape: Structure) -> dict[str, dict]:
    """{"IMP": {"rate": "0.083333", "points": 1, "max_points": 9, "sub_pillars": [...]}}"""
    return {
        code: {
            "rate": stored["rate"],
            "points": stored["score"],
            "max_points": stored["max_score"],
            "sub_pillars": [sub for sub, _top in shape.pillars.get(code, [])],
        }
        for code, stored in result.pillars.items()
    }


def with_rates(assessment_round, results, shape: Structure | None = None) -> list:
    """The results, each with `.pillar_results` and `.sub_pillar_results` as published."""
    rows = list(results)
    shape = structure(assessment_round) if shape is None else shape
    for r in rows:
        r.pillar_results = pillar_results(r, shape)
        r.sub_pillar_results = sub_pillar_results(r, shape)
    return rows
