"""The recompute pipeline (DESIGN §5): changes bump a round's evidence version and schedule
`recompute_round` after commit; the recompute reads the round in a few queries, runs the pure
engine once and writes only the results whose values changed, in one transaction.

Convergence: the version is read *before* the data, so results are never stamped with a version
newer than what they were computed from; a change that lands meanwhile leaves the round stale,
and the next run (scheduled by that change, or the periodic sweep) catches up.
"""

import functools
import hashlib
import logging
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import partial

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from readiness import grading
from readiness.background import enqueue
from readiness.history import tracked_bulk_create, tracked_bulk_update, tracked_delete
from readiness.models import (
    AggregateResult,
    AssessmentRound,
    Party,
    PartyResult,
    RoundChange,
    RoundComputation,
    RoundParty,
)
from readiness.selectors import methodology_spec_for_round

logger = logging.getLogger(__name__)
SIX_PLACES = Decimal("0.000001")


# --- triggering ------------------------------------------------------------------------------


def mark_round_changed(
    assessment_round: AssessmentRound,
    *,
    kind: str,
    description: str,
    actor=None,
    party=None,
    evidence=None,
    review=None,
) -> int:
    """Bumps the round's evidence version inside the caller's transaction, records why, and
    schedules a recompute for after the commit (nothing is scheduled if it rolls back)."""
    RoundComputation.objects.get_or_create(round=assessment_round)
    RoundComputation.objects.filter(round=assessment_round).update(
        evidence_version=F("evidence_version") + 1
    )
    version = RoundComputation.objects.values_list("evidence_version", flat=True).get(
        round=assessment_round
    )
    RoundChange.objects.create(
        round=assessment_round,
        version=version,
        kind=kind,
        party=party,
        evidence=evidence,
        review=review,
        actor=actor,
        description=description[:300],
    )
    transaction.on_commit(partial(schedule_recompute, assessment_round.pk), robust=True)
    return version


def schedule_recompute(round_id: int) -> bool:
    """Queues a recompute; if the broker is down the periodic sweep catches up later."""
    from readiness.tasks import recompute_round

    return enqueue(recompute_round, round_id)


# --- reading ---------------------------------------------------------------------------------

# A methodology is frozen once its round leaves draft, so its engine form is kept per process.
# The key includes the creation time so that a reused primary key (tests) cannot hit.
_frozen_methodologies: dict[tuple, grading.Methodology] = {}


def _methodology(assessment_round: AssessmentRound) -> grading.Methodology:
    if assessment_round.methodology_editable:
        return methodology_spec_for_round(assessment_round)
    key = (assessment_round.pk, assessment_round.created_at)
    if key not in _frozen_methodologies:
        _frozen_methodologies[key] = methodology_spec_for_round(assessment_round)
    return _frozen_methodologies[key]


@dataclass
class RoundInputs:
    methodology: grading.Methodology
    regions: dict[int, str]
    groupings: dict[str, set[int]]
    levels: dict[int, dict[str, int]]
    facts: dict[int, dict[str, dict]]
    evidence_ids: dict[int, dict[str, int]]


def read_inputs(assessment_round: AssessmentRound) -> RoundInputs:
    """Everything the engine needs, in a fixed number of queries whatever the round's size."""
    from submissions.models import Evidence, EvidenceStatus

    methodology = _methodology(assessment_round)
    regions = dict(
        RoundParty.objects.filter(round=assessment_round).values_list("party_id", "party__region")
    )
    groupings: dict[str, set[int]] = {}
    for party_id, code in Party.groupings.through.objects.filter(party_id__in=regions).values_list(
        "party_id", "grouping__code"
    ):
        groupings.setdefault(code, set()).add(party_id)
    approved = Evidence.objects.filter(round=assessment_round, status=EvidenceStatus.APPROVED)
    known_codes = set(methodology.sub_pillar_codes)
    levels: dict[int, dict[str, int]] = {party_id: {} for party_id in regions}
    evidence_ids: dict[int, dict[str, int]] = {}
    for evidence_id, party_id, code, level in approved.values_list(
        "pk", "party_id", "sub_pillar__code", "awarded_level"
    ):
        if party_id in levels and code in known_codes and level is not None:
            levels[party_id][code] = level
            evidence_ids.setdefault(party_id, {})[code] = evidence_id
    fact_codes = [sub.code for sub in methodology.sub_pillars_in_order if sub.facts]
    facts: dict[int, dict[str, dict]] = {}
    for party_id, code, evidence_facts in (
        approved.filter(sub_pillar__code__in=fact_codes)
        .exclude(facts={})
        .values_list("party_id", "sub_pillar__code", "facts")
    ):
        facts.setdefault(party_id, {})[code] = evidence_facts
    return RoundInputs(methodology, regions, groupings, levels, facts, evidence_ids)


# --- computing -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _rate(value: Fraction | None) -> str | None:
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN))


# Stored results are compared by a fingerprint of what determines them, so unchanged rows are
# neither computed nor written. Bump this when the shape or format of stored values changes:
# every row is then rewritten once.
RESULT_FORMAT = 1


def _digest(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()


def party_sets(inputs: RoundInputs) -> dict[str, set[int]]:
    """The sets of Parties that aggregates are computed for: world, regions, groupings."""
    sets = {"world": set(inputs.regions)}
    for party_id, region in inputs.regions.items():
        sets.setdefault(f"region:{region}", set()).add(party_id)
    for code, party_ids in inputs.groupings.items():
        sets[f"grouping:{code}"] = party_ids
    return sets


def fingerprints(inputs: RoundInputs, sets: dict[str, set[int]]) -> tuple[dict, dict]:
    """Per Party and per set, a digest of exactly what its stored values are computed from:
    the methodology, the levels, and the evidence (Parties) or counted facts (sets)."""
    methodology = inputs.methodology
    method = _digest(RESULT_FORMAT, methodology)
    counted_facts = [
        (sub.code, fact) for sub in methodology.sub_pillars_in_order for fact in sub.facts
    ]
    parties, members = {}, {}
    for party_id, levels in inputs.levels.items():
        row = tuple(levels.get(code, 0) for code in methodology.sub_pillar_codes)
        evidence_ids = inputs.evidence_ids.get(party_id, {})
        parties[party_id] = _digest(method, row, sorted(evidence_ids.items()))
        facts = inputs.facts.get(party_id, {})
        counted = tuple(
            value
            for code, fact in counted_facts
            if levels.get(code, 0) >= fact.min_level
            and grading.is_reported(value := facts.get(code, {}).get(fact.key))
        )
        members[party_id] = _digest(row, counted)
    aggregates = {
        key: _digest(method, key, sorted((party_id, members[party_id]) for party_id in party_ids))
        for key, party_ids in sets.items()
    }
    return parties, aggregates


@dataclass
class ComputedRound:
    parties: dict[int, dict]
    aggregates: dict[str, dict]


def _statistics_values(statistics: dict) -> dict:
    return {
        code: {
            "levels": {str(level): n for level, n in stats.level_counts.items()},
            "facts": {
                key: {
                    "reporting": fact.parties_reporting,
                    "values": {str(v): n for v, n in fact.value_counts.items()},
                    "total": fact.total,
                }
                for key, fact in stats.facts.items()
            },
        }
        for code, stats in statistics.items()
    }


def compute(
    inputs: RoundInputs, *, parties: set[int] | None = None, sets: set[str] | None = None
) -> ComputedRound:
    """Pure: results as plain values, ready to write, for the Parties and sets named (all by
    default)."""
    methodology = inputs.methodology
    all_sets = party_sets(inputs)
    wanted_sets = all_sets if sets is None else {key: all_sets[key] for key in sets}
    wanted_parties = set(inputs.levels) if parties is None else parties
    needed = wanted_parties.union(*wanted_sets.values())
    scores = grading.score_parties(methodology, {p: inputs.levels[p] for p in needed})
    party_values = {}
    for party_id in wanted_parties:
        score = scores[party_id]
        evidence_ids = inputs.evidence_ids.get(party_id, {})
        party_values[party_id] = {
            "total_rate": Decimal(_rate(score.total_rate)),
            "grade": score.grade,
            "pillars": {
                code: {"score": p.score, "max_score": p.max_score, "rate": _rate(p.rate)}
                for code, p in score.pillars.items()
            },
            "sub_pillars": {
                code: {"level": inputs.levels[party_id].get(code, 0)}
                | ({"evidence_id": evidence_ids[code]} if code in evidence_ids else {})
                for code in methodology.sub_pillar_codes
            },
        }
    statistics = grading.statistics_by_set(
        methodology, {p: inputs.levels[p] for p in needed}, inputs.facts, wanted_sets
    )
    aggregates = {}
    for key, party_ids in wanted_sets.items():
        aggregate = grading.aggregate(methodology, (scores[p] for p in party_ids))
        aggregates[key] = {
            "party_count": aggregate.party_count,
            "pillar_asr": {code: _rate(rate) for code, rate in aggregate.pillar_asr.items()},
            "total_asr": Decimal(_rate(aggregate.total_asr)) if aggregate.party_count else None,
            "grade_counts": aggregate.grade_counts,
            "statistics": _statistics_values(statistics[key]),
        }
    return ComputedRound(parties=party_values, aggregates=aggregates)


# --- writing ---------------------------------------------------------------------------------

PARTY_FIELDS = ("total_rate", "grade", "pillars", "sub_pillars")
AGGREGATE_FIELDS = ("party_count", "pillar_asr", "total_asr", "grade_counts", "statistics")


def _causes(assessment_round, after_version: int, up_to: int) -> tuple[dict[int, str], str]:
    """What changed between two versions: per Party the latest cause naming it, and the latest
    cause overall (for rows no particular change names)."""
    per_party: dict[int, str] = {}
    overall = "recomputed"
    for version, description, party_id in (
        RoundChange.objects.filter(
            round=assessment_round, version__gt=after_version, version__lte=up_to
        )
        .order_by("version")
        .values_list("version", "description", "party_id")
    ):
        overall = f"v{version}: {description}"
        if party_id:
            per_party[party_id] = overall
    return per_party, overall


def _stored_fingerprints(model, assessment_round, key_field: str) -> dict:
    return {
        key: (pk, stored)
        for pk, key, stored in model.objects.filter(round=assessment_round).values_list(
            "pk", key_field, "fingerprint"
        )
    }


def _sync(model, assessment_round, key_field: str, computed: dict, prints: dict, stored: dict,
          fields, *, version, actor, reasons: dict, overall: str) -> None:  # fmt: skip
    """Writes the computed rows (the changed ones) and deletes the rows no longer wanted, each
    with its history row."""
    created, changed = [], []
    for key, values in computed.items():
        pk = stored.get(key, (None, None))[0]
        row = model(pk=pk, round=assessment_round, **{key_field: key}, **values)
        row.fingerprint = prints[key]
        row.as_of_version = version
        row._change_reason = reasons.get(key, overall)
        (changed if pk else created).append(row)
    tracked_bulk_create(model, created, actor=actor, reason=overall)
    tracked_bulk_update(model, changed, [*fields, "fingerprint", "as_of_version"], actor=actor,
                        reason=overall)  # fmt: skip
    gone = [pk for key, (pk, _) in stored.items() if key not in prints]
    for row in model.objects.filter(pk__in=gone):
        tracked_delete(row, actor=actor, reason=overall)  # no longer in the round


def _changed(prints: dict, stored: dict) -> set:
    return {key for key, value in prints.items() if stored.get(key, (None, None))[1] != value}


def _write(assessment_round, inputs: RoundInputs, version: int, after_version: int) -> None:
    """Computes and writes only the rows whose inputs changed since they were stored."""
    sets = party_sets(inputs)
    party_prints, set_prints = fingerprints(inputs, sets)
    stored_parties = _stored_fingerprints(PartyResult, assessment_round, "party_id")
    stored_sets = _stored_fingerprints(AggregateResult, assessment_round, "key")
    parties, keys = _changed(party_prints, stored_parties), _changed(set_prints, stored_sets)
    gone = set(stored_parties) - set(party_prints) or set(stored_sets) - set(set_prints)
    if not parties and not keys and not gone:
        return
    from readiness.services import system_user

    computed = compute(inputs, parties=parties, sets=keys)
    per_party, overall = _causes(assessment_round, after_version, version)
    common = {"version": version, "actor": system_user(), "overall": overall}
    _sync(PartyResult, assessment_round, "party_id", computed.parties, party_prints,
          stored_parties, PARTY_FIELDS, reasons=per_party, **common)  # fmt: skip
    _sync(AggregateResult, assessment_round, "key", computed.aggregates, set_prints,
          stored_sets, AGGREGATE_FIELDS, reasons={}, **common)  # fmt: skip


def _lock_round(round_id: int) -> None:
    """Serialises recomputes of one round across workers: a PostgreSQL advisory lock tied to the
    transaction, so a killed worker releases it. It does not block the requests that bump the
    version. (SQLite runs one writer at a time anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [6, round_id])


@dataclass(frozen=True)
class RecomputeOutcome:
    round_id: int
    version: int
    computed: bool
    duration_ms: float


def recompute(round_id: int, *, force: bool = False) -> RecomputeOutcome:
    """Brings one round's results up to its evidence version; idempotent, and a no-op when the
    results are already current (unless `force`: still, only changed values are written)."""
    started = time.perf_counter()
    with transaction.atomic():
        _lock_round(round_id)
        state, _ = RoundComputation.objects.get_or_create(round_id=round_id)
        version = state.evidence_version  # read before the data: see the module docstring
        never_computed = (
            state.computed_at is None and RoundParty.objects.filter(round_id=round_id).exists()
        )
        if state.results_version >= version and not never_computed and not force:
            return RecomputeOutcome(round_id, version, False, _ms(started))
        assessment_round = AssessmentRound.objects.get(pk=round_id)
        if assessment_round.is_frozen:  # published results never change (DESIGN §4)
            logger.warning("round %s is published: its results are not recomputed", round_id)
            return RecomputeOutcome(round_id, version, False, _ms(started))
        inputs = read_inputs(assessment_round)
        _write(assessment_round, inputs, version, state.results_version)
        RoundComputation.objects.filter(round_id=round_id).update(
            results_version=version,
            computed_at=timezone.now(),
            compute_count=F("compute_count") + 1,
            last_duration_ms=_ms(started),
        )
    return RecomputeOutcome(round_id, version, True, _ms(started))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def stale_round_ids() -> list[int]:
    """Rounds whose results lag behind their evidence."""
    return list(
        RoundComputation.objects.filter(results_version__lt=F("evidence_version")).values_list(
            "round_id", flat=True
        )
    )
