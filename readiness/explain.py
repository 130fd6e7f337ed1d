"""'Explain this grade': grade → pillar → sub-pillar → awarded level → evidence → decision →
methodology rule, and the grade's history, read from the stored results (no recompute)."""

from dataclasses import dataclass, field
from decimal import Decimal

from readiness import policy
from readiness.models import AssessmentRound, PartyResult, RoundComputation
from readiness.party_snapshots import ListedParty
from readiness.selectors import grade_bands, pillars_with_methodology


@dataclass
class SubPillarLine:
    sub_pillar: object
    level: int
    max_score: int
    level_label: str
    rate: Decimal
    evidence: object = None
    review: object = None
    evidence_visible: bool = False


@dataclass
class PillarLine:
    pillar: object
    rate: Decimal
    lines: list[SubPillarLine] = field(default_factory=list)


@dataclass
class BandCheck:
    band: object
    met: bool
    reasons: list[str]


@dataclass
class GradeChange:
    at: object
    grade_from: str | None
    grade_to: str
    total_rate: Decimal
    cause: str


@dataclass
class Explanation:
    result: PartyResult | None
    band: object
    pillars: list[PillarLine]
    checks: list[BandCheck]
    history: list[GradeChange]
    is_current: bool


def _band_checks(result: PartyResult, bands, pillars: list[PillarLine]) -> list[BandCheck]:
    checks = []
    for band in bands:
        reasons = []
        if result.total_rate < band.min_total_rate:
            reasons.append(f"total {result.total_rate:.1%} < {band.min_total_rate:.0%}")
        if band.min_pillar_rate is not None:
            reasons += [
                f"{line.pillar.code} {line.rate:.1%} < {band.min_pillar_rate:.0%}"
                for line in pillars
                if line.rate < band.min_pillar_rate
            ]
        checks.append(BandCheck(band=band, met=not reasons, reasons=reasons))
        if not reasons:
            break
    return checks


def grade_history(result: PartyResult) -> list[GradeChange]:
    """The result's history rows where the grade changed, newest first."""
    records = list(result.history.order_by("history_date", "history_id"))
    changes, previous = [], None
    for record in records:
        if previous is None or record.grade != previous:
            changes.append(
                GradeChange(
                    at=record.history_date,
                    grade_from=previous,
                    grade_to=record.grade,
                    total_rate=record.total_rate,
                    cause=record.history_change_reason or "",
                )
            )
        previous = record.grade
    return list(reversed(changes))


def explain(user, assessment_round: AssessmentRound, party: ListedParty) -> Explanation:
    """`party` as the round shows it (results.member)."""
    from reviews.models import Review
    from submissions.models import Evidence

    result = PartyResult.objects.filter(round=assessment_round, party_id=party.id).first()
    state = RoundComputation.objects.filter(round=assessment_round).first()
    is_current = state is None or state.is_current
    if result is None:
        return Explanation(None, None, [], [], [], is_current)
    evidence_ids = [v["evidence_id"] for v in result.sub_pillars.values() if "evidence_id" in v]
    visible = set(
        Evidence.objects.filter(policy.evidence_visibility(user), pk__in=evidence_ids).values_list(
            "pk", flat=True
        )
    )
    evidence = Evidence.objects.in_bulk(evidence_ids)
    approvals = {  # the latest approval of each piece of evidence
        review.evidence_id: review
        for review in Review.objects.filter(evidence_id__in=evidence_ids, decision="approve")
        .select_related("reviewer")
        .order_by("pk")
    }
    pillars = []
    for pillar in pillars_with_methodology(assessment_round):
        stored = result.pillars.get(pillar.code, {})
        line = PillarLine(pillar=pillar, rate=Decimal(stored.get("rate") or 0))
        for sub_pillar in pillar.sub_pillars.all():
            source = result.sub_pillars.get(sub_pillar.code, {})
            levels = {level.score: level for level in sub_pillar.levels.all()}
            level = source.get("level", 0)
            top = max(levels, default=1)
            line.lines.append(
                SubPillarLine(
                    sub_pillar=sub_pillar,
                    level=level,
                    max_score=top,
                    level_label=levels[level].label if level in levels else "",
                    rate=Decimal(level) / Decimal(top),
                    evidence=evidence.get(source.get("evidence_id")),
                    review=approvals.get(source.get("evidence_id")),
                    evidence_visible=source.get("evidence_id") in visible,
                )
            )
        pillars.append(line)
    bands = grade_bands(assessment_round)
    band = next((b for b in bands if b.grade == result.grade), None)
    return Explanation(
        result=result,
        band=band,
        pillars=pillars,
        checks=_band_checks(result, bands, pillars),
        history=grade_history(result),
        is_current=is_current,
    )
