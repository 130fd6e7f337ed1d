"""Frozen means frozen: once a round is published nothing about it changes, whatever the path."""

from importlib import import_module

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from readiness.exceptions import RoundLocked
from readiness.models import AssessmentRound, PartyResult, RoundStatus
from readiness.recompute import recompute
from reviews.models import Comment, Review
from reviews.services import comment_add, review_decide
from submissions.models import Evidence
from submissions.services import evidence_submit
from tests.factories import PartyFactory, RoundFactory, make_evidence, round_with_methodology

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(party, focal_point, reviewer):
    assessment_round = round_with_methodology(status=RoundStatus.OPEN, parties=[party])
    evidence = make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                             status="approved")  # fmt: skip
    Review.objects.create(evidence=evidence, reviewer=reviewer, decision="approve",
                          awarded_level=2, evidence_version=1)  # fmt: skip
    recompute(assessment_round.pk)
    assessment_round.status = RoundStatus.PUBLISHED
    assessment_round.save()
    return assessment_round, evidence


def refused(operation) -> None:
    with pytest.raises(DatabaseError, match="is published"), transaction.atomic():
        operation()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE submissions_evidence SET awarded_level = 3 WHERE round_id = {round}",
        "DELETE FROM submissions_evidence WHERE round_id = {round}",
        "UPDATE readiness_partyresult SET grade = 'A' WHERE round_id = {round}",
        "UPDATE readiness_aggregateresult SET party_count = 0 WHERE round_id = {round}",
        "DELETE FROM readiness_roundparty WHERE round_id = {round}",
        "UPDATE readiness_gradeband SET min_total_rate = 0.1 WHERE round_id = {round}",
        "UPDATE readiness_scorelevel SET label_en = 'x' WHERE sub_pillar_id IN (SELECT s.id "
        "FROM readiness_subpillar s JOIN readiness_pillar p ON p.id = s.pillar_id "
        "WHERE p.round_id = {round})",
        "UPDATE reviews_review SET awarded_level = 3 WHERE evidence_id = {evidence}",
        "UPDATE readiness_assessmentround SET name = 'Renamed' WHERE id = {round}",
        "UPDATE readiness_assessmentround SET status = 'open' WHERE id = {round}",
        "DELETE FROM readiness_assessmentround WHERE id = {round}",
    ],
)
def test_raw_sql_cannot_change_a_published_round(frozen, statement):
    assessment_round, evidence = frozen

    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement.format(round=assessment_round.pk, evidence=evidence.pk))

    refused(run)
    assert Evidence.objects.get(pk=evidence.pk).awarded_level == 2


@pytest.mark.postgres
def test_the_orm_cannot_change_a_published_round(frozen, focal_point, reviewer):
    assessment_round, evidence = frozen
    refused(lambda: Evidence.objects.filter(pk=evidence.pk).update(narrative="changed"))
    refused(lambda: make_new_evidence(assessment_round, evidence))
    refused(lambda: Comment.objects.create(evidence=evidence, author=reviewer, body="late"))
    refused(lambda: PartyResult.objects.filter(round=assessment_round).delete())


def make_new_evidence(assessment_round, evidence):
    Evidence.objects.create(round=assessment_round, party=evidence.party,
                            sub_pillar=evidence.sub_pillar, claimed_level=1,
                            created_by=evidence.created_by)  # fmt: skip


@pytest.mark.postgres
def test_archiving_is_the_one_change_allowed(frozen):
    assessment_round, _ = frozen
    AssessmentRound.objects.filter(pk=assessment_round.pk).update(status=RoundStatus.ARCHIVED)
    assert AssessmentRound.objects.get(pk=assessment_round.pk).status == "archived"
    refused(lambda: AssessmentRound.objects.filter(pk=assessment_round.pk).update(
        status=RoundStatus.OPEN))  # fmt: skip


def test_services_refuse_every_change(frozen, focal_point, reviewer):
    assessment_round, evidence = frozen
    with pytest.raises(RoundLocked):
        evidence_submit(actor=focal_point, evidence=evidence)
    with pytest.raises(RoundLocked):
        review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
    with pytest.raises(RoundLocked):
        comment_add(actor=reviewer, evidence=evidence, body="late")


def test_the_recompute_task_leaves_published_results_alone(frozen, party):
    assessment_round, _ = frozen
    before = list(PartyResult.objects.filter(round=assessment_round).values())
    assert not recompute(assessment_round.pk, force=True).computed
    assert list(PartyResult.objects.filter(round=assessment_round).values()) == before


def test_the_admin_offers_no_change(frozen, client, round_admin):
    _, evidence = frozen
    client.force_login(round_admin)
    url = reverse("admin:submissions_evidence_change", args=[evidence.pk])
    assert client.post(url, {"narrative": "changed"}).status_code == 403
    assert Evidence.objects.get(pk=evidence.pk).narrative != "changed"


def test_publishing_runs_a_final_recompute(round_admin, party, focal_point):
    from readiness.services import round_transition

    assessment_round = round_with_methodology(status=RoundStatus.REVIEW, parties=[party])
    make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                  status="approved", code="REG-1", claimed_level=3)  # fmt: skip
    round_transition(actor=round_admin, assessment_round=assessment_round, target="published")
    result = PartyResult.objects.get(round=assessment_round, party=party)
    assert result.sub_pillars["REG-1"]["level"] == 3


# The guard is one statement-level trigger per event (readiness/0008_statement_level_freeze):
# a statement is refused when any one of its rows, old or new, belongs to a frozen round.


@pytest.fixture
def two_rounds(frozen, open_round, party, focal_point, reviewer):
    """The published round and an open one (with results, two evidence rows and a decision),
    plus a second open round and a Party with no results, as targets."""
    published, published_evidence = frozen
    open_evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point,
                                  status="approved")  # fmt: skip
    Review.objects.create(evidence=open_evidence, reviewer=reviewer, decision="approve",
                          awarded_level=2, evidence_version=1)  # fmt: skip
    second_evidence = make_evidence(assessment_round=open_round, party=party, code="REG-2",
                                    author=focal_point)  # fmt: skip
    recompute(open_round.pk)
    return {
        "published": published.pk,
        "published_evidence": published_evidence.pk,
        "open": open_round.pk,
        "open_evidence": open_evidence.pk,
        "second_evidence": second_evidence.pk,
        "other_open": RoundFactory(status=RoundStatus.OPEN).pk,
        "new_party": PartyFactory(code="KEN").pk,
    }


def rows_of(rounds) -> list:
    round_ids = [rounds["published"], rounds["open"], rounds["other_open"]]
    return [
        list(PartyResult.objects.filter(round__in=round_ids).order_by("pk").values()),
        list(Evidence.objects.filter(round__in=round_ids).order_by("pk").values()),
        list(Review.objects.order_by("pk").values()),
    ]


def execute(statement: str, rounds) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement.format(**rounds))
        return cursor.rowcount


NEW_RESULT = (
    "INSERT INTO readiness_partyresult (round_id, party_id, total_rate, grade, pillars, "
    "sub_pillars, as_of_version, fingerprint) VALUES "
)

# {round} and {evidence} are the published round's in the refused cases, the second open
# round's and the open round's second evidence in the allowed ones.
STATEMENTS = [
    "UPDATE readiness_partyresult SET grade = 'A' WHERE round_id IN ({open}, {round})",
    NEW_RESULT + "({round}, {new_party}, 0, 'D', '{{}}', '{{}}', 1, '')",
    "DELETE FROM readiness_partyresult WHERE round_id IN ({open}, {round})",
    "UPDATE submissions_evidence SET round_id = {round} WHERE id = {open_evidence}",
    "UPDATE reviews_review SET evidence_id = {evidence} WHERE evidence_id = {open_evidence}",
]


@pytest.mark.postgres
def test_a_statement_with_one_frozen_row_is_refused_whole(two_rounds):
    """Into a published round, out of one, or mixed with an open round's rows: nothing
    changes, the open round's rows included."""
    rounds = {**two_rounds, "round": two_rounds["published"],
              "evidence": two_rounds["published_evidence"]}  # fmt: skip
    before = rows_of(rounds)
    for statement in [
        *STATEMENTS,
        NEW_RESULT + "({open}, {new_party}, 0, 'D', '{{}}', '{{}}', 1, ''), "
        "({round}, {new_party}, 0, 'D', '{{}}', '{{}}', 1, '')",
        "UPDATE submissions_evidence SET round_id = {open} WHERE id = {published_evidence}",
        "UPDATE reviews_review SET evidence_id = {open_evidence} "
        "WHERE evidence_id = {published_evidence}",
    ]:
        try:
            with transaction.atomic():
                execute(statement, rounds)
        except DatabaseError as error:
            assert f"round {rounds['published']} is published: " in str(error), statement
        else:
            pytest.fail(f"not refused: {statement}")
    assert rows_of(rounds) == before


@pytest.mark.postgres
def test_the_same_statements_change_open_rounds(two_rounds):
    rounds = {**two_rounds, "round": two_rounds["other_open"],
              "evidence": two_rounds["second_evidence"]}  # fmt: skip
    for statement in STATEMENTS:
        before = rows_of(rounds)
        assert execute(statement, rounds) >= 1, statement
        assert rows_of(rounds) != before, statement


def frozen_guards() -> dict[str, set]:
    """table -> (trigger, row-level, timing, event, transition tables) of its freeze guards"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgtype, t.tgoldtable, t.tgnewtable "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'readiness_frozen%' AND NOT t.tgisinternal"
        )
        guards = {}
        for table, name, tgtype, old_table, new_table in cursor.fetchall():
            event = {4: "INSERT", 8: "DELETE", 16: "UPDATE"}.get(tgtype & 28, "several")
            timing = "BEFORE" if tgtype & 2 else "AFTER"
            level = "ROW" if tgtype & 1 else "STATEMENT"
            guards.setdefault(table, set()).add((name, level, timing, event, old_table, new_table))
        return guards


def guarded_by_0004_and_0006() -> set[str]:
    freeze = import_module("readiness.migrations.0004_freeze_published_rounds")
    return {*freeze.GUARDED, "reviews_reply"}  # 0006 added the replies


def statement_guarded() -> set[str]:
    return {*guarded_by_0004_and_0006(), "readiness_partysnapshot"}  # 0009 added the snapshots


@pytest.mark.postgres
def test_every_frozen_table_has_the_three_statement_level_guards():
    guards = frozen_guards()
    expected = {
        ("readiness_frozen_insert", "STATEMENT", "AFTER", "INSERT", None, "new_rows"),
        ("readiness_frozen_update", "STATEMENT", "AFTER", "UPDATE", "old_rows", "new_rows"),
        ("readiness_frozen_delete", "STATEMENT", "AFTER", "DELETE", "old_rows", None),
    }
    assert {table: guards.get(table) for table in statement_guarded()} == {
        table: expected for table in statement_guarded()
    }
    # the round itself keeps its row-level guard (only published -> archived)
    assert guards["readiness_assessmentround"] == {
        ("readiness_frozen", "ROW", "BEFORE", "several", None, None)
    }
    assert set(guards) == {*statement_guarded(), "readiness_assessmentround"}


@pytest.mark.postgres
def test_the_migration_reverses_to_the_row_level_guards_and_back():
    """DDL is transactional on PostgreSQL: the test's own transaction undoes both moves."""
    guards = frozen_guards()
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("readiness", "0007_append_only_history")])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE 'readiness_frozen%' "
            "AND c.relname <> 'readiness_assessmentround'"
        )
        definitions = dict(cursor.fetchall())
    freeze = import_module("readiness.migrations.0004_freeze_published_rounds")
    assert definitions == {
        table: f"CREATE TRIGGER readiness_frozen BEFORE INSERT OR DELETE OR UPDATE ON "
        f"public.{table} FOR EACH ROW EXECUTE FUNCTION readiness_guard_frozen_round_rows('{kind}')"
        for table, kind in {**freeze.GUARDED, "reviews_reply": "round"}.items()
    }
    MigrationExecutor(connection).migrate(latest)
    assert frozen_guards() == guards
