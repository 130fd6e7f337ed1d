from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from readiness import grading
from readiness.models import AggregateResult, PartyResult, RoundComputation, RoundStatus
from readiness.recompute import compute, read_inputs, recompute, stale_round_ids
from readiness.services import methodology_item_save, round_membership_set
from reviews.services import review_decide, review_revoke
from tests.factories import make_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def approve(reviewer, focal_point, open_round, party, django_capture_on_commit_callbacks):
    """Submits and approves evidence through the services, running the after-commit work."""

    def approve(code="REG-1", level=2, target_party=None):
        evidence = make_evidence(
            assessment_round=open_round,
            party=target_party or party,
            author=focal_point,
            status="submitted",
            code=code,
            claimed_level=level,
        )
        with django_capture_on_commit_callbacks(execute=True):
            review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
        return evidence

    return approve


def result_of(assessment_round, party) -> PartyResult:
    return PartyResult.objects.get(round=assessment_round, party=party)


def test_an_approval_updates_the_partys_result_and_the_aggregates(approve, open_round, party):
    approve("REG-1", 3)
    result = result_of(open_round, party)
    assert result.sub_pillars["REG-1"]["level"] == 3
    assert result.pillars["REG"] == {"score": 3, "max_score": 9, "rate": "0.333333"}
    # REG 1/3, others 0: total = (1/3) / 4
    assert result.total_rate == Decimal("0.083333") and result.grade == "D"
    world = AggregateResult.objects.get(round=open_round, key="world")
    assert world.party_count == 2
    assert world.pillar_asr["REG"] == "0.166667"  # (1/3 + 0) / 2
    assert world.statistics["REG-1"]["levels"] == {"0": 1, "1": 0, "2": 0, "3": 1}
    africa = AggregateResult.objects.get(round=open_round, key="region:africa")
    assert africa.pillar_asr["REG"] == "0.333333"
    state = RoundComputation.objects.get(round=open_round)
    assert state.is_current and state.evidence_version == state.results_version


def test_results_name_the_evidence_behind_each_score(approve, open_round, party):
    evidence = approve("INF-1", 2)
    assert result_of(open_round, party).sub_pillars["INF-1"] == {
        "level": 2,
        "evidence_id": evidence.pk,
    }


def test_results_equal_the_pure_engine_on_the_database_state(approve, open_round, party,
                                                             other_party):  # fmt: skip
    approve("REG-1", 3)
    approve("REG-2", 3)
    approve("FIN-1", 2, target_party=other_party)
    levels = {"GHA": {"REG-1": 3, "REG-2": 3}, "THA": {"FIN-1": 2}}
    expected = grading.score_parties(grading.methodology_v1(), levels)
    for code, score in expected.items():
        stored = PartyResult.objects.get(round=open_round, party__code=code)
        assert stored.grade == score.grade
        assert abs(stored.total_rate - Decimal(float(score.total_rate))) < Decimal("0.000001")


def test_a_rolled_back_approval_schedules_nothing(
    reviewer, focal_point, open_round, party, django_capture_on_commit_callbacks
):
    evidence = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="submitted"
    )
    version_before = RoundComputation.objects.get(round=open_round).evidence_version
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert RoundComputation.objects.get(round=open_round).evidence_version == version_before
    assert not open_round.changes.filter(kind="decision").exists()
    assert not PartyResult.objects.exists()


def test_recompute_is_idempotent_and_writes_no_spurious_history(approve, open_round):
    approve("REG-1", 2)
    snapshot = list(PartyResult.objects.values().order_by("pk"))
    history_rows = PartyResult.history.count() + AggregateResult.history.count()
    for _ in range(5):
        assert not recompute(open_round.pk).computed  # already current: early exit
    for _ in range(5):
        assert recompute(open_round.pk, force=True).computed
    assert list(PartyResult.objects.values().order_by("pk")) == snapshot
    assert PartyResult.history.count() + AggregateResult.history.count() == history_rows


def test_only_the_results_that_change_get_a_history_row(approve, open_round, party, other_party):
    approve("REG-1", 2)
    other = result_of(open_round, other_party)
    before = other.history.count()
    approve("REG-2", 1)
    assert other.history.count() == before
    ghana = result_of(open_round, party)
    record = ghana.history.first()
    assert "approved GHA REG-2 at level 1" in record.history_change_reason
    assert record.history_user.username == "system"


def test_revoking_an_approval_takes_the_score_away(approve, round_admin, open_round, party,
                                                   django_capture_on_commit_callbacks):  # fmt: skip
    evidence = approve("REG-1", 3)
    with django_capture_on_commit_callbacks(execute=True):
        review_revoke(actor=round_admin, evidence=evidence, reason="Repealed.")
    result = result_of(open_round, party)
    assert result.sub_pillars["REG-1"] == {"level": 0}
    assert "revoked the approval of GHA REG-1" in result.history.first().history_change_reason


def test_a_membership_change_moves_the_aggregates(approve, round_admin, open_round, party,
                                                  other_party,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    approve("REG-1", 3)
    with django_capture_on_commit_callbacks(execute=True):
        round_membership_set(actor=round_admin, assessment_round=open_round, parties=[party])
    world = AggregateResult.objects.get(round=open_round, key="world")
    assert world.party_count == 1 and world.pillar_asr["REG"] == "0.333333"
    assert not PartyResult.objects.filter(party=other_party).exists()
    assert not AggregateResult.objects.filter(round=open_round, key="region:asia").exists()


def test_a_methodology_edit_bumps_the_version(round_admin, party,
                                              django_capture_on_commit_callbacks):  # fmt: skip
    from readiness.models import GradeBand
    from tests.factories import round_with_methodology

    draft = round_with_methodology(parties=[party])
    band = GradeBand.objects.get(round=draft, grade="D")
    band.label_en = "Planning stage"
    with django_capture_on_commit_callbacks(execute=True):
        methodology_item_save(actor=round_admin, item=band)
    state = RoundComputation.objects.get(round=draft)
    assert state.evidence_version == 2 and state.is_current  # loading was version 1
    assert draft.changes.last().kind == "methodology"
    assert "GradeBand D" in draft.changes.last().description


def test_the_sweep_finds_rounds_whose_results_lag(open_round, party):
    from readiness.recompute import mark_round_changed

    with transaction.atomic():
        mark_round_changed(open_round, kind="manual", description="test")
    assert stale_round_ids() == [open_round.pk]
    recompute(open_round.pk)
    assert stale_round_ids() == []


def test_an_approval_succeeds_when_the_broker_is_down_and_the_sweep_catches_up(
    client, reviewer, focal_point, open_round, party, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from kombu.exceptions import OperationalError

    from readiness import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    evidence = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="submitted"
    )
    client.force_login(reviewer)
    with monkeypatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
        patch.setattr(tasks.recompute_round, "delay", broker_down)
        response = client.post(
            reverse("review-decide", args=[evidence.pk]),
            {"decision": "approve", "expected_version": 1, "awarded_level": 2},
        )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == "approved"
    assert stale_round_ids() == [open_round.pk]
    assert tasks.sweep_stale_rounds() == [open_round.pk]  # broker back: the sweep queues it
    assert result_of(open_round, party).sub_pillars["REG-1"]["level"] == 2
    assert stale_round_ids() == []


def test_a_failure_while_writing_leaves_the_old_results_intact(approve, open_round, party,
                                                               monkeypatch):  # fmt: skip
    from readiness import recompute as pipeline
    from readiness.recompute import mark_round_changed

    approve("REG-1", 2)
    snapshot = list(PartyResult.objects.values().order_by("pk"))
    approve_more = make_evidence(assessment_round=open_round, party=party,
                                 author=approve("REG-2", 1).created_by, status="approved",
                                 code="REG-3")  # fmt: skip
    snapshot = list(PartyResult.objects.values().order_by("pk"))
    with transaction.atomic():
        mark_round_changed(open_round, kind="manual", description="REG-3 approved by import")
    real_update = pipeline.tracked_bulk_update

    def crash_half_way(model, objs, *args, **kwargs):
        real_update(model, objs, *args, **kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(pipeline, "tracked_bulk_update", crash_half_way)
    with pytest.raises(SystemExit):
        recompute(open_round.pk)
    assert list(PartyResult.objects.values().order_by("pk")) == snapshot
    assert not RoundComputation.objects.get(round=open_round).is_current
    monkeypatch.undo()
    assert recompute(open_round.pk).computed
    assert result_of(open_round, party).sub_pillars["REG-3"]["evidence_id"] == approve_more.pk


def test_compute_covers_world_regions_and_groupings(open_round, party):
    from readiness.models import Grouping

    ldc = Grouping.objects.create(code="ldc", kind="category", name_en="LDCs")
    party.groupings.add(ldc)
    keys = set(compute(read_inputs(open_round)).aggregates)
    assert keys == {"world", "region:africa", "region:asia", "grouping:ldc"}


def test_recompute_command_reports_progress(open_round, capsys):
    call_command("recompute", "2026")
    output = capsys.readouterr().out
    assert "1/1 2026" in output and "Recomputed 1 round(s)" in output
    assert PartyResult.objects.filter(round=open_round).count() == 2


def test_recompute_command_refuses_an_unknown_round():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No round"):
        call_command("recompute", "nope")


def test_explain_page_walks_from_grade_to_evidence(client, approve, reviewer, open_round, party):
    evidence = approve("REG-1", 3)
    approve("REG-2", 1)
    client.force_login(reviewer)
    response = client.get(reverse("party-result", args=["2026", "GHA"]))
    page = response.content.decode()
    assert "Grade D" in page
    assert "Not A: total" in page and "D: every condition is met" in page
    assert f"Evidence #{evidence.pk}" in page and "Formally adopted" in page
    assert "by reviewer" in page
    history = response.context["explanation"].history
    assert history[0].grade_to == "D" and "approved GHA REG-1" in history[-1].cause


def test_explain_page_is_hidden_for_unpublished_rounds_from_the_public(client, approve):
    approve("REG-1", 3)
    assert client.get(reverse("party-result", args=["2026", "GHA"])).status_code == 404


def test_explain_page_hides_reviewers_and_confidential_evidence_from_the_public(
    client, focal_point, reviewer, party, open_round
):
    evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point,
                             status="approved", is_confidential=True)  # fmt: skip
    recompute(open_round.pk)
    open_round.status = RoundStatus.PUBLISHED
    open_round.save()
    page = client.get(reverse("party-result", args=["2026", "GHA"])).content.decode()
    assert "Confidential evidence" in page and f"#{evidence.pk}" not in page


def _six_places(rate) -> str | None:
    if rate is None:
        return None
    return str((Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(Decimal("1e-6")))


def test_stored_aggregates_equal_the_engine_run_directly(open_round, party, other_party,
                                                         focal_point):  # fmt: skip
    """The pipeline's fast paths (one pass over the round, integer sums per set) store what the
    engine's plain functions give: score_parties, aggregate and the statistics, facts included."""
    from readiness.models import Grouping
    from readiness.recompute import mark_round_changed

    ldc = Grouping.objects.create(code="ldc", kind="category", name_en="LDCs")
    party.groupings.add(ldc)
    other_party.groupings.add(ldc)
    given = [
        (party, "REG-1", 3, {"instrument_type": "law", "adoption_date": "2024-05-01"}),
        (party, "IMP-2", 2, {"counterparts": ["JPN", "CHE"]}),
        (other_party, "REG-1", 1, {"instrument_type": "decree"}),
        (other_party, "IMP-3", 1, {"activities_authorised": 4}),
        (other_party, "INF-1", 1, {"standard_basis": "own"}),  # below the fact's level 2
    ]
    for member, code, level, facts in given:
        make_evidence(assessment_round=open_round, party=member, author=focal_point,
                      status="approved", code=code, claimed_level=level, facts=facts)  # fmt: skip
    with transaction.atomic():
        mark_round_changed(open_round, kind="manual", description="evidence loaded")
    recompute(open_round.pk)

    methodology = grading.methodology_v1()
    levels = {party.pk: {}, other_party.pk: {}}
    facts: dict = {}
    for member, code, level, values in given:
        levels[member.pk][code] = level
        facts.setdefault(member.pk, {})[code] = values
    scores = grading.score_parties(methodology, levels)
    sets = {"world": list(levels), "grouping:ldc": list(levels), "region:africa": [party.pk],
            "region:asia": [other_party.pk]}  # fmt: skip
    statistics = grading.statistics_by_set(methodology, levels, facts, sets)
    for key, members in sets.items():
        expected = grading.aggregate(methodology, [scores[p] for p in members])
        stored = AggregateResult.objects.get(round=open_round, key=key)
        assert stored.party_count == expected.party_count
        assert stored.grade_counts == expected.grade_counts
        assert stored.pillar_asr == {c: _six_places(r) for c, r in expected.pillar_asr.items()}
        assert str(stored.total_asr) == _six_places(expected.total_asr)
        for code, stats in statistics[key].items():
            assert stored.statistics[code]["levels"] == {
                str(level): n for level, n in stats.level_counts.items()
            }
            for fact_key, fact in stats.facts.items():
                assert stored.statistics[code]["facts"][fact_key] == {
                    "reporting": fact.parties_reporting,
                    "values": {str(v): n for v, n in fact.value_counts.items()},
                    "total": fact.total,
                }
    world = AggregateResult.objects.get(round=open_round, key="world").statistics
    assert world["IMP-2"]["facts"]["counterparts"]["total"] == 2
    assert world["INF-1"]["facts"]["standard_basis"]["reporting"] == 0


def history_count() -> int:
    return PartyResult.history.count() + AggregateResult.history.count()


def test_new_fingerprints_for_unchanged_values_write_no_history(approve, open_round):
    """After a change of the fingerprint format every row is recomputed once; rows whose values
    did not move keep their history and their version, and only take the new fingerprint."""
    from readiness import recompute as pipeline

    approve("REG-1", 2)
    values = list(PartyResult.objects.values("pk", *PARTY_VALUES, "as_of_version").order_by("pk"))
    fingerprints = dict(PartyResult.objects.values_list("pk", "fingerprint"))
    before = history_count()
    PartyResult.objects.update(fingerprint="from an older format")
    AggregateResult.objects.update(fingerprint="from an older format")
    pipeline._written.clear()  # as in the new process that a new format comes with
    assert recompute(open_round.pk, force=True).computed
    assert history_count() == before
    assert (
        list(PartyResult.objects.values("pk", *PARTY_VALUES, "as_of_version").order_by("pk"))
        == values
    )
    assert dict(PartyResult.objects.values_list("pk", "fingerprint")) == fingerprints
    assert not AggregateResult.objects.filter(fingerprint="from an older format").exists()


PARTY_VALUES = ("total_rate", "grade", "pillars", "sub_pillars")


def test_a_methodology_edit_that_moves_no_result_writes_no_history(
    round_admin, party, django_capture_on_commit_callbacks
):
    from readiness.models import GradeBand
    from tests.factories import round_with_methodology

    draft = round_with_methodology(parties=[party])
    recompute(draft.pk)
    assert PartyResult.objects.get(round=draft).grade == "D"
    before = history_count()
    band = GradeBand.objects.get(round=draft, grade="A")
    band.min_total_rate = Decimal("0.8")  # no Party is anywhere near grade A
    with django_capture_on_commit_callbacks(execute=True):
        methodology_item_save(actor=round_admin, item=band)
    assert RoundComputation.objects.get(round=draft).is_current
    assert history_count() == before


def test_a_cause_longer_than_the_history_column_is_cut_to_fit(open_round, party, focal_point):
    from readiness.recompute import mark_round_changed

    make_evidence(assessment_round=open_round, party=party, author=focal_point,
                  status="approved", code="REG-2", claimed_level=1)  # fmt: skip
    with transaction.atomic():
        mark_round_changed(open_round, kind="manual", party=party, description="why " * 70)
    assert recompute(open_round.pk).computed
    reason = result_of(open_round, party).history.first().history_change_reason
    assert reason.startswith("v") and reason.endswith("…") and len(reason) == 100


def test_a_recompute_remembers_what_it_stored_and_the_next_one_starts_from_there(
    approve, open_round, party, other_party
):
    from readiness import recompute as pipeline

    approve("REG-1", 2)
    state = RoundComputation.objects.get(round=open_round)
    [written] = [
        w
        for key, w in pipeline._written.items()
        if key[1:] == (open_round.pk, open_round.created_at)
    ]
    assert (written.count, written.stamped_at) == (state.compute_count, state.computed_at)
    assert {pk for pk, *_ in written.parties.values()} == set(
        PartyResult.objects.filter(round=open_round).values_list("pk", flat=True)
    )
    approve("REG-2", 3, target_party=other_party)  # starts from what the first one stored
    assert engine_view(open_round) == stored_view(open_round)


def test_what_another_process_wrote_since_is_read_again(approve, open_round, party, focal_point):
    from readiness import recompute as pipeline
    from readiness.recompute import mark_round_changed
    from submissions.models import Evidence

    approve("REG-1", 2)
    remembered = dict(pipeline._written)  # this process remembers what it stored...
    pipeline._written.clear()
    extra = make_evidence(assessment_round=open_round, party=party, author=focal_point,
                          status="approved", code="REG-3", claimed_level=1)  # fmt: skip
    with transaction.atomic():
        mark_round_changed(open_round, kind="manual", description="REG-3 approved")
    recompute(open_round.pk)  # ...then another process stores results with REG-3
    assert result_of(open_round, party).sub_pillars["REG-3"]["level"] == 1
    pipeline._written.update(remembered)
    Evidence.objects.filter(pk=extra.pk).update(status="rejected")
    with transaction.atomic():
        mark_round_changed(open_round, kind="manual", description="REG-3 withdrawn")
    recompute(open_round.pk)  # the inputs are back to what this process remembers
    assert result_of(open_round, party).sub_pillars["REG-3"] == {"level": 0}
    assert engine_view(open_round) == stored_view(open_round)


def engine_view(assessment_round) -> tuple[dict, dict]:
    computed = compute(read_inputs(assessment_round))
    return (
        {party: {k: v[k] for k in PARTY_VALUES} for party, v in computed.parties.items()},
        {key: v["pillar_asr"] for key, v in computed.aggregates.items()},
    )


def stored_view(assessment_round) -> tuple[dict, dict]:
    parties = PartyResult.objects.filter(round=assessment_round)
    return (
        {r.party_id: {k: getattr(r, k) for k in PARTY_VALUES} for r in parties},
        dict(
            AggregateResult.objects.filter(round=assessment_round).values_list("key", "pillar_asr")
        ),
    )
