"""The scoring engine: methodology + awarded levels in, rates, grades and aggregates out.

The method, in exact arithmetic (fractions.Fraction, never floats):

- a sub-pillar's rate = awarded score / its maximum score (a sub-pillar with no score counts 0);
- a pillar's rate = unweighted mean of its sub-pillars' rates;
- the total rate = weighted mean of the pillar rates (weights normalised by their sum);
- the grade = the first band, from the highest minimum total rate down, whose minimum total rate is
  met and whose optional per-pillar floor is met by every pillar;
- the ASR (average scoring rate) of a pillar over a set of Parties = mean of their pillar rates;
- fact statistics count Parties per fact value among Parties at or above the fact's level.

Pure Python (standard library, plus the pure-data readiness.methodology_v1): no Django import, so
it can be tested and benchmarked alone.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from itertools import repeat
from operator import le
from typing import NamedTuple

from readiness import methodology_v1 as v1_definition

# Weights and rates may be given as any of these; they are stored as Fraction.
Number = Fraction | Decimal | int | str

FACT_KINDS = frozenset({"choice", "integer", "boolean", "date", "party_list"})


class MethodologyError(ValueError):
    """The methodology cannot grade every Party consistently."""


class LevelError(ValueError):
    """An awarded level names an unknown sub-pillar or lies outside 0..max_score."""


def _exact(value: Number | float) -> Fraction:
    # A float goes through its shortest repr so that 0.6 means 3/5, not the nearest binary double.
    try:
        return Fraction(repr(value) if isinstance(value, float) else value)
    except (TypeError, ValueError) as error:
        raise MethodologyError(f"{value!r} is not a number") from error


@dataclass(frozen=True)
class FactSpec:
    key: str
    kind: str
    min_level: int = 1


@dataclass(frozen=True)
class SubPillarSpec:
    code: str
    max_score: int
    facts: tuple[FactSpec, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", tuple(self.facts))


@dataclass(frozen=True)
class PillarSpec:
    code: str
    weight: Number
    sub_pillars: tuple[SubPillarSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", _exact(self.weight))
        object.__setattr__(self, "sub_pillars", tuple(self.sub_pillars))


@dataclass(frozen=True)
class GradeBandSpec:
    grade: str
    min_total_rate: Number
    min_pillar_rate: Number | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_total_rate", _exact(self.min_total_rate))
        if self.min_pillar_rate is not None:
            object.__setattr__(self, "min_pillar_rate", _exact(self.min_pillar_rate))

    def admits(self, total_rate: Fraction, pillar_rates: Iterable[Fraction]) -> bool:
        if total_rate < self.min_total_rate:
            return False
        return self.min_pillar_rate is None or all(r >= self.min_pillar_rate for r in pillar_rates)


@dataclass(frozen=True)
class Methodology:
    pillars: tuple[PillarSpec, ...]
    bands: tuple[GradeBandSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "pillars", tuple(self.pillars))
        object.__setattr__(self, "bands", tuple(self.bands))

    @cached_property
    def bands_best_first(self) -> tuple[GradeBandSpec, ...]:
        # Ties on the total rate: the band with the higher pillar floor is the better one.
        return tuple(
            sorted(
                self.bands, key=lambda b: (b.min_total_rate, b.min_pillar_rate or 0), reverse=True
            )
        )

    @property
    def grades_best_first(self) -> tuple[str, ...]:
        return tuple(band.grade for band in self.bands_best_first)

    @cached_property
    def _sub_pillars_by_code(self) -> dict[str, SubPillarSpec]:
        return {sub.code: sub for pillar in self.pillars for sub in pillar.sub_pillars}

    @property
    def sub_pillars_in_order(self) -> tuple[SubPillarSpec, ...]:
        return tuple(sub for pillar in self.pillars for sub in pillar.sub_pillars)

    @cached_property
    def plan(self) -> _Plan:
        """The validated methodology's scoring tables (validate() runs once per methodology)."""
        return _Plan(self)

    @cached_property
    def sub_pillar_codes(self) -> tuple[str, ...]:
        return tuple(self._sub_pillars_by_code)

    def sub_pillar(self, code: str) -> SubPillarSpec:
        return self._sub_pillars_by_code[code]

    def validate(self) -> None:
        if not self.pillars:
            raise MethodologyError("the methodology has no pillars")
        pillar_codes: set[str] = set()
        sub_codes: set[str] = set()
        for pillar in self.pillars:
            if pillar.code in pillar_codes:
                raise MethodologyError(f"duplicate pillar code {pillar.code!r}")
            pillar_codes.add(pillar.code)
            if pillar.weight <= 0:
                raise MethodologyError(f"pillar {pillar.code}: weight {pillar.weight} must be > 0")
            if not pillar.sub_pillars:
                raise MethodologyError(f"pillar {pillar.code} has no sub-pillars")
            for sub in pillar.sub_pillars:
                if sub.code in sub_codes:
                    raise MethodologyError(f"duplicate sub-pillar code {sub.code!r}")
                sub_codes.add(sub.code)
                _validate_sub_pillar(sub)
        grades: set[str] = set()
        for band in self.bands:
            if band.grade in grades:
                raise MethodologyError(f"duplicate grade {band.grade!r}")
            grades.add(band.grade)
            for name, rate in (
                ("minimum total", band.min_total_rate),
                ("pillar floor", band.min_pillar_rate),
            ):
                if rate is not None and not 0 <= rate <= 1:
                    raise MethodologyError(
                        f"grade {band.grade}: {name} rate {rate} is outside [0, 1]"
                    )
        if not any(b.min_total_rate == 0 and b.min_pillar_rate is None for b in self.bands):
            raise MethodologyError(
                "no grade band with minimum total rate 0 and no pillar floor: some Parties would "
                "get no grade"
            )


def _validate_sub_pillar(sub: SubPillarSpec) -> None:
    if isinstance(sub.max_score, bool) or not isinstance(sub.max_score, int) or sub.max_score < 1:
        raise MethodologyError(f"sub-pillar {sub.code}: max_score {sub.max_score!r} must be >= 1")
    fact_keys: set[str] = set()
    for fact in sub.facts:
        if fact.kind not in FACT_KINDS:
            raise MethodologyError(
                f"sub-pillar {sub.code}: fact {fact.key!r} has unknown kind {fact.kind!r}"
            )
        if fact.key in fact_keys:
            raise MethodologyError(f"sub-pillar {sub.code}: duplicate fact key {fact.key!r}")
        fact_keys.add(fact.key)
        if not 0 <= fact.min_level <= sub.max_score:
            raise MethodologyError(
                f"sub-pillar {sub.code}: fact {fact.key!r} min_level {fact.min_level} "
                f"is outside 0..{sub.max_score}"
            )


@dataclass(frozen=True)
class PillarScore:
    code: str
    score: int  # sum of awarded scores, for display; the rate is the mean of sub-pillar rates
    max_score: int
    rate: Fraction


@dataclass(frozen=True)
class PartyScore:
    total_rate: Fraction
    grade: str
    pillars: dict[str, PillarScore]
    sub_pillar_rates: dict[str, Fraction]


class RowOutcome(NamedTuple):
    """One row of checked levels scored in integers: pillar rate numerators (over the plan's
    pillar denominators), the total rate numerator (over its total denominator), the grade and
    the pillar scores (sums of awarded scores)."""

    numerators: tuple[int, ...]
    total_numerator: int
    grade: str
    pillar_scores: tuple[int, ...]


ROW_MEMO_LIMIT = 20_000


class _Plan:
    """Integer tables that make scoring a Party a handful of integer sums: every pillar rate is
    numerator / (lcm of its maximum scores × its sub-pillar count), and every total rate is
    numerator / one common denominator, so Fractions are built once per distinct value."""

    def __init__(self, methodology: Methodology):
        methodology.validate()
        self.max_by_code = {sub.code: sub.max_score for sub in methodology.sub_pillars_in_order}
        self.codes = tuple(self.max_by_code)
        self.code_set = frozenset(self.codes)
        self.maxima = tuple(self.max_by_code.values())
        self.sub_rates = {
            code: tuple(Fraction(level, top) for level in range(top + 1))
            for code, top in self.max_by_code.items()
        }
        self.pillars = []  # (code, max_score, [(sub code, multiplier)], denominator)
        for pillar in methodology.pillars:
            common = math.lcm(*(sub.max_score for sub in pillar.sub_pillars))
            multipliers = [(sub.code, common // sub.max_score) for sub in pillar.sub_pillars]
            max_score = sum(sub.max_score for sub in pillar.sub_pillars)
            self.pillars.append(
                (pillar.code, max_score, multipliers, common * len(pillar.sub_pillars))
            )
        index = {code: i for i, code in enumerate(self.codes)}
        self.slots = tuple(
            tuple((index[code], multiplier) for code, multiplier in multipliers)
            for _, _, multipliers, _ in self.pillars
        )  # per pillar: (position in a row, multiplier)
        total_weight = sum((pillar.weight for pillar in methodology.pillars), Fraction(0))
        coefficients = [
            pillar.weight / (total_weight * denominator)
            for pillar, (*_, denominator) in zip(methodology.pillars, self.pillars, strict=True)
        ]
        self.total_denominator = math.lcm(*(c.denominator for c in coefficients))
        self.total_coefficients = [int(c * self.total_denominator) for c in coefficients]
        self.bands = methodology.bands_best_first
        self._outcomes: dict[tuple[int, ...], tuple[tuple[Fraction, ...], Fraction, str]] = {}
        self._row_outcomes: dict[tuple[int, ...], RowOutcome] = {}

    def checked(self, levels: Mapping[str, int]) -> dict[str, int]:
        for code, level in levels.items():
            top = self.max_by_code.get(code)
            if top is None:
                raise LevelError(f"unknown sub-pillar code {code!r} (level {level!r})")
            if type(level) is not int or not 0 <= level <= top:
                raise LevelError(f"sub-pillar {code}: level {level!r} is outside 0..{top}")
        return {code: levels.get(code, 0) for code in self.codes}

    def outcome(self, numerators: tuple[int, ...]) -> tuple[tuple[Fraction, ...], Fraction, str]:
        """Pillar rates, total rate and grade for the given pillar numerators (memoised)."""
        known = self._outcomes.get(numerators)
        if known is None:
            rates = tuple(
                Fraction(numerator, denominator)
                for numerator, (*_, denominator) in zip(numerators, self.pillars, strict=True)
            )
            total = Fraction(
                sum(n * k for n, k in zip(numerators, self.total_coefficients, strict=True)),
                self.total_denominator,
            )
            # validate() guarantees a catch-all band, so next() always finds one.
            grade = next(band.grade for band in self.bands if band.admits(total, rates))
            known = self._outcomes[numerators] = (rates, total, grade)
        return known

    def row(self, levels: Mapping[str, int]) -> tuple[int, ...]:
        """The checked levels as a tuple in sub-pillar order (missing codes count 0)."""
        row = tuple(map(levels.get, self.codes, repeat(0)))
        if levels.keys() <= self.code_set and self._valid(row):
            return row
        return tuple(self.checked(levels).values())  # raises, naming what is wrong

    def check_row(self, row: tuple[int, ...]) -> tuple[int, ...]:
        """A row of levels in sub-pillar order, checked like checked() checks a mapping."""
        if len(row) != len(self.codes) or not self._valid(row):
            if len(row) != len(self.codes):
                raise LevelError(f"a row needs {len(self.codes)} levels, not {len(row)}")
            self.checked(dict(zip(self.codes, row, strict=True)))  # raises
        return row

    def _valid(self, row: tuple[int, ...]) -> bool:
        # at C speed, for the usual valid case
        return set(map(type, row)) == {int} and min(row) >= 0 and all(map(le, row, self.maxima))

    def row_outcome(self, row: tuple[int, ...]) -> RowOutcome:
        """The integer figures of one row of levels (checked when first met): what aggregates
        sum (memoised, bounded: a long-lived worker meets the same rows again at every
        recompute of a round)."""
        known = self._row_outcomes.get(row)
        if known is None:
            self.check_row(row)
            numerators = tuple(sum(row[i] * m for i, m in slots) for slots in self.slots)
            total = sum(n * k for n, k in zip(numerators, self.total_coefficients, strict=True))
            scores = tuple(sum(row[i] for i, _ in slots) for slots in self.slots)
            if len(self._row_outcomes) >= ROW_MEMO_LIMIT:
                self._row_outcomes.clear()
            known = RowOutcome(numerators, total, self.outcome(numerators)[2], scores)
            self._row_outcomes[row] = known
        return known

    def score(self, levels: Mapping[str, int]) -> PartyScore:
        row = self.row(levels)
        numerators, _, _, pillar_scores = self.row_outcome(row)
        rates, total, grade = self.outcome(numerators)
        pillars = {
            code: PillarScore(code=code, score=score, max_score=max_score, rate=rate)
            for (code, max_score, _, _), score, rate in zip(
                self.pillars, pillar_scores, rates, strict=True
            )
        }
        sub_rates = {
            code: self.sub_rates[code][level] for code, level in zip(self.codes, row, strict=True)
        }
        return PartyScore(
            total_rate=total, grade=grade, pillars=pillars, sub_pillar_rates=sub_rates
        )


def score_party(methodology: Methodology, levels: Mapping[str, int]) -> PartyScore:
    return methodology.plan.score(levels)


def score_parties(
    methodology: Methodology, levels_by_party: Mapping[str, Mapping[str, int]]
) -> dict[str, PartyScore]:
    plan = methodology.plan
    return {party: plan.score(levels) for party, levels in levels_by_party.items()}


@dataclass(frozen=True)
class AggregateScore:
    party_count: int
    pillar_asr: dict[str, Fraction | None]
    total_asr: Fraction | None
    grade_counts: dict[str, int]


def _mean(values: list[Fraction], denominator: int) -> Fraction | None:
    """Exact mean of fractions whose denominators all divide `denominator`."""
    if not values:
        return None
    numerator = sum(value.numerator * (denominator // value.denominator) for value in values)
    return Fraction(numerator, denominator * len(values))


def aggregate(methodology: Methodology, scores: Iterable[PartyScore]) -> AggregateScore:
    scores = list(scores)
    plan = methodology.plan
    grade_counts = dict.fromkeys(methodology.grades_best_first, 0)
    for score in scores:
        if score.grade not in grade_counts:
            raise ValueError(f"grade {score.grade!r} is not a grade of this methodology")
        grade_counts[score.grade] += 1
    return AggregateScore(
        party_count=len(scores),
        pillar_asr={
            code: _mean([s.pillars[code].rate for s in scores], denominator)
            for code, *_, denominator in plan.pillars
        },
        total_asr=_mean([s.total_rate for s in scores], plan.total_denominator),
        grade_counts=grade_counts,
    )


@dataclass(frozen=True)
class FactStatistics:
    parties_reporting: int
    value_counts: dict[object, int] = field(default_factory=dict)
    total: int | None = None


@dataclass(frozen=True)
class SubPillarStatistics:
    level_counts: dict[int, int]
    facts: dict[str, FactStatistics]

    def at_or_above(self, level: int) -> int:
        return sum(count for score, count in self.level_counts.items() if score >= level)


def is_reported(value: object) -> bool:
    return value is not None and value != "" and not (isinstance(value, list | tuple) and not value)


def _fact_statistics(fact: FactSpec, values: list[object]) -> FactStatistics:
    value_counts: dict[object, int] = {}
    if fact.kind in ("choice", "boolean"):
        counts = Counter(values)
        value_counts = {
            value: counts[value] for value in sorted(counts, key=lambda v: (str(type(v)), v))
        }
    total = None
    if fact.kind == "integer":
        total = sum(int(value) for value in values)
    elif fact.kind == "party_list":
        total = sum(len(value) for value in values)
    return FactStatistics(parties_reporting=len(values), value_counts=value_counts, total=total)


def sub_pillar_statistics(
    methodology: Methodology,
    levels_by_party: Mapping[str, Mapping[str, int]],
    facts_by_party: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
) -> dict[str, SubPillarStatistics]:
    """Per sub-pillar: Parties per awarded level, and fact counts among Parties at the fact's level.

    The Parties counted are those of levels_by_party; facts of other Parties, and facts whose key
    the sub-pillar does not declare, are ignored.
    """
    plan = methodology.plan
    awarded = {party: plan.checked(levels) for party, levels in levels_by_party.items()}
    return _statistics(methodology, awarded, _reported_facts(methodology, facts_by_party))


def statistics_by_set(
    methodology: Methodology,
    levels_by_party: Mapping[str, Mapping[str, int]],
    facts_by_party: Mapping[str, Mapping[str, Mapping[str, object]]] | None,
    sets: Mapping[str, Iterable[str]],
) -> dict[str, dict[str, SubPillarStatistics]]:
    """sub_pillar_statistics for several sets of Parties (world, regions, groupings...), checking
    each Party's levels once; a set's members must be keys of levels_by_party."""
    plan = methodology.plan
    awarded = {party: plan.checked(levels) for party, levels in levels_by_party.items()}
    reported = _reported_facts(methodology, facts_by_party)
    return {
        key: _statistics(methodology, {party: awarded[party] for party in members}, reported)
        for key, members in sets.items()
    }


@dataclass(frozen=True)
class SetSummary:
    aggregate: AggregateScore
    statistics: dict[str, SubPillarStatistics]


def summarise_sets(
    methodology: Methodology,
    levels_by_party: Mapping[str, Mapping[str, int]],
    facts_by_party: Mapping[str, Mapping[str, Mapping[str, object]]] | None,
    sets: Mapping[str, Iterable[str]],
) -> dict[str, SetSummary]:
    """aggregate() and sub_pillar_statistics() for several sets of Parties (world, regions,
    groupings...) in one pass: each member's levels are checked and scored once, and a set's
    figures are integer sums over its members, the same exact values as aggregate() of their
    scores and statistics_by_set(). A set's members must be keys of levels_by_party; a Party
    named twice in a set counts once."""
    plan = methodology.plan
    needed = set().union(*(set(members) for members in sets.values()))
    rows = {party: plan.row(levels_by_party[party]) for party in needed}
    return _summarise(methodology, rows, facts_by_party, sets)


def summarise_rows(
    methodology: Methodology,
    rows_by_party: Mapping[str, tuple[int, ...]],
    facts_by_party: Mapping[str, Mapping[str, Mapping[str, object]]] | None,
    sets: Mapping[str, Iterable[str]],
) -> dict[str, SetSummary]:
    """summarise_sets() for levels given as rows: tuples in sub_pillar_codes order."""
    plan = methodology.plan
    needed = set().union(*(set(members) for members in sets.values()))
    rows = {party: plan.check_row(rows_by_party[party]) for party in needed}
    return _summarise(methodology, rows, facts_by_party, sets)


def _summarise(methodology, rows, facts_by_party, sets) -> dict[str, SetSummary]:
    plan = methodology.plan
    members_by_set = {key: tuple(dict.fromkeys(members)) for key, members in sets.items()}
    outcomes = {party: plan.row_outcome(row) for party, row in rows.items()}
    reported = _reported_facts(methodology, facts_by_party, set(rows))
    grades = methodology.grades_best_first
    empty_sums = (0,) * len(plan.pillars)
    summaries = {}
    for key, members in members_by_set.items():
        count = len(members)
        member_outcomes = [outcomes[party] for party in members]
        numerator_sums = [
            sum(column) for column in zip(*(o.numerators for o in member_outcomes), strict=True)
        ]
        grade_counts = dict.fromkeys(grades, 0)
        for grade, n in Counter(o.grade for o in member_outcomes).items():
            grade_counts[grade] += n
        aggregate_score = AggregateScore(
            party_count=count,
            pillar_asr={
                code: Fraction(numerator, denominator * count) if count else None
                for (code, *_, denominator), numerator in zip(
                    plan.pillars, numerator_sums or empty_sums, strict=True
                )
            },
            total_asr=Fraction(
                sum(o.total_numerator for o in member_outcomes), plan.total_denominator * count
            )
            if count
            else None,
            grade_counts=grade_counts,
        )
        member_rows = {party: rows[party] for party in members}
        summaries[key] = SetSummary(
            aggregate=aggregate_score,
            statistics=_row_statistics(methodology, member_rows, reported),
        )
    return summaries


def _row_statistics(
    methodology: Methodology,
    rows: Mapping[str, tuple[int, ...]],
    reported: Mapping[tuple[str, str], list[tuple[str, object]]],
) -> dict[str, SubPillarStatistics]:
    """_statistics() over checked rows (every level lies in 0..max), counting each sub-pillar's
    column at C speed."""
    columns = list(zip(*rows.values(), strict=True)) or [()] * len(methodology.plan.codes)
    statistics: dict[str, SubPillarStatistics] = {}
    for index, (sub, column) in enumerate(
        zip(methodology.sub_pillars_in_order, columns, strict=True)
    ):
        level_counts = {level: column.count(level) for level in range(sub.max_score + 1)}
        facts = {}
        for fact in sub.facts:
            values = [
                value
                for party, value in reported.get((sub.code, fact.key), ())
                if party in rows and rows[party][index] >= fact.min_level
            ]
            facts[fact.key] = _fact_statistics(fact, values)
        statistics[sub.code] = SubPillarStatistics(level_counts=level_counts, facts=facts)
    return statistics


def _reported_facts(
    methodology: Methodology,
    facts_by_party: Mapping[str, Mapping[str, Mapping[str, object]]] | None,
    parties: set[str] | None = None,
) -> dict[tuple[str, str], list[tuple[str, object]]]:
    """(sub-pillar code, fact key) → [(party, value)] for the values actually reported (by the
    Parties named, or all)."""
    reported: dict[tuple[str, str], list[tuple[str, object]]] = {}
    for party, by_code in (facts_by_party or {}).items():
        if parties is not None and party not in parties:
            continue
        for sub in methodology.sub_pillars_in_order:
            values = by_code.get(sub.code) or {}
            for fact in sub.facts:
                value = values.get(fact.key)
                if is_reported(value):
                    reported.setdefault((sub.code, fact.key), []).append((party, value))
    return reported


def _statistics(
    methodology: Methodology,
    awarded: Mapping[str, Mapping[str, int]],
    reported: Mapping[tuple[str, str], list[tuple[str, object]]],
) -> dict[str, SubPillarStatistics]:
    statistics: dict[str, SubPillarStatistics] = {}
    for sub in methodology.sub_pillars_in_order:
        code = sub.code
        level_counts = dict.fromkeys(range(sub.max_score + 1), 0)
        for levels in awarded.values():
            level_counts[levels[code]] += 1
        facts = {}
        for fact in sub.facts:
            values = [
                value
                for party, value in reported.get((code, fact.key), ())
                if party in awarded and awarded[party][code] >= fact.min_level
            ]
            facts[fact.key] = _fact_statistics(fact, values)
        statistics[code] = SubPillarStatistics(level_counts=level_counts, facts=facts)
    return statistics


def methodology_from_definition(definition: Mapping) -> Methodology:
    """A Methodology from plain data shaped like readiness.methodology_v1: {"pillars": [...],
    "bands": [...]}, each sub-pillar with its "levels" (the maximum score is the highest)."""
    try:
        pillars = tuple(
            PillarSpec(
                code=pillar["code"],
                weight=pillar.get("weight", 1),
                sub_pillars=tuple(
                    SubPillarSpec(
                        code=sub["code"],
                        max_score=max((level["score"] for level in sub["levels"]), default=0),
                        facts=tuple(
                            FactSpec(
                                key=fact["key"],
                                kind=fact["kind"],
                                min_level=fact.get("min_level", 1),
                            )
                            for fact in sub.get("facts", ())
                        ),
                    )
                    for sub in pillar["sub_pillars"]
                ),
            )
            for pillar in definition["pillars"]
        )
        bands = tuple(
            GradeBandSpec(
                grade=band["grade"],
                min_total_rate=band["min_total_rate"],
                min_pillar_rate=band.get("min_pillar_rate"),
            )
            for band in definition["bands"]
        )
    except (KeyError, TypeError) as error:
        raise MethodologyError(f"the definition is missing or mistypes {error}") from error
    return Methodology(pillars=pillars, bands=bands)


def methodology_v1() -> Methodology:
    """The methodology of the 2025 round (DESIGN §6), built from the one shared definition in
    readiness.methodology_v1 (pure data) that the database loader also reads."""
    return methodology_from_definition(
        {"pillars": v1_definition.PILLARS, "bands": v1_definition.BANDS}
    )
