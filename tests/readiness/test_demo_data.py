"""Tests of the demo levels and facts (pure Python, no database): every figure of DESIGN §7."""

import csv
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from readiness import demo_data
from readiness import methodology_v1 as v1
from readiness.demo_data import TARGETS, check_targets, demo_parties, party_regions
from readiness.grading import methodology_v1, score_parties

V1 = methodology_v1()
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CSV_CODES = sorted(
    row["code"]
    for row in csv.DictReader(
        (PROJECT_ROOT / "readiness" / "data" / "parties.csv").open(encoding="utf-8")
    )
)
CHOICES = {
    (sub["code"], fact["key"]): {choice["value"] for choice in fact["choices"]}
    for pillar in v1.PILLARS
    for sub in pillar["sub_pillars"]
    for fact in sub.get("facts", ())
    if "choices" in fact
}


@pytest.fixture(scope="module")
def parties():
    return demo_parties()


@pytest.fixture(scope="module")
def results(parties):
    levels = {code: party.levels for code, party in parties.items()}
    facts = {code: party.facts for code, party in parties.items()}
    return {
        name: (actual, met) for name, actual, met in check_targets(levels, facts, party_regions())
    }


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.name)
def test_target_met(target, results):
    actual, met = results[target.name]
    assert met, f"{target.name}: {actual}, expected {target.expected} ({target.description})"


def test_targets_are_all_checked_and_unique(results):
    assert len({t.name for t in TARGETS}) == len(TARGETS) == len(results)
    kinds = {t.kind for t in TARGETS}
    assert kinds == {"grade", "asr", "level", "fact", "party"}
    assert all(t.expected and t.description for t in TARGETS)


def test_check_targets_reports_misses(parties):
    levels = {code: dict(party.levels) for code, party in parties.items()}
    facts = {code: party.facts for code, party in parties.items()}
    levels["GHA"] = dict.fromkeys(levels["GHA"], 0)
    levels["THA"]["IMP-6"] = 1
    missed = {name for name, _, met in check_targets(levels, facts, party_regions()) if not met}
    assert {"Grade A", "Ghana graded A", "Thailand IMP-6 = 2"} <= missed
    assert "IMP-5 CDM transitions (= 1)" in missed  # Ghana's approved transition is gone


def test_all_parties_with_every_sub_pillar(parties):
    assert list(parties) == CSV_CODES
    assert len(parties) == 195
    for code, party in parties.items():
        assert party.code == code
        assert tuple(party.levels) == V1.sub_pillar_codes


def test_levels_within_range(parties):
    for party in parties.values():
        for code, level in party.levels.items():
            assert type(level) is int
            assert 0 <= level <= V1.sub_pillar(code).max_score, (party.code, code, level)


def test_facts_declared_applicable_and_valid(parties):
    for party in parties.values():
        for code, values in party.facts.items():
            declared = {fact.key: fact for fact in V1.sub_pillar(code).facts}
            assert values, (party.code, code)
            for key, value in values.items():
                assert key in declared, (party.code, code, key)
                assert party.levels[code] >= declared[key].min_level, (party.code, code, key)
                kind = declared[key].kind
                if kind == "choice":
                    assert value in CHOICES[(code, key)], (party.code, code, key, value)
                elif kind == "date":
                    assert datetime.date.fromisoformat(value).isoformat() == value
                elif kind == "integer":
                    assert type(value) is int and value > 0
                elif kind == "party_list":
                    assert value and value == sorted(set(value))
                    assert party.code not in value
                    assert set(value) <= set(parties)
                else:  # pragma: no cover - v1 has no other fact kinds
                    pytest.fail(f"unexpected fact kind {kind}")


def test_every_applicable_fact_is_reported(parties):
    for party in parties.values():
        for code, level in party.levels.items():
            for fact in V1.sub_pillar(code).facts:
                if level >= fact.min_level:
                    assert fact.key in party.facts.get(code, {}), (party.code, code, fact.key)


def test_counterparts_are_mutual_for_acquiring_parties(parties):
    for code in demo_data.ACQUIRING:
        for host in parties[code].facts.get("IMP-2", {}).get("counterparts", []):
            if host not in demo_data.ACQUIRING:
                assert code in parties[host].facts["IMP-2"]["counterparts"]


def test_deterministic(parties):
    assert demo_parties() == parties
    assert demo_parties() is not parties
    again = demo_parties()
    again["GHA"].levels["REG-1"] = 0  # the cached result is not shared with callers
    assert demo_parties()["GHA"].levels["REG-1"] == 3


def dump(parties) -> str:
    return json.dumps(
        {code: [p.levels, p.facts, p.real] for code, p in parties.items()}, sort_keys=True
    )


def test_same_result_in_another_process_without_django(parties):
    script = (
        "import sys; from tests.readiness.test_demo_data import dump; "
        "from readiness.demo_data import demo_parties; "
        "print(dump(demo_parties())); sys.exit(int('django' in sys.modules))"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=environment,
    )
    assert completed.returncode == 0, completed.stderr or "readiness.demo_data imported django"
    assert completed.stdout.strip() == dump(parties)


def test_ghana_is_the_only_a(parties):
    scores = score_parties(V1, {code: party.levels for code, party in parties.items()})
    assert [code for code, score in scores.items() if score.grade == "A"] == ["GHA"]


def test_profiles_grade_as_declared(parties):
    scores = score_parties(V1, {code: party.levels for code, party in parties.items()})
    declared = {party: grade for grade, group in demo_data.PROFILES.items() for party in group}
    for code, score in scores.items():
        assert score.grade == declared.get(code, "D"), code


def test_thailand_first_corresponding_adjustment(parties):
    assert parties["THA"].levels["IMP-6"] == 2
    assert [code for code, party in parties.items() if party.levels["IMP-6"] == 2] == ["THA"]


def test_only_report_parties_are_real(parties):
    assert {code for code, party in parties.items() if party.real} == {"GHA", "THA"}
