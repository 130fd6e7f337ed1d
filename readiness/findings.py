"""Key findings, generated from a round's stored results in the style of the report's executive
summary: grade counts and shares, the pillar ASR ranking, regional leaders and laggards, and per
sub-pillar how many Parties reached each step (with the split of their facts)."""

from dataclasses import dataclass, field
from decimal import Decimal

from readiness.models import PartyResult
from readiness.results import bands_of, pillars_of
from readiness.selectors import pillars_with_methodology


@dataclass
class RegionalExtreme:
    pillar: object
    leader: str
    leader_rate: Decimal
    laggard: str
    laggard_rate: Decimal


@dataclass
class FactSplit:
    label: str
    value_label: str
    count: int
    share: Decimal  # of the Parties reporting the fact
    filter: str  # for the Party table: "SUB-CODE.key:value"


@dataclass
class Step:
    level: object
    at_least: int  # Parties at this level or above


@dataclass
class SubPillarFinding:
    sub_pillar: object
    steps: list[Step]  # every level above "none", lowest first
    first_step: object
    at_least_first: int
    lowest_grade_count: int
    lowest_grade_at_least_first: int
    facts: list[FactSplit] = field(default_factory=list)


@dataclass
class Findings:
    party_count: int
    grades: list
    pillars_ranked: list
    extremes: list[RegionalExtreme]
    sub_pillars: list[SubPillarFinding]
    lowest_band: object


def share(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal(0)


def findings(assessment_round) -> Findings | None:
    from readiness.results import overview

    summary = overview(assessment_round)
    world = summary.world
    if world is None or not world.party_count:
        return None
    total = world.party_count
    extremes = []
    for pillar in pillars_of(assessment_round):
        rates = [
            (row.label, item.rate)
            for row in summary.regions
            for item in row.rates
            if item.pillar.pk == pillar.pk and item.rate is not None
        ]
        if rates:
            leader = max(rates, key=lambda pair: pair[1])
            laggard = min(rates, key=lambda pair: pair[1])
            extremes.append(RegionalExtreme(pillar, *leader, *laggard))
    bands = bands_of(assessment_round)
    lowest = bands[-1] if bands else None
    lowest_levels = [
        r.sub_pillars
        for r in PartyResult.objects.filter(round=assessment_round, grade=lowest.grade).only(
            "sub_pillars"
        )
    ] if lowest else []  # fmt: skip
    statistics = world.statistics
    sub_findings = []
    for pillar in pillars_with_methodology(assessment_round):
        for sub_pillar in pillar.sub_pillars.all():
            levels = sorted(sub_pillar.levels.all(), key=lambda level: level.score)
            if len(levels) < 2:
                continue
            counts = {
                int(k): v for k, v in statistics.get(sub_pillar.code, {}).get("levels", {}).items()
            }
            first = levels[1]
            steps = [
                Step(level, sum(n for score, n in counts.items() if score >= level.score))
                for level in levels[1:]
            ]
            finding = SubPillarFinding(
                sub_pillar=sub_pillar,
                steps=steps,
                first_step=first,
                at_least_first=steps[0].at_least,
                lowest_grade_count=len(lowest_levels),
                lowest_grade_at_least_first=sum(
                    1 for line in lowest_levels
                    if line.get(sub_pillar.code, {}).get("level", 0) >= first.score
                ),
            )  # fmt: skip
            fact_stats = statistics.get(sub_pillar.code, {}).get("facts", {})
            for fact in sub_pillar.facts.all():
                stats = fact_stats.get(fact.key)
                if fact.kind != "choice" or not stats or not stats["reporting"]:
                    continue
                for value, count in stats["values"].items():
                    finding.facts.append(
                        FactSplit(fact.label, fact.choice_label(value), count,
                                  share(count, stats["reporting"]),
                                  f"{sub_pillar.code}.{fact.key}:{value}")
                    )  # fmt: skip
            sub_findings.append(finding)
    return Findings(
        party_count=total,
        grades=summary.grades,
        pillars_ranked=summary.pillars_ranked,
        extremes=extremes,
        sub_pillars=sub_findings,
        lowest_band=lowest,
    )
