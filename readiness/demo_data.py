"""Demo levels and facts for all 195 Parties that reproduce the headline figures of the 2025 report.

`demo_parties()` returns, for every Party of `readiness/data/parties.csv`, an awarded level on each
of the 13 sub-pillars of methodology v1 and the facts the methodology declares at those levels.
Scored with the pure engine (`readiness.grading`), the set reproduces DESIGN §7: the grade counts,
the world and regional pillar ASRs, and the sub-pillar and fact counts. `TARGETS` lists those
figures and `check_targets()` recomputes them with the engine for any set of levels and facts.

The figures hold as the pages print them, with the pages' rounding (a rate or a share of all 195
Parties to a whole percentage): every ASR lies within 0.49 point of the report's percentage (so
Oceania's infrastructure ASR prints 9%, not 10%), and exactly 39 Parties have a framework, formal
or draft (REG-1 "draft published" or "formally adopted"), which prints 20% (38 would print 19%, 40
21%). One statement of the report cannot be met as printed: "14% of the Parties with cooperation
agreements have binding implementation agreements" is no whole number of its 52–53 Parties (7 of
53 is 13%, 8 is 15%); the demo keeps the closest count, 7 (13%). The grade shares print with one
decimal (3.1%, 12.3%, 84.1%), which the report rounds to 3%, 12%, 84%.

The data is synthetic except for what the report states. Real, from the report:

- Ghana (GHA) is the only Party graded A;
- Thailand (THA) is the first Party to apply a corresponding adjustment in its BTR (IMP-6 = 2);
- the counts of §7: 6 B and 24 C Parties, 39 frameworks, 32 operational MRV systems (19/2/11 by
  standard basis), 21–22 registries (all but 3 self-developed), 52–53 Parties in finance, 167–168 in
  capacity building, 52–53 with cooperation agreements (7 binding), 21 issuing letters of
  authorisation, 22 whitelists, 6 CDM transitions.

Everything else is illustrative: which Parties are B and C (plausible front-runners, not the
report's list), every other Party's levels, instrument types, dates, counterparts and activity
counts. `DemoParty.real` is True only for Ghana and Thailand.

How: the A, B and C Parties have hand-written level profiles (`PROFILES`); every other Party is
D, its levels first drawn with a seeded random generator to the exact counts of `TARGETS`, then
adjusted by a small local search (swapping one sub-pillar's levels between two D Parties, or
changing one level where the counts allow it, never lifting a Party out of D; simulated
annealing, so that it does not stall one step away) until every pillar ASR sits inside its
tolerance. Facts are then drawn to match the fact counts. Standard library
only, no Django import; the result is the same on every call and every machine.
"""

from __future__ import annotations

import copy
import csv
import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

from readiness import grading
from readiness import methodology_v1 as v1

PARTIES_CSV = Path(__file__).resolve().parent / "data" / "parties.csv"
SEED = 2025
METHODOLOGY = grading.methodology_v1()
CODES = METHODOLOGY.sub_pillar_codes  # REG-1 … IMP-6, in methodology order
MAX_LEVEL = {code: METHODOLOGY.sub_pillar(code).max_score for code in CODES}
FACT_CHOICES = {
    (sub["code"], fact["key"]): tuple(choice["value"] for choice in fact["choices"])
    for pillar in v1.PILLARS
    for sub in pillar["sub_pillars"]
    for fact in sub.get("facts", ())
    if "choices" in fact
}

GHANA, THAILAND = "GHA", "THA"
REAL_PARTIES = frozenset({GHANA, THAILAND})

# Level profiles of the A, B and C Parties, one digit per sub-pillar, grouped by pillar:
# "REG-1 REG-2 REG-3  INF-1 INF-2 INF-3  FIN-1  IMP-1 … IMP-6". Every other Party is D.
PROFILES = {
    "A": {
        "GHA": "333 223 2 221111",
    },
    "B": {
        "CHE": "333 021 2 220001",
        "JPN": "333 222 2 220000",
        "KOR": "322 221 2 210000",
        "SGP": "332 222 2 220000",
        "SWE": "333 002 2 220000",
        "THA": "211 223 2 221102",
    },
    "C": {
        # Africa
        "BEN": "211 001 2 201000",
        "KEN": "221 101 2 210100",
        "MAR": "221 201 2 200000",
        "MWI": "211 001 2 201100",
        "RWA": "221 101 2 201100",
        "SEN": "221 001 2 201110",
        "ZMB": "211 101 2 200100",
        # Americas
        "BRA": "321 101 2 100000",
        "CHL": "221 201 2 200000",
        "COL": "221 201 2 200100",
        "DOM": "211 001 2 201100",
        "GUY": "211 001 2 201010",
        "MEX": "221 201 2 100000",
        "PER": "211 201 2 101100",
        # Asia
        "CHN": "221 201 2 100000",
        "IDN": "221 201 2 200100",
        "IND": "221 211 2 100000",
        "PHL": "211 101 2 210000",
        "VNM": "221 201 2 200100",
        # Europe
        "NOR": "333 001 2 210000",
        # Oceania
        "AUS": "222 201 2 210000",
        "NZL": "222 002 2 110000",
        "PNG": "211 101 2 200100",
        "VUT": "211 011 2 211000",
    },
}

# Parties that acquire ITMOs: providers of finance, and the counterparts of most agreements.
ACQUIRING = ("CHE", "JPN", "KOR", "NOR", "SGP", "SWE")
FINANCE_BOTH = frozenset({"BRA", "CHN", "IND"})


# --- targets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One figure of DESIGN §7 and the range it must fall in (both ends included).

    kind "grade": number of Parties with `grade`. "asr": ASR of `pillar` over the Parties of
    `region` ("" = all), a rate in [low, high]. "level": number of Parties (all, or of grade
    `grade` when set) whose `sub_pillar` level is in `levels`. "fact": number of Parties reporting
    `fact` = `value` on `sub_pillar` at the fact's level. "party": 1 if Party `party` has grade
    `grade`, or level `levels[0]` on `sub_pillar`, else 0.
    """

    name: str
    kind: str
    low: Fraction | int
    high: Fraction | int
    pillar: str = ""
    region: str = ""
    grade: str = ""
    sub_pillar: str = ""
    levels: tuple[int, ...] = ()
    fact: str = ""
    value: object = None
    party: str = ""

    @property
    def expected(self) -> str:
        if self.kind == "asr":
            centre, tolerance = (self.low + self.high) / 2, (self.high - self.low) / 2
            return f"{_percent(centre, 0)}% ± {_percent(tolerance)} pt"
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"

    @property
    def description(self) -> str:
        if self.kind == "grade":
            return f"Parties graded {self.grade}"
        if self.kind == "asr":
            where = f"the {self.region.capitalize()} Parties" if self.region else "all Parties"
            return f"mean {self.pillar} pillar rate over {where}"
        if self.kind == "level":
            among = f"{self.grade} Parties" if self.grade else "Parties"
            return f"{among} at {self.sub_pillar} level {' or '.join(map(str, self.levels))}"
        if self.kind == "fact":
            return f"Parties reporting {self.sub_pillar} {self.fact} = {self.value}"
        if self.grade:
            return f"{self.party} graded {self.grade}"
        return f"{self.party} at {self.sub_pillar} level {self.levels[0]}"


def _grade(grade: str, count: int) -> Target:
    return Target(f"Grade {grade}", "grade", count, count, grade=grade)


# An ASR target holds the rate within 0.49 point of the report's whole percentage, so the pages
# (which round a rate to a whole percentage) print exactly the report's figure, however a half
# would be rounded.
ASR_TOLERANCE = Fraction(49, 10_000)


def _asr(name: str, pillar: str, percent: int, region: str = "") -> Target:
    centre = Fraction(percent, 100)
    return Target(
        name, "asr", centre - ASR_TOLERANCE, centre + ASR_TOLERANCE, pillar=pillar, region=region
    )


def _level(
    name: str, sub_pillar: str, levels: tuple[int, ...], low: int, high: int = 0, grade: str = ""
) -> Target:
    return Target(
        name, "level", low, high or low, sub_pillar=sub_pillar, levels=levels, grade=grade
    )


def _fact(sub_pillar: str, fact: str, value: str, low: int, high: int = 0) -> Target:
    name = f"{sub_pillar} {fact} {value}"
    return Target(name, "fact", low, high or low, sub_pillar=sub_pillar, fact=fact, value=value)


TARGETS: tuple[Target, ...] = (
    _grade("A", 1),
    _grade("B", 6),
    _grade("C", 24),
    _grade("D", 164),
    Target("Ghana graded A", "party", 1, 1, party=GHANA, grade="A"),
    _asr("World REG ASR", "REG", 33),
    _asr("World FIN ASR", "FIN", 26),
    _asr("World IMP ASR", "IMP", 18),
    _asr("World INF ASR", "INF", 13),
    _asr("Asia REG ASR", "REG", 37, "asia"),
    _asr("Asia FIN ASR", "FIN", 34, "asia"),
    _asr("Africa REG ASR", "REG", 36, "africa"),
    _asr("Africa FIN ASR", "FIN", 28, "africa"),
    _asr("Europe INF ASR", "INF", 3, "europe"),
    _asr("Europe IMP ASR", "IMP", 9, "europe"),
    _asr("Oceania INF ASR", "INF", 9, "oceania"),
    _asr("Oceania IMP ASR", "IMP", 13, "oceania"),
    _level("REG-1 framework formal or draft (≥ 2)", "REG-1", (2, 3), 39),
    _level("REG-2 responsibilities, D Parties (≥ 1)", "REG-2", (1, 2, 3), 156, grade="D"),
    _level("REG-3 arrangements, D Parties (≥ 1)", "REG-3", (1, 2, 3), 80, 84, grade="D"),
    _level("INF-1 operational MRV (= 2)", "INF-1", (2,), 32),
    _fact("INF-1", "standard_basis", "existing", 19),
    _fact("INF-1", "standard_basis", "own", 2),
    _fact("INF-1", "standard_basis", "both", 11),
    _level("INF-2 registry deployed (= 2)", "INF-2", (2,), 21, 22),
    _fact("INF-2", "provenance", "self_developed", 18, 19),
    _fact("INF-2", "provenance", "third_party", 3),
    _level("FIN-1 engaged in finance (≥ 1)", "FIN-1", (1, 2), 52, 53),
    _level("IMP-1 capacity building (≥ 1)", "IMP-1", (1, 2), 167, 168),
    _level("IMP-1 top level (= 2)", "IMP-1", (2,), 90, 97),
    _level("IMP-2 cooperation agreement (≥ 1)", "IMP-2", (1, 2), 52, 53),
    _level("IMP-2 binding agreement (= 2)", "IMP-2", (2,), 7),
    _level("IMP-3 letters of authorisation (= 1)", "IMP-3", (1,), 21),
    _level("IMP-4 whitelists (= 1)", "IMP-4", (1,), 22),
    _level("IMP-5 CDM transitions (= 1)", "IMP-5", (1,), 6),
    _level("IMP-6 corresponding adjustment (= 2)", "IMP-6", (2,), 1),
    Target("Thailand IMP-6 = 2", "party", 1, 1, party=THAILAND, sub_pillar="IMP-6", levels=(2,)),
)


def _percent(rate: Fraction, places: int = 2) -> Decimal:
    return (Decimal(rate.numerator) * 100 / Decimal(rate.denominator)).quantize(
        Decimal(1).scaleb(-places)
    )


def check_targets(
    levels_by_party: dict[str, dict[str, int]],
    facts_by_party: dict[str, dict[str, dict]],
    regions: dict[str, str],
) -> list[tuple[str, object, bool]]:
    """(target name, actual figure, met) for every target, computed with the engine. An ASR's
    actual figure is a percentage (Decimal, 2 places); `met` compares the exact rate."""
    scores = grading.score_parties(METHODOLOGY, levels_by_party)
    grades = {party: score.grade for party, score in scores.items()}
    grade_counts = grading.aggregate(METHODOLOGY, scores.values()).grade_counts
    statistics = {"": grading.sub_pillar_statistics(METHODOLOGY, levels_by_party, facts_by_party)}
    results = []
    for target in TARGETS:
        if target.kind == "grade":
            actual = grade_counts.get(target.grade, 0)
        elif target.kind == "asr":
            members = [p for p in scores if not target.region or regions.get(p) == target.region]
            rate = grading.aggregate(METHODOLOGY, [scores[p] for p in members]).pillar_asr[
                target.pillar
            ]
            met = rate is not None and target.low <= rate <= target.high
            results.append((target.name, None if rate is None else _percent(rate), met))
            continue
        elif target.kind == "level":
            if target.grade not in statistics:
                chosen = {p: lv for p, lv in levels_by_party.items() if grades[p] == target.grade}
                statistics[target.grade] = grading.sub_pillar_statistics(METHODOLOGY, chosen)
            counts = statistics[target.grade][target.sub_pillar].level_counts
            actual = sum(counts[level] for level in target.levels)
        elif target.kind == "fact":
            facts = statistics[""][target.sub_pillar].facts[target.fact]
            actual = facts.value_counts.get(target.value, 0)
        elif target.grade:
            actual = int(grades.get(target.party) == target.grade)
        else:
            level = levels_by_party.get(target.party, {}).get(target.sub_pillar)
            actual = int(level == target.levels[0])
        results.append((target.name, actual, target.low <= actual <= target.high))
    return results


# --- the Parties ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoParty:
    code: str
    levels: dict[str, int]  # sub-pillar code -> awarded level, all 13 codes
    facts: dict[str, dict]  # sub-pillar code -> {fact key: value}, only where a fact applies
    real: bool  # True where the values come from the report (Ghana, Thailand)


@dataclass(frozen=True)
class _PartyRow:
    code: str
    region: str
    annex_i: bool


def _party_rows() -> list[_PartyRow]:
    with PARTIES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = [
            _PartyRow(row["code"], row["region"], row["annex_i"] == "1")
            for row in csv.DictReader(handle)
        ]
    return sorted(rows, key=lambda row: row.code)


def party_regions() -> dict[str, str]:
    """Party code -> region, for check_targets()."""
    return {row.code: row.region for row in _party_rows()}


def _profile_levels(profile: str) -> list[int]:
    digits = [int(digit) for digit in profile.replace(" ", "")]
    assert len(digits) == len(CODES), profile
    return digits


# Initial number of D Parties at level 1 of a sub-pillar where TARGETS do not fix it; the search
# then moves levels freely within the counts.
_INITIAL_FREE = {"REG-1": 50, "INF-1": 15, "INF-2": 8, "INF-3": 20}
# Sub-pillars whose single levels the search may change (subject to the counts of TARGETS); the
# others (IMP-3 … IMP-6: exact counts) only move by swapping between two D Parties.
# The search stops once every ASR is this close to its target, in tolerances (0.9 × 0.49 point).
_ASR_STOP = 0.9
# A worse step is kept with probability exp(-increase / T), T falling linearly from this to 0 over
# the search (simulated annealing): without it the search can stall one level away, e.g. with
# Oceania's infrastructure ASR at 9.7% where only a swap and a second change reach 9.0%.
_TEMPERATURE = 0.3
_CHANGEABLE = ("REG-1", "REG-2", "REG-3", "INF-1", "INF-2", "INF-3", "FIN-1", "IMP-1", "IMP-2")


class _Generator:
    """Draws the D Parties' levels to the counts of TARGETS, then searches for the pillar ASRs."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.rows = _party_rows()
        self.regions = {row.code: row.region for row in self.rows}
        self.plan = METHODOLOGY.plan
        self.index = {code: i for i, code in enumerate(CODES)}
        pinned = {
            party: _profile_levels(profile)
            for profiles in PROFILES.values()
            for party, profile in profiles.items()
        }
        self.levels = {row.code: pinned.get(row.code, [0] * len(CODES)) for row in self.rows}
        self.d_parties = [row.code for row in self.rows if row.code not in pinned]
        for grade, profiles in PROFILES.items():
            for party in profiles:
                if self.plan.outcome(self.numerators(pinned[party]))[2] != grade:
                    raise RuntimeError(f"the profile of {party} does not grade {grade}")
        self.asr_targets = [t for t in TARGETS if t.kind == "asr"]
        self.level_targets = [t for t in TARGETS if t.kind == "level"]
        self.pillar_slot = {code: i for i, (code, *_) in enumerate(self.plan.pillars)}

    # -- scoring helpers

    def numerators(self, levels: list[int]) -> tuple[int, ...]:
        return tuple(
            sum(levels[self.index[code]] * multiplier for code, multiplier in multipliers)
            for _, _, multipliers, _ in self.plan.pillars
        )

    def is_d(self, levels: list[int]) -> bool:
        return self.plan.outcome(self.numerators(levels))[2] == "D"

    def at_least(self, sub_pillar: str, minimum: int) -> list[str]:
        i = self.index[sub_pillar]
        return [p for p in sorted(self.levels) if self.levels[p][i] >= minimum]

    def count(self, target: Target) -> int:
        i = self.index[target.sub_pillar]
        parties = self.d_parties if target.grade == "D" else self.levels
        return sum(1 for p in parties if self.levels[p][i] in target.levels)

    # -- construction

    def draw(self, sub_pillar: str, level: int, wanted: int) -> None:
        """Raise `wanted` more D Parties (drawn at random, kept D) from below `level` to it."""
        i = self.index[sub_pillar]
        candidates = [p for p in self.d_parties if self.levels[p][i] < level]
        self.rng.shuffle(candidates)
        for party in candidates:
            if wanted <= 0:
                break
            trial = list(self.levels[party])
            trial[i] = level
            if self.is_d(trial):
                self.levels[party] = trial
                wanted -= 1
        if wanted > 0:
            raise RuntimeError(f"cannot place {sub_pillar} level {level} on enough D Parties")

    def construct(self) -> None:
        """Draw the D Parties' levels so that every level count of TARGETS holds exactly."""
        # Heaviest first (finance weighs a whole pillar), each count at or near its range's middle.
        quotas = [
            # (sub-pillar, level, Parties wanted at or above that level, among D Parties only?)
            ("FIN-1", 2, 52, False),
            ("INF-1", 2, 32, False),
            ("INF-2", 2, 21, False),
            ("IMP-3", 1, 21, False),
            ("IMP-4", 1, 22, False),
            ("IMP-5", 1, 6, False),
            ("IMP-2", 2, 7, False),
            ("IMP-2", 1, 52, False),
            ("REG-1", 2, 39, False),
            ("IMP-1", 2, 93, False),
            ("IMP-1", 1, 167, False),
            ("REG-3", 1, 82, True),
            ("REG-2", 1, 156, True),
        ]
        for sub_pillar, level, wanted, among_d in quotas:
            i = self.index[sub_pillar]
            parties = self.d_parties if among_d else self.levels
            have = sum(1 for p in parties if self.levels[p][i] >= level)
            self.draw(sub_pillar, level, wanted - have)
        for sub_pillar, wanted in _INITIAL_FREE.items():
            i = self.index[sub_pillar]
            below = [p for p in self.d_parties if self.levels[p][i] == 0]
            self.rng.shuffle(below)
            for party in below[:wanted]:
                trial = list(self.levels[party])
                trial[i] = 1
                if self.is_d(trial):
                    self.levels[party] = trial
        for target in self.level_targets:
            if not target.low <= self.count(target) <= target.high:
                raise RuntimeError(f"construction missed {target.name}")

    # -- search

    def search(self, max_steps: int = 60_000) -> None:
        """Hill-climb the D Parties' levels towards the centre of every ASR target.

        A step either swaps one sub-pillar's levels between two D Parties (no count changes) or
        changes one level of a `_CHANGEABLE` sub-pillar where the counts of TARGETS still hold;
        it is kept if every Party stays D and the summed squared deviations (in tolerances)
        decrease. It stops once every ASR is within `_ASR_STOP` of its tolerance from the centre
        (not half of it: Asia's and Africa's financial ASRs move in steps of about 1.1 point, so
        the closest they come to 34% and 28% is 0.3 point away).
        """
        pillar_count = len(self.plan.pillars)
        groups = sorted({t.region for t in self.asr_targets})
        members = {g: [p for p in self.levels if not g or self.regions[p] == g] for g in groups}
        party_numerators = {p: self.numerators(levels) for p, levels in self.levels.items()}
        sums = {
            g: [sum(party_numerators[p][k] for p in parties) for k in range(pillar_count)]
            for g, parties in members.items()
        }
        terms = []  # (group, pillar slot, centre, tolerance, denominator of the group's ASR)
        for t in self.asr_targets:
            slot = self.pillar_slot[t.pillar]
            denominator = self.plan.pillars[slot][3] * len(members[t.region])
            centre, tolerance = float((t.low + t.high) / 2), float((t.high - t.low) / 2)
            terms.append((t.region, slot, centre, tolerance, denominator))
        counted_by_sub: dict[str, list[Target]] = {}
        for t in self.level_targets:
            counted_by_sub.setdefault(t.sub_pillar, []).append(t)

        def objective() -> tuple[float, float]:
            """(sum of squared deviations, largest deviation), in tolerances."""
            deviations = [
                abs(sums[group][slot] / denominator - centre) / tolerance
                for group, slot, centre, tolerance, denominator in terms
            ]
            return sum(d * d for d in deviations), max(deviations)

        def apply(party: str, levels: list[int]) -> None:
            new = self.numerators(levels)
            for group in ("", self.regions[party]):
                if group in sums:
                    for k in range(pillar_count):
                        sums[group][k] += new[k] - party_numerators[party][k]
            party_numerators[party] = new
            self.levels[party] = levels

        current, worst = objective()
        d_parties, rng = self.d_parties, self.rng
        for step in range(max_steps):
            if worst <= _ASR_STOP:
                return
            party = d_parties[rng.randrange(len(d_parties))]
            proposal = {party: list(self.levels[party])}
            if rng.random() < 0.5:
                i = rng.randrange(len(CODES))
                other = d_parties[rng.randrange(len(d_parties))]
                proposal[other] = list(self.levels[other])
                proposal[party][i], proposal[other][i] = proposal[other][i], proposal[party][i]
                counted = []
            else:
                code = _CHANGEABLE[rng.randrange(len(_CHANGEABLE))]
                proposal[party][self.index[code]] = rng.randrange(MAX_LEVEL[code] + 1)
                counted = counted_by_sub.get(code, [])
            if any(self.levels[p] == levels for p, levels in proposal.items()):
                continue
            if not all(self.is_d(levels) for levels in proposal.values()):
                continue
            previous = {p: self.levels[p] for p in proposal}
            for p, levels in proposal.items():
                apply(p, levels)
            if all(t.low <= self.count(t) <= t.high for t in counted):
                candidate = objective()
                if candidate[0] < current or rng.random() < math.exp(
                    (current - candidate[0]) / (_TEMPERATURE * (1 - step / max_steps))
                ):
                    current, worst = candidate
                    continue
            for p, levels in previous.items():
                apply(p, levels)
        raise RuntimeError(f"the search did not reach the ASR targets (worst {worst:.2f} tol.)")

    # -- facts

    def facts(self) -> dict[str, dict[str, dict]]:
        rng = random.Random(SEED + 1)
        facts: dict[str, dict[str, dict]] = {code: {} for code in self.levels}

        def spread(parties: list[str], quotas: list[tuple[str, int]]) -> dict[str, str]:
            """Deal values by quota over the Parties in a seeded order; the rest get the last."""
            order = list(parties)
            rng.shuffle(order)
            values = [value for value, count in quotas for _ in range(count)]
            values += [quotas[-1][0]] * (len(order) - len(values))
            return dict(zip(order, values, strict=True))

        first_day = datetime.date(2021, 11, 13)  # the day after the Glasgow rulebook
        for party in self.at_least("REG-1", 1):
            level = self.levels[party][self.index["REG-1"]]
            if level == 1:
                instrument = "policy"
            else:
                instrument = rng.choice(("law", "regulation", "regulation", "guideline"))
            facts[party]["REG-1"] = {"instrument_type": instrument}
            if level == 3:
                day = first_day + datetime.timedelta(days=rng.randrange(1300))
                facts[party]["REG-1"]["adoption_date"] = day.isoformat()
        basis = spread(self.at_least("INF-1", 2), [("own", 2), ("both", 11), ("existing", 19)])
        for party, value in basis.items():
            facts[party]["INF-1"] = {"standard_basis": value}
        provenance = spread(self.at_least("INF-2", 2), [("third_party", 3), ("self_developed", 0)])
        for party, value in provenance.items():
            facts[party]["INF-2"] = {"provenance": value}
        annex_i = {row.code for row in self.rows if row.annex_i}
        for party in self.at_least("FIN-1", 1):
            if party in annex_i or party in ACQUIRING:
                role = "provider"
            else:
                role = "both" if party in FINANCE_BOTH else "recipient"
            facts[party]["FIN-1"] = {"role": role}
        self.counterparts(facts, rng)
        for party in self.at_least("IMP-3", 1):
            facts[party]["IMP-3"] = {"activities_authorised": rng.randint(1, 6)}
        for party in self.at_least("IMP-5", 1):
            facts[party]["IMP-5"] = {"activities": rng.randint(1, 40)}
        return facts

    def counterparts(self, facts: dict[str, dict[str, dict]], rng: random.Random) -> None:
        """IMP-2 counterparts: each host lists 1–3 acquiring Parties with an agreement; each
        acquiring Party lists the hosts that named it."""
        with_agreement = self.at_least("IMP-2", 1)
        acquirers = [p for p in ACQUIRING if p in with_agreement]
        named: dict[str, list[str]] = {p: [] for p in acquirers}
        for party in with_agreement:
            if party in named:
                continue
            chosen = sorted(rng.sample(acquirers, rng.randint(1, 3)))
            facts[party]["IMP-2"] = {"counterparts": chosen}
            for acquirer in chosen:
                named[acquirer].append(party)
        for acquirer, hosts in named.items():
            if not hosts:  # named by no host: an agreement with another acquiring Party
                hosts = [next(p for p in acquirers if p != acquirer)]
            facts[acquirer]["IMP-2"] = {"counterparts": sorted(hosts)}


@cache
def _generated() -> tuple[dict[str, dict[str, int]], dict[str, dict[str, dict]]]:
    generator = _Generator()
    generator.construct()
    generator.search()
    facts = generator.facts()
    levels = {
        p: dict(zip(CODES, party_levels, strict=True))
        for p, party_levels in generator.levels.items()
    }
    missed = [name for name, _, met in check_targets(levels, facts, generator.regions) if not met]
    if missed:
        raise RuntimeError(f"the demo data misses {', '.join(missed)}")
    return levels, facts


def demo_parties() -> dict[str, DemoParty]:
    """All 195 Parties, by code (sorted), with their demo levels and facts. Deterministic; the
    search runs once per process and each call returns fresh objects."""
    levels, facts = _generated()
    return {
        party: DemoParty(
            code=party,
            levels=dict(party_levels),
            facts=copy.deepcopy(facts[party]),
            real=party in REAL_PARTIES,
        )
        for party, party_levels in levels.items()
    }
