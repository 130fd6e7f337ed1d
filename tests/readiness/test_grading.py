"""Tests of the pure grading engine (no Django: plain pytest + hypothesis)."""

import subprocess
import sys
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.grading import (
    FactSpec,
    GradeBandSpec,
    LevelError,
    Methodology,
    MethodologyError,
    PillarSpec,
    SubPillarSpec,
    aggregate,
    methodology_v1,
    score_parties,
    score_party,
    statistics_by_set,
    sub_pillar_statistics,
    summarise_rows,
    summarise_sets,
)

V1 = methodology_v1()
V1_ALL_MAX = {code: V1.sub_pillar(code).max_score for code in V1.sub_pillar_codes}
V1_BANDS = V1.bands


def single_sub_pillar_pillars(*weights_and_max: tuple[object, int]) -> tuple[PillarSpec, ...]:
    """Pillars P1, P2… each with one sub-pillar S1, S2… so a pillar's rate is that level / max."""
    return tuple(
        PillarSpec(
            code=f"P{i}", weight=weight, sub_pillars=(SubPillarSpec(code=f"S{i}", max_score=top),)
        )
        for i, (weight, top) in enumerate(weights_and_max, start=1)
    )


# Four equal pillars, one sub-pillar of max 5 each: pillar rates are multiples of 1/5.
QUAD = Methodology(pillars=single_sub_pillar_pillars(*[(1, 5)] * 4), bands=V1_BANDS)
# Two pillars weighted 0.75 : 0.25 = 3 : 1 (given as str and Decimal, normalised by their sum, which
# is not the pillar count), one sub-pillar of max 4 each.
WEIGHTED = Methodology(
    pillars=single_sub_pillar_pillars(("0.75", 4), (Decimal("0.25"), 4)), bands=V1_BANDS
)


def quad(*levels: int) -> dict[str, int]:
    return {f"S{i}": level for i, level in enumerate(levels, start=1)}


# --- methodology v1 -------------------------------------------------------------------------------


def test_v1_shape():
    V1.validate()
    assert [p.code for p in V1.pillars] == ["REG", "INF", "FIN", "IMP"]
    assert all(p.weight == 1 for p in V1.pillars)
    assert V1_ALL_MAX == {
        "REG-1": 3, "REG-2": 3, "REG-3": 3, "INF-1": 2, "INF-2": 2, "INF-3": 3, "FIN-1": 2,
        "IMP-1": 2, "IMP-2": 2, "IMP-3": 1, "IMP-4": 1, "IMP-5": 1, "IMP-6": 2,
    }  # fmt: skip
    assert V1.grades_best_first == ("A", "B", "C", "D")
    assert [(b.min_total_rate, b.min_pillar_rate) for b in V1.bands] == [
        (F(3, 4), F(1, 2)),
        (F(3, 5), None),
        (F(2, 5), None),
        (0, None),
    ]
    assert {f.key: f.kind for f in V1.sub_pillar("REG-1").facts} == {
        "instrument_type": "choice",
        "adoption_date": "date",
    }
    assert V1.sub_pillar("IMP-2").facts == (FactSpec("counterparts", "party_list", 1),)


def case(case_id, methodology, levels, total, grade):
    return pytest.param(methodology, levels, total, grade, id=case_id)


@pytest.mark.parametrize(
    ("methodology", "levels", "total", "grade"),
    [
        # every sub-pillar at max → every pillar 1 → (1+1+1+1)/4 = 1 → A
        case("ghana-like-all-max", V1, V1_ALL_MAX, F(1), "A"),
        # nothing awarded → 0 → D
        case("nothing", V1, {}, F(0), "D"),
        # all max but FIN-1 = 0: (1+1+0+1)/4 = 3/4, FIN 0 < 1/2 floor → B not A
        case("v1-fin-below-floor", V1, {**V1_ALL_MAX, "FIN-1": 0}, F(3, 4), "B"),
        # all max but FIN-1 = 1: (1+1+1/2+1)/4 = 7/8, FIN exactly 1/2 meets the floor → A
        case("v1-fin-on-floor", V1, {**V1_ALL_MAX, "FIN-1": 1}, F(7, 8), "A"),
        # missing codes count 0: REG (3/3+0+0)/3 = 1/3, others 0 → (1/3)/4 = 1/12 → D
        case("missing-codes-count-0", V1, {"REG-1": 3}, F(1, 12), "D"),
        # 0.8 total but one pillar at 0.4: (1+1+4/5+2/5)/4 = 16/5/4 = 4/5, floor fails → B
        case("0.80-pillar-0.40", QUAD, quad(5, 5, 4, 2), F(4, 5), "B"),
        # exactly 0.75 with every pillar ≥ 0.5: (4/5·3 + 3/5)/4 = 3/4 → A
        case("exactly-0.75", QUAD, quad(4, 4, 4, 3), F(3, 4), "A"),
        # exactly 0.75 but a pillar at 2/5: (1+1+3/5+2/5)/4 = 3/4 → B
        case("exactly-0.75-pillar-0.40", QUAD, quad(5, 5, 3, 2), F(3, 4), "B"),
        # just under 0.75: (4/5·3 + 2/5)/4 = 14/5/4 = 7/10 → B
        case("under-0.75", QUAD, quad(4, 4, 4, 2), F(7, 10), "B"),
        # exactly 0.60: (3/5·4)/4 = 3/5 → B
        case("exactly-0.60", QUAD, quad(3, 3, 3, 3), F(3, 5), "B"),
        # just under 0.60: (3/5·3 + 2/5)/4 = 11/5/4 = 11/20 → C
        case("under-0.60", QUAD, quad(3, 3, 3, 2), F(11, 20), "C"),
        # exactly 0.40: (2/5·4)/4 = 2/5 → C
        case("exactly-0.40", QUAD, quad(2, 2, 2, 2), F(2, 5), "C"),
        # just under 0.40: (2/5·3 + 1/5)/4 = 7/5/4 = 7/20 → D
        case("under-0.40", QUAD, quad(2, 2, 2, 1), F(7, 20), "D"),
        # weights 3/4 : 1/4 (sum 1) — 3/4·1 + 1/4·0 = 3/4, but P2 at 0 < 1/2 → B
        case("weighted-heavy-pillar-only", WEIGHTED, {"S1": 4}, F(3, 4), "B"),
        # 3/4·0 + 1/4·1 = 1/4 → D
        case("weighted-light-pillar-only", WEIGHTED, {"S2": 4}, F(1, 4), "D"),
        # 3/4·1/2 + 1/4·1 = 3/8 + 2/8 = 5/8 → B
        case("weighted-5/8", WEIGHTED, {"S1": 2, "S2": 4}, F(5, 8), "B"),
        # 3/4·3/4 + 1/4·1/2 = 9/16 + 2/16 = 11/16 → B
        case("weighted-11/16", WEIGHTED, {"S1": 3, "S2": 2}, F(11, 16), "B"),
        # 3/4·1 + 1/4·1/2 = 6/8 + 1/8 = 7/8, both pillars ≥ 1/2 → A
        case("weighted-7/8", WEIGHTED, {"S1": 4, "S2": 2}, F(7, 8), "A"),
    ],
)
def test_total_rate_and_grade(methodology, levels, total, grade):
    result = score_party(methodology, levels)
    assert result.total_rate == total
    assert isinstance(result.total_rate, F)
    assert result.grade == grade


def test_pillar_rate_is_unweighted_mean_of_sub_pillar_rates():
    # INF: INF-1 2/2, INF-2 0/2, INF-3 1/3 → (1 + 0 + 1/3)/3 = 4/9, not the score ratio 3/7
    result = score_party(V1, {"INF-1": 2, "INF-3": 1})
    inf = result.pillars["INF"]
    assert (inf.code, inf.score, inf.max_score, inf.rate) == ("INF", 3, 7, F(4, 9))
    assert result.sub_pillar_rates["INF-3"] == F(1, 3)
    assert result.sub_pillar_rates["REG-1"] == 0  # missing code counts 0
    assert list(result.pillars) == ["REG", "INF", "FIN", "IMP"]
    assert list(result.sub_pillar_rates) == list(V1.sub_pillar_codes)
    # total = (0 + 4/9 + 0 + 0)/4 = 1/9
    assert result.total_rate == F(1, 9)


@pytest.mark.parametrize(
    "weight",
    [F(1, 10), Decimal("0.1"), "0.1", "1/10", 0.1],
    ids=["fraction", "decimal", "str", "str-fraction", "float-via-repr"],
)
def test_weights_are_converted_exactly(weight):
    assert PillarSpec(code="P", weight=weight, sub_pillars=()).weight == F(1, 10)


def test_rates_are_converted_exactly():
    band = GradeBandSpec(grade="A", min_total_rate=Decimal("0.75"), min_pillar_rate="1/2")
    assert (band.min_total_rate, band.min_pillar_rate) == (F(3, 4), F(1, 2))
    assert GradeBandSpec(grade="D", min_total_rate=0).min_pillar_rate is None


def test_tie_on_total_rate_tries_the_band_with_a_pillar_floor_first():
    bands = (
        GradeBandSpec(grade="B", min_total_rate="0.5"),
        GradeBandSpec(grade="A", min_total_rate="0.5", min_pillar_rate="0.5"),
        GradeBandSpec(grade="C", min_total_rate=0),
    )
    methodology = Methodology(pillars=QUAD.pillars, bands=bands)
    assert methodology.grades_best_first == ("A", "B", "C")
    assert score_party(methodology, quad(3, 3, 3, 3)).grade == "A"
    assert score_party(methodology, quad(5, 5, 0, 0)).grade == "B"


def test_score_parties_scores_every_party():
    results = score_parties(V1, {"GHA": V1_ALL_MAX, "XXX": {}})
    assert {party: r.grade for party, r in results.items()} == {"GHA": "A", "XXX": "D"}


def test_sub_pillar_lookup():
    assert V1.sub_pillar("IMP-3") == SubPillarSpec(
        "IMP-3", 1, (FactSpec("activities_authorised", "integer"),)
    )
    with pytest.raises(KeyError):
        V1.sub_pillar("NOPE")


# --- refusals -------------------------------------------------------------------------------------


def _one_pillar(*sub_pillars: SubPillarSpec, weight: object = 1) -> tuple[PillarSpec, ...]:
    return (PillarSpec(code="P", weight=weight, sub_pillars=sub_pillars),)


_S = SubPillarSpec(code="S", max_score=2)
_D = GradeBandSpec(grade="D", min_total_rate=0)


@pytest.mark.parametrize(
    ("pillars", "bands", "message"),
    [
        ((), (_D,), "no pillars"),
        (_one_pillar(), (_D,), "pillar P has no sub-pillars"),
        (_one_pillar(_S) * 2, (_D,), "duplicate pillar code 'P'"),
        (
            (
                PillarSpec(code="P", weight=1, sub_pillars=(_S,)),
                PillarSpec(code="Q", weight=1, sub_pillars=(_S,)),
            ),
            (_D,),
            "duplicate sub-pillar code 'S'",
        ),
        (_one_pillar(SubPillarSpec("S", 0)), (_D,), r"max_score 0 must be >= 1"),
        (_one_pillar(_S, weight=0), (_D,), "weight 0 must be > 0"),
        (_one_pillar(_S, weight=-1), (_D,), "weight -1 must be > 0"),
        (_one_pillar(_S), (GradeBandSpec("A", "1.5"), _D), r"minimum total rate 3/2 is outside"),
        (_one_pillar(_S), (GradeBandSpec("A", "-0.1"), _D), r"minimum total rate -1/10 is outside"),
        (_one_pillar(_S), (GradeBandSpec("A", "0.5", 2), _D), r"pillar floor rate 2 is outside"),
        (_one_pillar(_S), (GradeBandSpec("D", "0.5"), _D), "duplicate grade 'D'"),
        (_one_pillar(_S), (), "no grade band with minimum total rate 0"),
        (_one_pillar(_S), (GradeBandSpec("D", "0.1"),), "no grade band with minimum total rate 0"),
        (
            _one_pillar(_S),
            (GradeBandSpec("D", 0, "0.1"),),
            "no grade band with minimum total rate 0 and no pillar floor",
        ),
        (
            _one_pillar(SubPillarSpec("S", 2, (FactSpec("x", "float"),))),
            (_D,),
            "fact 'x' has unknown kind 'float'",
        ),
        (
            _one_pillar(SubPillarSpec("S", 2, (FactSpec("x", "integer"), FactSpec("x", "date")))),
            (_D,),
            "duplicate fact key 'x'",
        ),
        (
            _one_pillar(SubPillarSpec("S", 2, (FactSpec("x", "integer", -1),))),
            (_D,),
            r"min_level -1 is outside 0\.\.2",
        ),
        (
            _one_pillar(SubPillarSpec("S", 2, (FactSpec("x", "integer", 3),))),
            (_D,),
            r"min_level 3 is outside 0\.\.2",
        ),
    ],
)
def test_validate_refuses(pillars, bands, message):
    methodology = Methodology(pillars=pillars, bands=bands)
    with pytest.raises(MethodologyError, match=message):
        methodology.validate()
    # every entry point validates first
    for call in (
        lambda: score_party(methodology, {}),
        lambda: score_parties(methodology, {}),
        lambda: sub_pillar_statistics(methodology, {}),
    ):
        with pytest.raises(MethodologyError):
            call()


def test_methodology_error_is_a_value_error():
    assert issubclass(MethodologyError, ValueError)
    assert issubclass(LevelError, ValueError)


@pytest.mark.parametrize("weight", ["heavy", None, [1]])
def test_non_numeric_weight_is_refused_at_construction(weight):
    with pytest.raises(MethodologyError, match="is not a number"):
        PillarSpec(code="P", weight=weight, sub_pillars=(_S,))


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ({"NOPE-1": 1}, r"unknown sub-pillar code 'NOPE-1' \(level 1\)"),
        ({"REG-1": -1}, r"sub-pillar REG-1: level -1 is outside 0\.\.3"),
        ({"REG-1": 4}, r"sub-pillar REG-1: level 4 is outside 0\.\.3"),
        ({"IMP-3": 2}, r"sub-pillar IMP-3: level 2 is outside 0\.\.1"),
        ({"INF-1": "2"}, r"sub-pillar INF-1: level '2' is outside"),
        ({"INF-1": 1.0}, r"sub-pillar INF-1: level 1\.0 is outside"),
        ({"IMP-4": True}, r"sub-pillar IMP-4: level True is outside"),
    ],
)
def test_levels_are_refused(levels, message):
    with pytest.raises(LevelError, match=message):
        score_party(V1, levels)
    with pytest.raises(LevelError, match=message):
        score_parties(V1, {"GHA": V1_ALL_MAX, "BAD": levels})
    with pytest.raises(LevelError, match=message):
        sub_pillar_statistics(V1, {"BAD": levels})


# --- aggregates -----------------------------------------------------------------------------------


def test_aggregate_of_no_parties():
    result = aggregate(V1, [])
    assert result.party_count == 0
    assert result.pillar_asr == {"REG": None, "INF": None, "FIN": None, "IMP": None}
    assert result.total_asr is None
    assert list(result.grade_counts.items()) == [("A", 0), ("B", 0), ("C", 0), ("D", 0)]


def test_aggregate_hand_computed():
    scores = score_parties(
        V1,
        {
            "GHA": V1_ALL_MAX,  # pillars 1, 1, 1, 1; total 1 → A
            "AAA": {},  # all 0 → D
            # REG (1+0+0)/3 = 1/3, INF 0, FIN 1/2, IMP 0; total (1/3 + 1/2)/4 = 5/24 → D
            "BBB": {"REG-1": 3, "FIN-1": 1},
        },
    )
    result = aggregate(V1, (score for score in scores.values()))  # any iterable, read once
    assert result.party_count == 3
    assert result.pillar_asr == {
        "REG": F(4, 9),  # (1 + 0 + 1/3)/3
        "INF": F(1, 3),  # (1 + 0 + 0)/3
        "FIN": F(1, 2),  # (1 + 0 + 1/2)/3
        "IMP": F(1, 3),  # (1 + 0 + 0)/3
    }
    assert result.total_asr == F(29, 72)  # (1 + 0 + 5/24)/3
    assert list(result.grade_counts.items()) == [("A", 1), ("B", 0), ("C", 0), ("D", 2)]


def test_aggregate_refuses_a_foreign_grade():
    foreign = score_party(Methodology(pillars=V1.pillars, bands=(GradeBandSpec("Z", 0),)), {})
    with pytest.raises(ValueError, match="grade 'Z' is not a grade of this methodology"):
        aggregate(V1, [foreign])


# --- statistics -----------------------------------------------------------------------------------

LEVELS = {
    "AAA": {"INF-1": 2, "IMP-2": 2, "IMP-3": 1},
    "BBB": {"INF-1": 2, "IMP-2": 1, "IMP-3": 1},
    "CCC": {"INF-1": 1, "IMP-2": 1},
    "DDD": {"IMP-2": 2, "IMP-3": 1},
}
FACTS = {
    "AAA": {
        "INF-1": {"standard_basis": "existing"},
        "IMP-2": {"counterparts": ["CHE", "SGP"]},
        "IMP-3": {"activities_authorised": 4},
    },
    "BBB": {
        "INF-1": {"standard_basis": "both", "undeclared": "ignored"},
        "IMP-2": {"counterparts": []},  # empty: not reported
        "IMP-3": {"activities_authorised": 0},  # zero is a reported value
    },
    "CCC": {
        "INF-1": {"standard_basis": "own"},  # level 1 < min_level 2: not counted
        "IMP-2": {"counterparts": None},  # None: not reported
        "IMP-3": {"activities_authorised": 5},  # level 0 < min_level 1: not counted
    },
    "DDD": {
        "INF-1": {"standard_basis": "existing"},  # level 0: not counted
        "IMP-2": {"counterparts": ["JPN"]},
        "IMP-3": {"activities_authorised": ""},  # empty: not reported
    },
    "ZZZ": {"INF-1": {"standard_basis": "own"}},  # not a Party of levels_by_party: ignored
}


def test_level_counts_and_at_or_above():
    stats = sub_pillar_statistics(V1, LEVELS, FACTS)
    assert list(stats) == list(V1.sub_pillar_codes)
    inf1 = stats["INF-1"]
    assert inf1.level_counts == {0: 1, 1: 1, 2: 2}
    assert [inf1.at_or_above(level) for level in (0, 1, 2, 3)] == [4, 3, 2, 0]
    assert stats["REG-1"].level_counts == {0: 4, 1: 0, 2: 0, 3: 0}  # every level present
    assert stats["IMP-3"].level_counts == {0: 1, 1: 3}


def test_choice_fact_counts_only_parties_at_its_level():
    basis = sub_pillar_statistics(V1, LEVELS, FACTS)["INF-1"].facts["standard_basis"]
    assert basis.parties_reporting == 2  # AAA and BBB at level 2
    assert list(basis.value_counts.items()) == [("both", 1), ("existing", 1)]  # sorted by value
    assert basis.total is None


def test_party_list_fact_totals_list_lengths_and_ignores_empty():
    counterparts = sub_pillar_statistics(V1, LEVELS, FACTS)["IMP-2"].facts["counterparts"]
    assert (counterparts.parties_reporting, counterparts.total) == (2, 3)  # ["CHE","SGP"] + ["JPN"]
    assert counterparts.value_counts == {}


def test_integer_fact_sums_values_and_ignores_empty():
    authorised = sub_pillar_statistics(V1, LEVELS, FACTS)["IMP-3"].facts["activities_authorised"]
    assert (authorised.parties_reporting, authorised.total) == (2, 4)  # 4 + 0; CCC, DDD left out


def test_boolean_fact_counts_each_value_from_level_zero():
    methodology = Methodology(
        pillars=_one_pillar(SubPillarSpec("S", 1, (FactSpec("flag", "boolean", min_level=0),))),
        bands=(_D,),
    )
    levels = {"A": {}, "B": {"S": 1}, "C": {"S": 1}, "D": {}}
    facts = {"A": {"S": {"flag": True}}, "B": {"S": {"flag": False}}, "C": {"S": {"flag": True}}}
    flag = sub_pillar_statistics(methodology, levels, facts)["S"].facts["flag"]
    assert flag.parties_reporting == 3
    assert list(flag.value_counts.items()) == [(False, 1), (True, 2)]


def test_statistics_without_facts():
    stats = sub_pillar_statistics(V1, {"AAA": V1_ALL_MAX})
    assert stats["IMP-3"].facts["activities_authorised"].parties_reporting == 0
    assert stats["IMP-3"].facts["activities_authorised"].total == 0
    assert stats["IMP-2"].facts["counterparts"].total == 0
    assert stats["REG-1"].facts["adoption_date"].total is None
    assert stats["REG-1"].level_counts == {0: 0, 1: 0, 2: 0, 3: 1}


def test_statistics_of_no_parties():
    stats = sub_pillar_statistics(V1, {})
    assert all(s.at_or_above(0) == 0 for s in stats.values())


# --- no Django ------------------------------------------------------------------------------------


def test_importing_the_engine_does_not_import_django():
    project_root = Path(__file__).resolve().parents[2]
    check = "import sys, readiness.grading; sys.exit(int('django' in sys.modules))"
    completed = subprocess.run(
        [sys.executable, "-c", check], check=False, cwd=project_root, capture_output=True, text=True
    )
    assert completed.returncode == 0, (
        completed.stderr or "importing readiness.grading imported django"
    )


# --- properties -----------------------------------------------------------------------------------

weights = st.one_of(
    st.integers(1, 5),
    st.fractions(min_value=F(1, 10), max_value=5, max_denominator=10),
    st.decimals(min_value=Decimal("0.1"), max_value=5, places=2),
)
rates = st.fractions(min_value=0, max_value=1, max_denominator=20)


@st.composite
def small_methodologies(draw) -> Methodology:
    pillars = []
    for p in range(draw(st.integers(1, 4))):
        maxima = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
        sub_pillars = tuple(SubPillarSpec(f"P{p}-{s}", top) for s, top in enumerate(maxima))
        pillars.append(PillarSpec(f"P{p}", draw(weights), sub_pillars))
    thresholds = draw(st.lists(st.tuples(rates, st.none() | rates), max_size=3))
    bands = [GradeBandSpec(chr(ord("A") + i), *t) for i, t in enumerate(thresholds)]
    bands.append(GradeBandSpec("Z", 0))  # the catch-all every methodology needs
    methodology = Methodology(pillars=tuple(pillars), bands=tuple(draw(st.permutations(bands))))
    methodology.validate()
    return methodology


methodologies = st.one_of(st.just(V1), small_methodologies())


def levels_for(methodology: Methodology) -> st.SearchStrategy[dict[str, int]]:
    """Level mappings with some codes left out (they count 0)."""
    return st.fixed_dictionaries(
        {},
        optional={
            code: st.integers(0, methodology.sub_pillar(code).max_score)
            for code in methodology.sub_pillar_codes
        },
    )


def reference_pillar_rates(methodology: Methodology, levels: dict[str, int]) -> dict[str, F]:
    return {
        pillar.code: sum(F(levels.get(s.code, 0), s.max_score) for s in pillar.sub_pillars)
        / len(pillar.sub_pillars)
        for pillar in methodology.pillars
    }


party_codes = st.text(alphabet="ABCDEFGH", min_size=3, max_size=3)
PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, database=None)


@PROPERTY_SETTINGS
@given(data=st.data(), methodology=methodologies)
def test_rates_stay_between_zero_and_one(data, methodology):
    result = score_party(methodology, data.draw(levels_for(methodology)))
    assert all(0 <= rate <= 1 for rate in result.sub_pillar_rates.values())
    assert all(0 <= pillar.rate <= 1 for pillar in result.pillars.values())
    assert 0 <= result.total_rate <= 1
    assert result.grade in methodology.grades_best_first


@PROPERTY_SETTINGS
@given(data=st.data(), methodology=methodologies)
def test_total_rate_is_weighted_mean_of_pillar_rates(data, methodology):
    levels = data.draw(levels_for(methodology))
    result = score_party(methodology, levels)
    expected = reference_pillar_rates(methodology, levels)
    assert {code: pillar.rate for code, pillar in result.pillars.items()} == expected
    weighted = sum(F(p.weight) * expected[p.code] for p in methodology.pillars)
    assert result.total_rate == weighted / sum(F(p.weight) for p in methodology.pillars)


@PROPERTY_SETTINGS
@given(data=st.data(), methodology=methodologies)
def test_raising_one_level_never_lowers_the_grade(data, methodology):
    levels = data.draw(levels_for(methodology))
    code = data.draw(st.sampled_from(methodology.sub_pillar_codes))
    before = score_party(methodology, levels)
    raised = {**levels, code: min(levels.get(code, 0) + 1, methodology.sub_pillar(code).max_score)}
    after = score_party(methodology, raised)
    position = methodology.grades_best_first.index
    assert position(after.grade) <= position(before.grade)  # lower index = better grade
    assert after.total_rate >= before.total_rate


@PROPERTY_SETTINGS
@given(data=st.data(), methodology=methodologies)
def test_asr_is_mean_of_members_pillar_rates(data, methodology):
    levels_by_party = data.draw(st.dictionaries(party_codes, levels_for(methodology), max_size=6))
    scores = score_parties(methodology, levels_by_party)
    result = aggregate(methodology, scores.values())
    assert result.party_count == len(levels_by_party)
    assert sum(result.grade_counts.values()) == len(levels_by_party)
    assert tuple(result.grade_counts) == methodology.grades_best_first
    for pillar in methodology.pillars:
        members = [
            reference_pillar_rates(methodology, lv)[pillar.code] for lv in levels_by_party.values()
        ]
        expected = sum(members) / len(members) if members else None
        assert result.pillar_asr[pillar.code] == expected


@PROPERTY_SETTINGS
@given(data=st.data(), methodology=methodologies)
def test_results_do_not_depend_on_order(data, methodology):
    levels_by_party = data.draw(st.dictionaries(party_codes, levels_for(methodology), max_size=6))
    shuffled_parties = data.draw(st.permutations(list(levels_by_party)))
    shuffled = {}
    for party in shuffled_parties:
        keys = data.draw(st.permutations(list(levels_by_party[party])))
        shuffled[party] = {code: levels_by_party[party][code] for code in keys}

    scores, scores_shuffled = (
        score_parties(methodology, lbp) for lbp in (levels_by_party, shuffled)
    )
    assert scores == scores_shuffled
    for score in scores_shuffled.values():
        assert list(score.pillars) == [p.code for p in methodology.pillars]
        assert list(score.sub_pillar_rates) == list(methodology.sub_pillar_codes)
    assert aggregate(methodology, scores.values()) == aggregate(
        methodology, scores_shuffled.values()
    )
    assert sub_pillar_statistics(methodology, levels_by_party) == sub_pillar_statistics(
        methodology, shuffled
    )


def test_statistics_by_set_equal_the_statistics_of_each_set():
    methodology = methodology_v1()
    levels = {"A": {"INF-1": 2, "REG-1": 3}, "B": {"INF-1": 1}, "C": {"INF-1": 2}}
    facts = {"A": {"INF-1": {"standard_basis": "own"}}, "C": {"INF-1": {"standard_basis": "both"}}}
    sets = {"world": ["A", "B", "C"], "pair": ["A", "B"], "empty": []}
    by_set = statistics_by_set(methodology, levels, facts, sets)
    for key, members in sets.items():
        subset = {party: levels[party] for party in members}
        assert by_set[key] == sub_pillar_statistics(methodology, subset, facts)
    assert by_set["pair"]["INF-1"].facts["standard_basis"].value_counts == {"own": 1}


FACT_VALUES = {
    "choice": st.sampled_from(["own", "existing", "both", ""]),
    "date": st.sampled_from(["2024-05-01", ""]),
    "integer": st.integers(0, 9),
    "boolean": st.booleans(),
    "party_list": st.lists(st.sampled_from(["JPN", "CHE", "SGP"]), max_size=2),
}


@st.composite
def facts_for(draw, methodology: Methodology, parties: list[str]) -> dict:
    """Reported fact values for some Parties' sub-pillars (None, "" and [] included)."""
    facts: dict = {}
    for party in parties:
        for sub in methodology.sub_pillars_in_order:
            if sub.facts and draw(st.booleans()):
                facts.setdefault(party, {})[sub.code] = {
                    fact.key: draw(st.none() | FACT_VALUES[fact.kind]) for fact in sub.facts
                }
    return facts


@PROPERTY_SETTINGS
@given(data=st.data(), methodology=methodologies)
def test_summarise_sets_equals_aggregate_and_statistics_of_each_set(data, methodology):
    """The recompute's one-pass summaries (integer sums per set) equal the plain engine."""
    levels_by_party = data.draw(st.dictionaries(party_codes, levels_for(methodology), max_size=8))
    parties = sorted(levels_by_party)
    members = st.lists(st.sampled_from(parties), max_size=8) if parties else st.just([])
    sets = data.draw(st.dictionaries(st.sampled_from(["world", "a", "b"]), members, max_size=3))
    facts = data.draw(facts_for(methodology, parties))
    summaries = summarise_sets(methodology, levels_by_party, facts, sets)
    scores = score_parties(methodology, levels_by_party)
    statistics = statistics_by_set(methodology, levels_by_party, facts, sets)
    assert set(summaries) == set(sets)
    for key, named in sets.items():
        distinct = list(dict.fromkeys(named))  # a Party named twice counts once
        assert summaries[key].aggregate == aggregate(methodology, [scores[p] for p in distinct])
        assert summaries[key].statistics == statistics[key]


def test_summarise_sets_refuses_bad_levels_like_the_engine():
    with pytest.raises(LevelError, match=r"sub-pillar IMP-4: level True is outside"):
        summarise_sets(V1, {"GHA": V1_ALL_MAX, "BAD": {"IMP-4": True}}, None, {"w": ["BAD"]})


@PROPERTY_SETTINGS
@given(data=st.data(), methodology=methodologies)
def test_summarise_rows_equals_summarise_sets(data, methodology):
    levels_by_party = data.draw(st.dictionaries(party_codes, levels_for(methodology), max_size=6))
    rows = {
        party: tuple(levels.get(code, 0) for code in methodology.sub_pillar_codes)
        for party, levels in levels_by_party.items()
    }
    sets = {"world": list(levels_by_party), "none": []}
    assert summarise_rows(methodology, rows, None, sets) == summarise_sets(
        methodology, levels_by_party, None, sets
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((3,) * 12, r"a row needs 13 levels, not 12"),
        ((4,) + (0,) * 12, r"sub-pillar REG-1: level 4 is outside 0\.\.3"),
        ((0,) * 11 + (True, 0), r"sub-pillar IMP-5: level True is outside"),
    ],
)
def test_summarise_rows_refuses_bad_rows(row, message):
    with pytest.raises(LevelError, match=message):
        summarise_rows(V1, {"BAD": row}, None, {"world": ["BAD"]})
