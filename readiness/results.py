"""Reads of computed results for the public pages: a fixed number of queries per page."""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.http import Http404

from readiness import policy
from readiness.models import (
    AggregateResult,
    AssessmentRound,
    FactField,
    GradeBand,
    Party,
    PartyResult,
    Pillar,
    Region,
    RoundStatus,
)
from readiness.party_snapshots import ListedParty
from readiness.selectors import listed_from_register, listed_parties

WORLD_MAP = Path(__file__).resolve().parent / "data" / "world-map.json"
PUBLIC = (RoundStatus.PUBLISHED, RoundStatus.ARCHIVED)


@cache
def world_map() -> dict:
    return json.loads(WORLD_MAP.read_text())


def results_round(user, slug: str) -> tuple[AssessmentRound, bool]:
    """A round whose results the user may see, and whether this is a staff preview (an
    unpublished round). Anything else is 'not found'."""
    assessment_round = AssessmentRound.objects.filter(slug=slug).first()
    if assessment_round is None or not policy.can_view_round(user, assessment_round):
        raise Http404
    return assessment_round, assessment_round.status not in PUBLIC


def latest_public_round() -> AssessmentRound | None:
    return AssessmentRound.objects.filter(status__in=PUBLIC).order_by("-published_at").first()


def rate(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


@dataclass
class GradeShare:
    band: GradeBand
    count: int
    share: Decimal


@dataclass
class PillarRate:
    pillar: Pillar
    rate: Decimal | None


@dataclass
class RegionRow:
    region: str
    label: str
    party_count: int
    rates: list[PillarRate]


@dataclass
class Overview:
    world: AggregateResult | None
    grades: list[GradeShare]
    pillars_ranked: list[PillarRate]
    regions: list[RegionRow]
    map_countries: list[dict]
    unmapped: list[PartyResult] = field(default_factory=list)


def pillars_of(assessment_round) -> list[Pillar]:
    return list(Pillar.objects.filter(round=assessment_round).order_by("order", "code"))


def bands_of(assessment_round) -> list[GradeBand]:
    return list(GradeBand.objects.filter(round=assessment_round).order_by("-min_total_rate"))


def overview(assessment_round) -> Overview:
    pillars = pillars_of(assessment_round)
    bands = bands_of(assessment_round)
    aggregates = {
        a.key: a
        for a in AggregateResult.objects.filter(round=assessment_round, key__startswith="world")
        | AggregateResult.objects.filter(round=assessment_round, key__startswith="region:")
    }
    world = aggregates.get("world")
    total = world.party_count if world else 0
    grades = [
        GradeShare(
            band=band,
            count=(world.grade_counts.get(band.grade, 0) if world else 0),
            share=Decimal(world.grade_counts.get(band.grade, 0) * 100 / total)
            if total
            else Decimal(0),
        )
        for band in bands
    ]
    ranked = sorted(
        (PillarRate(p, rate(world.pillar_asr.get(p.code)) if world else None) for p in pillars),
        key=lambda item: item.rate or 0,
        reverse=True,
    )
    regions = []
    for value, label in Region.choices:
        aggregate = aggregates.get(f"region:{value}")
        if aggregate:
            regions.append(
                RegionRow(
                    region=value,
                    label=str(label),
                    party_count=aggregate.party_count,
                    rates=[PillarRate(p, rate(aggregate.pillar_asr.get(p.code))) for p in pillars],
                )
            )
    results = with_listed(
        assessment_round,
        PartyResult.objects.filter(round=assessment_round)
        .select_related("party")
        .only("grade", "total_rate", "party__code"),
    )
    shapes = world_map()["countries"]
    mapped = [r for r in results if r.listed.iso_numeric in shapes]
    map_countries = [
        {"result": r, "path": shapes[r.listed.iso_numeric]}
        for r in sorted(mapped, key=lambda r: r.listed.iso_numeric)
    ]
    unmapped = sorted((r for r in results if r not in mapped), key=lambda r: r.listed.name_en)
    return Overview(world, grades, ranked, regions, map_countries, unmapped)


def with_listed(assessment_round, results, listed: dict | None = None) -> list[PartyResult]:
    """The results, each with `.listed`: its Party as the round shows it (see
    selectors.listed_parties). A result whose Party the round's snapshot lacks (never once the
    round is published through its service) shows the register's."""
    rows = list(results)
    listed = listed_parties(assessment_round) if listed is None else listed
    missing = [r.party_id for r in rows if r.party_id not in listed]
    if missing:
        listed = {**listed, **listed_from_register(Party.objects.filter(pk__in=missing))}
    for r in rows:
        r.listed = listed[r.party_id]
    return rows


def member(assessment_round, code: str) -> ListedParty:
    """The round's Party with this code as the round shows it; 'not found' for a Party that
    is not a member."""
    found = listed_parties(assessment_round, code=code.upper())
    if not found:
        raise Http404
    return next(iter(found.values()))


SORTS = {
    "name": lambda r: r.listed.name_en,
    "code": lambda r: r.listed.code,
    "grade": lambda r: (r.grade, -r.total_rate, r.listed.name_en),
    "total": lambda r: (-r.total_rate, r.listed.name_en),
    "region": lambda r: (r.listed.region, r.listed.name_en),
}


def party_table(
    assessment_round,
    *,
    grade="",
    region="",
    grouping="",
    search="",
    sort="total",
    level="",
    fact="",
    listed: dict | None = None,
) -> list[PartyResult]:
    """The round's Party results, each with its Party as the round shows it (`.listed`, with
    names, region and groupings: selectors.listed_parties, or `listed` when the caller read it
    already): two or three queries (one more with a fact filter). `level` is
    "SUB-CODE:minimum"; `fact` is "SUB-CODE.key:value". Region and grouping filter on what
    the round shows, so a published round's table does not follow the register."""
    results = PartyResult.objects.filter(round=assessment_round).select_related("party")
    if grade:
        results = results.filter(grade=grade)
    rows = with_listed(assessment_round, results, listed)
    if region:
        rows = [r for r in rows if r.listed.region == region]
    if grouping:
        rows = [r for r in rows if grouping in r.listed.grouping_codes]
    if search:
        needle = search.strip().lower()
        rows = [
            r
            for r in rows
            if needle in r.listed.name_en.lower()
            or needle in r.listed.name_zh
            or needle == r.listed.code.lower()
        ]
    code, _sep, minimum = level.partition(":")
    if minimum.isdigit():
        rows = [r for r in rows if r.sub_pillars.get(code, {}).get("level", 0) >= int(minimum)]
    if fact:
        reporting = parties_reporting_fact(assessment_round, fact)
        rows = [r for r in rows if r.party_id in reporting]
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key.startswith("pillar:"):
        code = key.split(":", 1)[1]
        rows.sort(
            key=lambda r: (-(rate(r.pillars.get(code, {}).get("rate")) or 0), r.listed.name_en)
        )
    else:
        rows.sort(key=SORTS.get(key, SORTS["total"]))
    if descending:
        rows.reverse()
    return rows


@dataclass
class ProfileLine:
    sub_pillar: object
    level: int
    max_score: int
    level_label: str
    evidence: object = None
    documents: list = field(default_factory=list)


@dataclass
class Profile:
    result: PartyResult | None
    band: GradeBand | None
    pillars: list[tuple[Pillar, Decimal | None, Decimal | None, Decimal | None]]
    lines: list[tuple[Pillar, list[ProfileLine]]]
    across_rounds: list[PartyResult]


def profile(user, assessment_round, party: ListedParty) -> Profile:
    """`party` as the round shows it (`member`): its region picks the regional figures."""
    from readiness.selectors import pillars_with_methodology
    from submissions.models import Document, Evidence

    result = PartyResult.objects.filter(round=assessment_round, party_id=party.id).first()
    aggregates = {
        a.key: a
        for a in AggregateResult.objects.filter(
            round=assessment_round, key__in=["world", f"region:{party.region}"]
        )
    }
    world, regional = aggregates.get("world"), aggregates.get(f"region:{party.region}")
    methodology = pillars_with_methodology(assessment_round)
    pillar_rows = [
        (
            pillar,
            rate(result.pillars.get(pillar.code, {}).get("rate")) if result else None,
            rate(regional.pillar_asr.get(pillar.code)) if regional else None,
            rate(world.pillar_asr.get(pillar.code)) if world else None,
        )
        for pillar in methodology
    ]
    evidence_ids = [
        line["evidence_id"]
        for line in (result.sub_pillars.values() if result else [])
        if "evidence_id" in line
    ]
    visible = {
        e.pk: e
        for e in Evidence.objects.filter(policy.evidence_visibility(user), pk__in=evidence_ids)
    }
    documents: dict[int, list] = {}
    for document in Document.objects.filter(evidence_id__in=visible).order_by("pk"):
        documents.setdefault(document.evidence_id, []).append(document)
    lines = []
    for pillar in methodology:
        pillar_lines = []
        for sub_pillar in pillar.sub_pillars.all():
            stored = result.sub_pillars.get(sub_pillar.code, {}) if result else {}
            levels = {level.score: level for level in sub_pillar.levels.all()}
            level = stored.get("level", 0)
            evidence = visible.get(stored.get("evidence_id"))
            pillar_lines.append(
                ProfileLine(
                    sub_pillar=sub_pillar,
                    level=level,
                    max_score=max(levels, default=1),
                    level_label=levels[level].label if level in levels else "",
                    evidence=evidence,
                    documents=documents.get(evidence.pk, []) if evidence else [],
                )
            )
        lines.append((pillar, pillar_lines))
    across = list(
        PartyResult.objects.filter(party_id=party.id, round__in=policy.visible_rounds(user))
        .select_related("round")
        .order_by("round__slug")
    )
    band = (
        GradeBand.objects.filter(round=assessment_round, grade=result.grade).first()
        if result
        else None
    )
    return Profile(result, band, pillar_rows, lines, across)


def parties_reporting_fact(assessment_round, spec: str) -> set[int]:
    """Parties whose approved evidence reports a fact value, for "SUB-CODE.key:value" (the
    value counted only at or above the fact's level, as in the statistics)."""
    from submissions.models import Evidence, EvidenceStatus

    target, _sep, value = spec.partition(":")
    code, _dot, key = target.partition(".")
    fact = (
        FactField.objects.filter(sub_pillar__pillar__round=assessment_round, sub_pillar__code=code,
                                 key=key).first()
    )  # fmt: skip
    if fact is None or not value:
        return set()
    return set(
        Evidence.objects.filter(
            round=assessment_round,
            status=EvidenceStatus.APPROVED,
            sub_pillar__code=code,
            awarded_level__gte=fact.min_level,
            **{f"facts__{key}": value},
        ).values_list("party_id", flat=True)
    )
