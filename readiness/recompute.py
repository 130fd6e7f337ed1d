"""The recompute pipeline (DESIGN §5): changes bump a round's evidence version and schedule
`recompute_round` after commit; the recompute reads the round in a few queries, runs the pure
engine once and writes only the results whose values changed, in one transaction.

Convergence: the version is read *before* the data, so results are never stamped with a version
newer than what they were computed from; a change that lands meanwhile leaves the round stale,
and the next run (scheduled by that change, or the periodic sweep) catches up.
"""

import functools
import hashlib
import json
import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import partial

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from readiness import grading, recompute_gate
from readiness.background import enqueue
from readiness.history import tracked_bulk_create, tracked_bulk_update, tracked_delete
from readiness.models import (
    AggregateResult,
    AssessmentRound,
    Grouping,
    Party,
    PartyResult,
    PartySnapshot,
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


def schedule_recompute(round_id: int, *, coalesce: bool = True) -> bool:
    """Queues a recompute unless one is already waiting for the round (it will read this change:
    readiness/recompute_gate.py); if the broker is down the periodic sweep catches up later.
    The sweep and the operator's command queue one in any case (`coalesce=False`): a run that
    was lost (a purged queue) must not hold the round back until its mark expires."""
    from readiness.tasks import recompute_round

    if not recompute_gate.claim(round_id) and coalesce:
        return True
    queued = enqueue(recompute_round, round_id)
    if not queued:
        recompute_gate.release(round_id)  # the next change tries the broker again
    return queued


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RoundShape:
    """A round's methodology in the engine's form, and its sub-pillars' ids → codes."""

    methodology: grading.Methodology
    codes_by_sub_pillar_id: dict[int, str]
    digest: str  # of the methodology and the result format, part of every fingerprint


# A methodology is frozen once its round leaves draft, so its engine form is kept per process.
# The key includes the creation time so that a reused primary key (tests) cannot hit.
_frozen_shapes: dict[tuple, _RoundShape] = {}


def _read_shape(assessment_round: AssessmentRound) -> _RoundShape:
    from readiness.models import SubPillar

    methodology = methodology_spec_for_round(assessment_round)
    codes = dict(SubPillar.objects.filter(pillar__round=assessment_round).values_list("pk", "code"))
    return _RoundShape(methodology, codes, _digest(RESULT_FORMAT, methodology))


def _shape(assessment_round: AssessmentRound) -> _RoundShape:
    if assessment_round.methodology_editable:
        return _read_shape(assessment_round)
    key = (assessment_round.pk, assessment_round.created_at)
    if key not in _frozen_shapes:
        _frozen_shapes[key] = _read_shape(assessment_round)
    return _frozen_shapes[key]


@dataclass
class RoundInputs:
    methodology: grading.Methodology
    regions: dict[int, str]  # the round's Parties
    groupings: dict[str, set[int]]
    # Per Party, in the methodology's sub-pillar order: the awarded levels (0 without approved
    # evidence) and the approved evidence behind them (0: none).
    rows: dict[int, tuple[int, ...]]
    evidence: dict[int, tuple[int, ...]]
    facts: dict[int, dict[str, dict]]  # Party → sub-pillar code → the evidence's facts
    methodology_digest: str = ""


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@functools.cache
def _queries() -> dict[str, str]:
    """The pipeline's hot reads, written out once from the models' tables and columns: for a
    round's evidence, building the query and converting every row through the ORM cost more
    than running the query."""
    from readiness.models import User
    from submissions.models import Evidence

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    def column(model, name: str) -> str:
        return connection.ops.quote_name(model._meta.get_field(name).column)

    through = Party.groupings.through
    state = {
        name: column(RoundComputation, name)
        for name in ("evidence_version", "results_version", "computed_at", "compute_count")
    }
    evidence, round_party, party = table(Evidence), table(RoundParty), table(Party)
    # The snapshot's grouping codes joined by commas (codes are slugs), taken out of its JSON by
    # the database: decoding every snapshot's JSON in Python cost about 0.7 ms a recompute.
    snapshot_groupings = f"s.{column(PartySnapshot, 'groupings')}"
    snapshot_codes = (
        f"(SELECT string_agg(e ->> 'code', ',') FROM jsonb_array_elements({snapshot_groupings}) e)"
        if connection.vendor == "postgresql"
        else f"(SELECT group_concat(json_extract(e.value, '$.code'), ',') "
        f"FROM json_each({snapshot_groupings}) e)"
    )
    return {
        # per member: its region and groupings from the round's snapshot (s), or from the
        # register (p, g) for a member the snapshot lacks (a row per grouping then)
        "members": (
            f"SELECT m.{column(RoundParty, 'party')}, "
            f"COALESCE(s.{column(PartySnapshot, 'region')}, p.{column(Party, 'region')}), "
            f"{snapshot_codes}, g.{column(Grouping, 'code')} "
            f"FROM {round_party} m "
            f"JOIN {party} p ON p.{column(Party, 'id')} = m.{column(RoundParty, 'party')} "
            f"LEFT JOIN {table(PartySnapshot)} s "
            f"ON s.{column(PartySnapshot, 'round')} = m.{column(RoundParty, 'round')} "
            f"AND s.{column(PartySnapshot, 'party')} = m.{column(RoundParty, 'party')} "
            f"LEFT JOIN {table(through)} pg "
            f"ON pg.{column(through, 'party')} = m.{column(RoundParty, 'party')} "
            f"AND s.{column(PartySnapshot, 'id')} IS NULL "
            f"LEFT JOIN {table(Grouping)} g "
            f"ON g.{column(Grouping, 'id')} = pg.{column(through, 'grouping')} "
            f"WHERE m.{column(RoundParty, 'round')} = %s"
        ),
        # {facts} becomes the facts column for the sub-pillars that count facts, else NULL
        "approved": (
            f"SELECT {column(Evidence, 'id')}, {column(Evidence, 'party')}, "
            f"{column(Evidence, 'sub_pillar')}, {column(Evidence, 'awarded_level')}, {{facts}} "
            f"FROM {evidence} WHERE {column(Evidence, 'round')} = %s "
            f"AND {column(Evidence, 'status')} = %s"
        ),
        "facts": (
            f"CASE WHEN {column(Evidence, 'sub_pillar')} IN ({{ids}}) "
            f"AND {column(Evidence, 'facts')} <> '{{{{}}}}' THEN {column(Evidence, 'facts')} END"
        ),
        "stored": (
            f"SELECT {column(PartyResult, 'id')}, {column(PartyResult, 'party')}, NULL, "
            f"{column(PartyResult, 'fingerprint')} FROM {table(PartyResult)} "
            f"WHERE {column(PartyResult, 'round')} = %s UNION ALL "
            f"SELECT {column(AggregateResult, 'id')}, NULL, {column(AggregateResult, 'key')}, "
            f"{column(AggregateResult, 'fingerprint')} FROM {table(AggregateResult)} "
            f"WHERE {column(AggregateResult, 'round')} = %s"
        ),
        "round_state": (
            f"SELECT r.{column(AssessmentRound, 'id')}, r.{column(AssessmentRound, 'status')}, "
            f"r.{column(AssessmentRound, 'created_at')}, c.{state['evidence_version']}, "
            f"c.{state['results_version']}, c.{state['computed_at']}, c.{state['compute_count']} "
            f"FROM {table(AssessmentRound)} r JOIN {table(RoundComputation)} c "
            f"ON c.{column(RoundComputation, 'round')} = r.{column(AssessmentRound, 'id')} "
            f"WHERE r.{column(AssessmentRound, 'id')} = %s"
        ),
        "results_stamp": (
            f"UPDATE {table(RoundComputation)} SET {state['results_version']} = %s, "
            f"{state['computed_at']} = %s, "
            f"{state['compute_count']} = {state['compute_count']} + 1, "
            f"{column(RoundComputation, 'last_duration_ms')} = %s "
            f"WHERE {column(RoundComputation, 'round')} = %s"
        ),
        # the changes behind a recompute, and (version NULL) the system account that writes it
        "causes": (
            f"SELECT {column(RoundChange, 'version')}, {column(RoundChange, 'description')}, "
            f"{column(RoundChange, 'party')} FROM {table(RoundChange)} "
            f"WHERE {column(RoundChange, 'round')} = %s AND {column(RoundChange, 'version')} > %s "
            f"AND {column(RoundChange, 'version')} <= %s UNION ALL "
            f"SELECT NULL, NULL, {column(User, 'id')} FROM {table(User)} "
            f"WHERE {column(User, 'username')} = %s"
        ),
    }


def read_inputs(assessment_round: AssessmentRound) -> RoundInputs:
    """Everything the engine needs, in two queries whatever the round's size (plus the
    methodology's, once per process when the round is no longer a draft). Regions and
    groupings come from the round's Party snapshot, the same one its pages show (taken anew
    at publication, before the final recompute), so the aggregates of a published round
    match what it shows of its Parties."""
    from submissions.models import EvidenceStatus

    queries = _queries()
    shape = _shape(assessment_round)
    methodology = shape.methodology
    regions: dict[int, str] = {}
    groupings: dict[str, set[int]] = {}
    for party_id, region, snapshot_codes, code in _fetch(queries["members"], [assessment_round.pk]):
        regions[party_id] = region
        if snapshot_codes:
            for snapshot_code in snapshot_codes.split(","):
                groupings.setdefault(snapshot_code, set()).add(party_id)
        if code is not None:
            groupings.setdefault(code, set()).add(party_id)
    codes = shape.codes_by_sub_pillar_id
    position = {code: index for index, code in enumerate(methodology.sub_pillar_codes)}
    slots = {pk: position[code] for pk, code in codes.items() if code in position}
    subs = methodology.sub_pillars_in_order
    with_facts = [pk for pk, slot in slots.items() if subs[slot].facts]
    approved = queries["approved"].format(
        facts=queries["facts"].format(ids=", ".join(["%s"] * len(with_facts)))
        if with_facts
        else "NULL"
    )
    width = len(position)
    levels = {party_id: [0] * width for party_id in regions}
    evidence = {party_id: [0] * width for party_id in regions}
    facts: dict[int, dict[str, dict]] = {}
    for evidence_id, party_id, sub_pillar_id, level, evidence_facts in _fetch(
        approved, [*with_facts, assessment_round.pk, EvidenceStatus.APPROVED.value]
    ):
        slot = slots.get(sub_pillar_id)
        party_levels = levels.get(party_id)
        if slot is None or party_levels is None:
            continue
        if level is not None:
            party_levels[slot] = level
            evidence[party_id][slot] = evidence_id
        if evidence_facts is not None and evidence_facts != "{}":
            if isinstance(evidence_facts, str):  # the drivers hand JSON over as text
                evidence_facts = json.loads(evidence_facts)
            if evidence_facts:
                facts.setdefault(party_id, {})[codes[sub_pillar_id]] = evidence_facts
    return RoundInputs(
        methodology,
        regions,
        groupings,
        rows={party_id: tuple(row) for party_id, row in levels.items()},
        evidence={party_id: tuple(row) for party_id, row in evidence.items()},
        facts=facts,
        methodology_digest=shape.digest,
    )


# --- computing -------------------------------------------------------------------------------


def _rate(value: Fraction | None) -> str | None:
    return None if value is None else _ratio(value.numerator, value.denominator)


@functools.lru_cache(maxsize=4096)
def _ratio(numerator: int, denominator: int) -> str:
    """numerator / denominator to six places, half to even (the same for any multiple of both:
    the exact quotient is what is rounded)."""
    exact = Decimal(numerator) / Decimal(denominator)
    return str(exact.quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN))


@functools.lru_cache(maxsize=4096)
def _decimal_ratio(numerator: int, denominator: int) -> Decimal:
    return Decimal(_ratio(numerator, denominator))


# Stored results are compared by a fingerprint of what determines them, so unchanged rows are
# neither computed nor written. Bump this when the shape or format of stored values or of the
# fingerprints changes: every row is then recomputed once (and rewritten only if its values
# differ).
RESULT_FORMAT = 2


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


@dataclass(frozen=True)
class Written:
    """What a recompute left in the results tables, kept by its process. While the round's
    compute_count and computed_at are still the ones that recompute stamped, this is exactly
    what is stored (every write to the results tables is a recompute, under the round's lock,
    that stamps both), so the next recompute needs neither to read the stored fingerprints nor
    to hash the inputs that did not change."""

    count: int
    stamped_at: datetime | None
    method: str
    parties: dict[int, tuple[int, str, tuple]]  # Party → (row pk, fingerprint, its inputs)
    members: dict[int, tuple]  # Party → what it gives the aggregates (levels, counted facts)
    member_texts: dict[int, str]  # Party → that share as the aggregates' fingerprints hash it
    sets: dict[str, tuple[int, str, frozenset]]  # set key → (row pk, fingerprint, members)


# (database, round id, round creation time) → Written; a new process starts empty.
_written: dict[tuple, Written] = {}
WRITTEN_LIMIT = 64  # rounds


@dataclass
class Fingerprints:
    method: str
    parties: dict[int, str]
    sets: dict[str, str]
    party_inputs: dict[int, tuple]
    member_inputs: dict[int, tuple]
    member_texts: dict[int, str]


def fingerprints(
    inputs: RoundInputs, sets: dict[str, set[int]], known: Written | None = None
) -> Fingerprints:
    """Per Party and per set, a digest of exactly what its stored values are computed from:
    the methodology, the levels, and the evidence (Parties) or counted facts (sets). Digests
    that `known` holds for the same inputs are taken from it."""
    methodology = inputs.methodology
    method = inputs.methodology_digest or _digest(RESULT_FORMAT, methodology)
    counted_facts = [
        (index, sub.code, fact)
        for index, sub in enumerate(methodology.sub_pillars_in_order)
        for fact in sub.facts
    ]
    reuse = known is not None and known.method == method
    known_parties = known.parties if reuse else {}
    known_members = known.members if reuse else {}
    parties, party_inputs, member_inputs, moved = {}, {}, {}, set()
    for party_id, row in inputs.rows.items():
        evidence_row = inputs.evidence[party_id]
        party_inputs[party_id] = own = (row, evidence_row if any(evidence_row) else ())
        old = known_parties.get(party_id)
        parties[party_id] = old[1] if old is not None and old[2] == own else _digest(method, *own)
        facts = inputs.facts.get(party_id)
        counted = (
            tuple(
                (code, fact.key, value)
                for index, code, fact in counted_facts
                if row[index] >= fact.min_level
                and grading.is_reported(value := facts.get(code, {}).get(fact.key))
            )
            if facts
            else ()
        )
        member_inputs[party_id] = share = (row, counted)
        if known_members.get(party_id) != share:
            moved.add(party_id)
    known_sets = known.sets if reuse else {}
    texts = {
        party_id: text
        for party_id, text in (known.member_texts.items() if reuse else ())
        if party_id in member_inputs and party_id not in moved
    }
    aggregates = {}
    for key, party_ids in sets.items():
        old = known_sets.get(key)
        if old is not None and old[2] == party_ids and moved.isdisjoint(party_ids):
            aggregates[key] = old[1]
            continue
        for party_id in party_ids:
            if party_id not in texts:
                texts[party_id] = repr((party_id, *member_inputs[party_id]))
        members = (texts[party_id] for party_id in sorted(party_ids))
        aggregates[key] = hashlib.blake2b(
            "|".join([method, key, *members]).encode(), digest_size=20
        ).hexdigest()
    return Fingerprints(method, parties, aggregates, party_inputs, member_inputs, texts)


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
    inputs: RoundInputs,
    *,
    parties: set[int] | None = None,
    sets: set[str] | None = None,
    all_sets: dict[str, set[int]] | None = None,
) -> ComputedRound:
    """Pure: results as plain values, ready to write, for the Parties and sets named (all by
    default). `all_sets` is party_sets(inputs), when the caller has it already."""
    methodology = inputs.methodology
    plan = methodology.plan
    codes = methodology.sub_pillar_codes
    all_sets = party_sets(inputs) if all_sets is None else all_sets
    wanted_sets = all_sets if sets is None else {key: all_sets[key] for key in sets}
    wanted_parties = set(inputs.rows) if parties is None else parties
    pillars = [(code, top, denominator) for code, top, _, denominator in plan.pillars]
    party_values = {}
    for party_id in wanted_parties:
        row, evidence_row = inputs.rows[party_id], inputs.evidence[party_id]
        numerators, total, grade, scores = plan.row_outcome(row)
        party_values[party_id] = {
            "total_rate": _decimal_ratio(total, plan.total_denominator),
            "grade": grade,
            "pillars": {
                code: {"score": score, "max_score": top, "rate": _ratio(numerator, denominator)}
                for (code, top, denominator), numerator, score in zip(
                    pillars, numerators, scores, strict=True
                )
            },
            "sub_pillars": {
                code: {"level": level, "evidence_id": evidence_id}
                if evidence_id
                else {"level": level}
                for code, level, evidence_id in zip(codes, row, evidence_row, strict=True)
            },
        }
    summaries = grading.summarise_rows(methodology, inputs.rows, inputs.facts, wanted_sets)
    aggregates = {}
    for key, summary in summaries.items():
        aggregate = summary.aggregate
        aggregates[key] = {
            "party_count": aggregate.party_count,
            "pillar_asr": {code: _rate(rate) for code, rate in aggregate.pillar_asr.items()},
            "total_asr": Decimal(_rate(aggregate.total_asr)) if aggregate.party_count else None,
            "grade_counts": aggregate.grade_counts,
            "statistics": _statistics_values(summary.statistics),
        }
    return ComputedRound(parties=party_values, aggregates=aggregates)


# --- writing ---------------------------------------------------------------------------------

PARTY_FIELDS = ("total_rate", "grade", "pillars", "sub_pillars")
AGGREGATE_FIELDS = ("party_count", "pillar_asr", "total_asr", "grade_counts", "statistics")


def _causes(assessment_round, after_version: int, up_to: int) -> tuple[dict[int, str], str, object]:
    """What changed between two versions: per Party the latest cause naming it, and the latest
    cause overall (for rows no particular change names); and the system account that writes
    the results, read in the same query."""
    from readiness.models import SYSTEM_USERNAME, User
    from readiness.services import system_user

    per_party: dict[int, str] = {}
    overall, actor = "recomputed", None
    rows = _fetch(
        _queries()["causes"], [assessment_round.pk, after_version, up_to, SYSTEM_USERNAME]
    )
    for version, description, party_id in sorted(rows, key=lambda row: row[0] or 0):
        if version is None:  # the system account's row
            actor = User.from_db(connection.alias, ["id"], [party_id])
            continue
        overall = f"v{version}: {description}"
        if party_id:
            per_party[party_id] = overall
    return per_party, overall, actor or system_user()


def _stored_fingerprints(assessment_round) -> tuple[dict, dict]:
    """(pk, fingerprint) of the stored rows, per Party and per set key, in one query."""
    stored_parties, stored_sets = {}, {}
    round_id = assessment_round.pk
    for pk, party_id, key, fingerprint in _fetch(_queries()["stored"], [round_id, round_id]):
        if key is None:
            stored_parties[party_id] = (pk, fingerprint)
        else:
            stored_sets[key] = (pk, fingerprint)
    return stored_parties, stored_sets


def _sync(model, assessment_round, key_field: str, computed: dict, prints: dict, stored: dict,
          fields, *, version, actor, reasons: dict, overall: str) -> dict:  # fmt: skip
    """Writes the computed rows and deletes the rows no longer wanted; returns the primary key
    of each row kept. A stored row whose fingerprint changed but whose values did not (a format
    bump, a methodology edit that moves nothing) only gets its new fingerprint: no history row,
    the same as_of_version."""
    created, changed = [], []
    for key, values in computed.items():
        pk = stored.get(key, (None, None))[0]
        row = model(pk=pk, round=assessment_round, **{key_field: key}, **values)
        row.fingerprint = prints[key]
        row.as_of_version = version
        row._change_reason = reasons.get(key, overall)
        (changed if pk else created).append(row)
    if created:
        tracked_bulk_create(model, created, actor=actor, reason=overall)
    tracked_bulk_update(model, changed, [*fields, "fingerprint", "as_of_version"], actor=actor,
                        reason=overall, unless_equal=fields)  # fmt: skip
    gone = [pk for key, (pk, _) in stored.items() if key not in prints]
    for row in model.objects.filter(pk__in=gone) if gone else ():
        tracked_delete(row, actor=actor, reason=overall)  # no longer in the round
    pks = {key: pk for key, (pk, _) in stored.items() if key in prints}
    pks.update((getattr(row, key_field), row.pk) for row in created)
    return pks


def _changed(prints: dict, stored: dict) -> set:
    return {key for key, value in prints.items() if stored.get(key, (None, None))[1] != value}


def _write(
    assessment_round, inputs: RoundInputs, version: int, after_version: int, known: Written | None
) -> Written:
    """Computes and writes only the rows whose inputs changed since they were stored; returns
    what is stored afterwards (its count is the caller's to set)."""
    sets = party_sets(inputs)
    prints = fingerprints(inputs, sets, known)
    if known is None:
        stored_parties, stored_sets = _stored_fingerprints(assessment_round)
    else:
        stored_parties = {
            key: (pk, fingerprint) for key, (pk, fingerprint, _) in known.parties.items()
        }
        stored_sets = {key: (pk, fingerprint) for key, (pk, fingerprint, _) in known.sets.items()}
    parties, keys = _changed(prints.parties, stored_parties), _changed(prints.sets, stored_sets)
    gone = set(stored_parties) - set(prints.parties) or set(stored_sets) - set(prints.sets)
    party_pks = {key: pk for key, (pk, _) in stored_parties.items()}
    set_pks = {key: pk for key, (pk, _) in stored_sets.items()}
    if parties or keys or gone:
        computed = compute(inputs, parties=parties, sets=keys, all_sets=sets)
        per_party, overall, actor = _causes(assessment_round, after_version, version)
        common = {"version": version, "actor": actor, "overall": overall}
        party_pks = _sync(PartyResult, assessment_round, "party_id", computed.parties,
                          prints.parties, stored_parties, PARTY_FIELDS, reasons=per_party,
                          **common)  # fmt: skip
        set_pks = _sync(AggregateResult, assessment_round, "key", computed.aggregates,
                        prints.sets, stored_sets, AGGREGATE_FIELDS, reasons={},
                        **common)  # fmt: skip
    return Written(
        count=-1,
        stamped_at=None,
        method=prints.method,
        parties={
            party_id: (party_pks[party_id], fingerprint, prints.party_inputs[party_id])
            for party_id, fingerprint in prints.parties.items()
        },
        members=prints.member_inputs,
        member_texts=prints.member_texts,
        sets={
            key: (set_pks[key], fingerprint, frozenset(sets[key]))
            for key, fingerprint in prints.sets.items()
        },
    )


def _lock_round(round_id: int) -> None:
    """Serialises recomputes of one round across workers: a PostgreSQL advisory lock tied to the
    transaction, so a killed worker releases it. It does not block the requests that bump the
    version. (SQLite runs one writer at a time anyway.)

    The transaction also commits without waiting for the WAL flush (about 3 ms here): results
    are derived data, and a recompute lost in a database crash leaves results_version behind
    evidence_version, so the sweep redoes it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('synchronous_commit', 'off', true), "
                "pg_advisory_xact_lock(%s, %s)",
                [6, round_id],
            )


def _round_and_state(round_id: int) -> tuple[AssessmentRound, RoundComputation]:
    """The round (the fields the recompute needs; the others load if asked for) and its
    computation state, in one query; the state row is made on first use."""
    found = _fetch(_queries()["round_state"], [round_id])
    if not found:
        state, _ = RoundComputation.objects.select_related("round").get_or_create(round_id=round_id)
        return state.round, state
    [(pk, status, created_at, evidence_version, results_version, computed_at, count)] = found
    assessment_round = AssessmentRound.from_db(
        connection.alias, ["id", "status", "created_at"], [pk, status, _datetime(created_at)]
    )
    state = RoundComputation(
        round_id=round_id,
        evidence_version=evidence_version,
        results_version=results_version,
        computed_at=_datetime(computed_at),
        compute_count=count,
    )
    return assessment_round, state


def _datetime(value):
    """A datetime column read outside the ORM: SQLite hands it over naive (UTC), as a datetime
    or as text."""
    if isinstance(value, str):
        value = models.DateTimeField().to_python(value)
    if value is not None and settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


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
        recompute_gate.release(round_id)  # changes from now on queue a run of their own
        assessment_round, state = _round_and_state(round_id)
        version = state.evidence_version  # read before the data: see the module docstring
        never_computed = (
            state.computed_at is None and RoundParty.objects.filter(round_id=round_id).exists()
        )
        if state.results_version >= version and not never_computed and not force:
            return RecomputeOutcome(round_id, version, False, _ms(started))
        if assessment_round.is_frozen:  # published results never change (DESIGN §4)
            logger.warning("round %s is published: its results are not recomputed", round_id)
            return RecomputeOutcome(round_id, version, False, _ms(started))
        inputs = read_inputs(assessment_round)
        memo = (connection.settings_dict["NAME"], round_id, assessment_round.created_at)
        known = _written.get(memo)
        if known is not None and (known.count, known.stamped_at) != (
            state.compute_count,
            state.computed_at,
        ):
            known = None  # another process wrote since
        written = _write(assessment_round, inputs, version, state.results_version, known)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(_queries()["results_stamp"], [version, now, _ms(started), round_id])
        written = replace(written, count=state.compute_count + 1, stamped_at=now)
        transaction.on_commit(partial(_remember, memo, written))
    return RecomputeOutcome(round_id, version, True, _ms(started))


def _remember(memo: tuple, written: Written) -> None:
    _written.pop(memo, None)
    rows = [*written.parties.values(), *written.sets.values()]
    if any(pk is None for pk, *_ in rows):
        return  # a database that does not return new rows' keys: read them next time
    while len(_written) >= WRITTEN_LIMIT:
        _written.pop(next(iter(_written)))  # the round remembered longest ago
    _written[memo] = written


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def stale_round_ids() -> list[int]:
    """Rounds whose results lag behind their evidence."""
    return list(
        RoundComputation.objects.filter(results_version__lt=F("evidence_version")).values_list(
            "round_id", flat=True
        )
    )
