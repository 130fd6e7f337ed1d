"""Read queries, each with a fixed number of SQL queries whatever the size of the result."""

from django.db.models import Count, Prefetch, Q, QuerySet

from readiness import grading
from readiness.models import (
    AssessmentRound,
    FactField,
    GradeBand,
    Grouping,
    Party,
    PartySnapshot,
    Pillar,
    ScoreLevel,
    SubPillar,
)


def pillars_with_methodology(assessment_round: AssessmentRound) -> list[Pillar]:
    """Pillars → sub-pillars → levels and facts, in four queries."""
    sub_pillars = SubPillar.objects.order_by("order", "code").prefetch_related(
        Prefetch("levels", queryset=ScoreLevel.objects.order_by("score")),
        Prefetch("facts", queryset=FactField.objects.order_by("order", "key")),
    )
    return list(
        Pillar.objects.filter(round=assessment_round)
        .order_by("order", "code")
        .prefetch_related(Prefetch("sub_pillars", queryset=sub_pillars))
    )


def grade_bands(assessment_round: AssessmentRound) -> list[GradeBand]:
    return list(GradeBand.objects.filter(round=assessment_round).order_by("-min_total_rate"))


def methodology_spec_for_round(assessment_round: AssessmentRound) -> grading.Methodology:
    """The round's methodology as the pure engine's input."""
    pillars = tuple(
        grading.PillarSpec(
            code=pillar.code,
            weight=pillar.weight,
            sub_pillars=tuple(
                grading.SubPillarSpec(
                    code=sub_pillar.code,
                    max_score=max((level.score for level in sub_pillar.levels.all()), default=0),
                    facts=tuple(
                        grading.FactSpec(key=fact.key, kind=fact.kind, min_level=fact.min_level)
                        for fact in sub_pillar.facts.all()
                    ),
                )
                for sub_pillar in pillar.sub_pillars.all()
            ),
        )
        for pillar in pillars_with_methodology(assessment_round)
    )
    bands = tuple(
        grading.GradeBandSpec(
            grade=band.grade,
            min_total_rate=band.min_total_rate,
            min_pillar_rate=band.min_pillar_rate,
        )
        for band in grade_bands(assessment_round)
    )
    return grading.Methodology(pillars=pillars, bands=bands)


def round_list(rounds: QuerySet[AssessmentRound]) -> QuerySet[AssessmentRound]:
    return rounds.annotate(party_count=Count("memberships", distinct=True)).order_by("-slug")


def party_list(
    *, region: str = "", grouping: str = "", search: str = "", assessment_round=None
) -> QuerySet[Party]:
    parties = Party.objects.prefetch_related("groupings")
    if region:
        parties = parties.filter(region=region)
    if grouping:
        parties = parties.filter(groupings__code=grouping)
    if assessment_round is not None:
        parties = parties.filter(rounds=assessment_round)
    if search:
        parties = parties.filter(
            Q(name_en__icontains=search) | Q(name_zh__icontains=search) | Q(code__iexact=search)
        )
    return parties.order_by("name_en").distinct()


def groupings() -> list[Grouping]:
    return list(Grouping.objects.order_by("kind", "order"))


def listed_from_register(parties: QuerySet[Party]) -> dict:
    """The Parties as the register shows them now, by id, in two queries."""
    from readiness.party_snapshots import listed_from_register

    parties = parties.prefetch_related(
        Prefetch("groupings", queryset=Grouping.objects.order_by("kind", "order", "code"))
    )
    return {party.pk: listed_from_register(party) for party in parties}


def listed_parties(assessment_round: AssessmentRound, party_ids=None, *, code: str = "") -> dict:
    """The round's Parties as its figures show them, by id (only `party_ids`, or the Party
    with `code`, when given): names, region, sub-region and groupings from the round's
    snapshot once it is published or archived, so that the register can change without
    rewriting a published figure; from the register (the current Party) before. One query for
    a published round, two otherwise.

    A frozen round without any snapshot row reads the register: only test set-ups that set the
    status by hand make one (migration 0009 filled every round, publication takes the
    snapshot, and on PostgreSQL the database refuses snapshot rows for a published round)."""
    from readiness.party_snapshots import listed_from_snapshot

    if assessment_round.is_frozen:
        snapshots = PartySnapshot.objects.filter(round=assessment_round)
        wanted = snapshots
        if party_ids is not None:
            wanted = wanted.filter(party_id__in=party_ids)
        if code:
            wanted = wanted.filter(code=code)
        found = {snapshot.party_id: listed_from_snapshot(snapshot) for snapshot in wanted}
        if found or (wanted is not snapshots and snapshots.exists()):
            return found
    parties = Party.objects.filter(rounds=assessment_round)
    if party_ids is not None:
        parties = parties.filter(pk__in=party_ids)
    if code:
        parties = parties.filter(code=code)
    return listed_from_register(parties)


def round_groupings(listed: dict) -> list:
    """The groupings the listed Parties belong to, in display order."""
    by_code = {grouping.code: grouping for party in listed.values() for grouping in party.groupings}
    return sorted(by_code.values(), key=lambda g: (g.kind, g.order, g.code))


def methodology_definition(assessment_round: AssessmentRound) -> dict:
    """The round's methodology as plain data, in the shape of readiness.methodology_v1 (what
    methodology_load takes): to copy it into a new round."""
    pillars = []
    for pillar in pillars_with_methodology(assessment_round):
        pillars.append(
            {
                "code": pillar.code,
                "name_en": pillar.name_en,
                "name_zh": pillar.name_zh,
                "weight": str(pillar.weight),
                "sub_pillars": [
                    {
                        "code": sub.code,
                        "name_en": sub.name_en,
                        "name_zh": sub.name_zh,
                        "guidance_en": sub.guidance_en,
                        "guidance_zh": sub.guidance_zh,
                        "levels": [
                            {"score": level.score, "label_en": level.label_en,
                             "label_zh": level.label_zh}
                            for level in sub.levels.all()
                        ],
                        "facts": [
                            {"key": fact.key, "label_en": fact.label_en,
                             "label_zh": fact.label_zh, "kind": fact.kind,
                             "min_level": fact.min_level, "choices": fact.choices,
                             "required": fact.required}
                            for fact in sub.facts.all()
                        ],
                    }
                    for sub in pillar.sub_pillars.all()
                ],
            }
        )  # fmt: skip
    bands = [
        {
            "grade": band.grade,
            "label_en": band.label_en,
            "label_zh": band.label_zh,
            "min_total_rate": str(band.min_total_rate),
            "min_pillar_rate": None if band.min_pillar_rate is None else str(band.min_pillar_rate),
        }
        for band in grade_bands(assessment_round)
    ]
    return {"pillars": pillars, "bands": bands}
