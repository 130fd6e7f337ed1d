"""The demo's computed figures, read back from the database after the real pipeline ran,
reproduce the 2025 report (DESIGN §7)."""

import pytest
from django.core.management import call_command

from readiness.demo_data import check_targets
from readiness.models import AggregateResult, AssessmentRound, PartyResult, PartySnapshot
from submissions.models import Evidence, EvidenceStatus

pytestmark = pytest.mark.django_db


def test_the_demo_reproduces_the_report():
    """One test, because loading the demo takes seconds: the figures, then the headline
    aggregates, then the rounds' states."""
    call_command("setup_demo")
    check_every_report_figure()
    check_the_headline_aggregates()
    check_the_rounds()


def check_every_report_figure():
    assessment_round = AssessmentRound.objects.get(slug="2025")
    results = PartyResult.objects.filter(round=assessment_round).select_related("party")
    levels = {r.party.code: {c: v["level"] for c, v in r.sub_pillars.items()} for r in results}
    regions = {r.party.code: r.party.region for r in results}
    facts: dict = {}
    for code, sub, values in Evidence.objects.filter(
        round=assessment_round, status=EvidenceStatus.APPROVED
    ).values_list("party__code", "sub_pillar__code", "facts"):
        if values:
            facts.setdefault(code, {})[sub] = values
    outcomes = check_targets(levels, facts, regions)
    assert outcomes and all(met for _name, _actual, met in outcomes), [
        (name, actual) for name, actual, met in outcomes if not met
    ]


def check_the_headline_aggregates():
    world = AggregateResult.objects.get(round__slug="2025", key="world")
    assert world.grade_counts == {"A": 1, "B": 6, "C": 24, "D": 164}
    assert PartyResult.objects.get(round__slug="2025", grade="A").party.code == "GHA"
    rates = {code: round(float(rate) * 100) for code, rate in world.pillar_asr.items()}
    assert {code: abs(rate - target) <= 1 for code, rate, target in [
        ("REG", rates["REG"], 33), ("FIN", rates["FIN"], 26), ("IMP", rates["IMP"], 18),
        ("INF", rates["INF"], 13),
    ]} == {"REG": True, "FIN": True, "IMP": True, "INF": True}  # fmt: skip
    thailand = PartyResult.objects.get(round__slug="2025", party__code="THA")
    assert thailand.sub_pillars["IMP-6"]["level"] == 2


def check_the_rounds():
    assert AssessmentRound.objects.get(slug="2025").status == "published"
    current = AssessmentRound.objects.get(slug="2026")
    assert current.status == "open"
    assert not current.parties.filter(code="USA").exists()
    assert set(Evidence.objects.filter(round=current).values_list("status", flat=True)) == {
        "draft", "submitted", "changes_requested", "approved", "rejected", "withdrawn",
        "superseded", "revoked",
    }  # fmt: skip
    # every round shows its Parties from its own snapshot of the register (the published one
    # frozen with it)
    for assessment_round in (AssessmentRound.objects.get(slug="2025"), current):
        members = set(assessment_round.parties.values_list("code", flat=True))
        snapshots = PartySnapshot.objects.filter(round=assessment_round)
        assert set(snapshots.values_list("code", flat=True)) == members
    ghana = PartySnapshot.objects.get(round__slug="2025", code="GHA")
    assert ghana.region == "africa" and "african-group" in [g["code"] for g in ghana.groupings]
