"""Forged history is refused by the database (issue 13, finding 4; migration
readiness/0010_history_guards): on PostgreSQL every history table refuses, through any path,
a row that is not dated now and a row for an object of a published round."""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from simple_history.models import HistoricalChanges

from readiness.history import tracked_save
from readiness.models import AssessmentRound, Party, RoundStatus
from readiness.services.rounds import round_transition
from submissions.models import Evidence
from submissions.services import evidence_create
from tests.factories import make_evidence, round_with_methodology, sub_pillar_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HISTORY_MODELS = [model for model in apps.get_models() if issubclass(model, HistoricalChanges)]


def copy_history_row(history_model, history_id: int, *, dated: str = "now()") -> None:
    """A raw INSERT of a copy of one history row (as someone with the application's database
    rights could write it), dated by the SQL expression `dated`."""
    quote = connection.ops.quote_name
    meta = history_model._meta
    columns = [f.column for f in meta.concrete_fields if f is not meta.pk]
    values = [dated if column == "history_date" else quote(column) for column in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) "
            f"SELECT {', '.join(values)} FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.pk.column)} = %s",
            [history_id],
        )


def refused(operation, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        operation()


def test_every_history_table_has_the_guard():
    """A new history model fails here until a migration puts the guard on its table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'readiness_history_guard' AND NOT t.tgisinternal"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert len(HISTORY_MODELS) >= 15
    assert {model._meta.db_table for model in HISTORY_MODELS} - guarded == set()


def test_a_back_dated_history_row_is_refused(party, round_admin):
    party.name_en = "Republic of Ghana"
    tracked_save(party, actor=round_admin, reason="official name")
    history = Party.history.model
    latest = history.objects.filter(id=party.pk).latest("history_date")
    count = history.objects.count()

    refused(
        lambda: copy_history_row(history, latest.pk, dated="now() - interval '30 days'"),
        "dated",
    )
    refused(
        lambda: copy_history_row(history, latest.pk, dated="now() + interval '1 hour'"), "dated"
    )
    assert history.objects.count() == count
    # dated now, the same row goes in: the guard refuses the date, not the insert
    with transaction.atomic():
        copy_history_row(history, latest.pk)
    assert history.objects.count() == count + 1


def test_no_history_row_for_a_published_rounds_evidence(party, focal_point, round_admin):
    published = round_with_methodology(status=RoundStatus.REVIEW, parties=[party])
    evidence = make_evidence(
        assessment_round=published, party=party, author=focal_point, status="approved"
    )
    with transaction.atomic():
        tracked_save(evidence, actor=focal_point, reason="a genuine change before publication")
    round_transition(actor=round_admin, assessment_round=published, target=RoundStatus.PUBLISHED)
    history = Evidence.history.model
    latest = history.objects.filter(id=evidence.pk).latest("history_date")
    count = history.objects.count()

    refused(lambda: copy_history_row(history, latest.pk), "is published")
    assert history.objects.count() == count


def test_a_published_round_takes_only_the_history_of_its_publication(party, round_admin):
    assessment_round = round_with_methodology(status=RoundStatus.REVIEW, parties=[party])
    round_transition(
        actor=round_admin, assessment_round=assessment_round, target=RoundStatus.PUBLISHED
    )
    history = AssessmentRound.history.model
    publication = history.objects.filter(id=assessment_round.pk).latest("history_date")
    assert publication.status == RoundStatus.PUBLISHED

    refused(lambda: copy_history_row(history, publication.pk), "is published")
    # archiving writes its own row
    round_transition(
        actor=round_admin, assessment_round=assessment_round, target=RoundStatus.ARCHIVED
    )
    archived = history.objects.filter(id=assessment_round.pk).latest("history_date")
    assert archived.status == RoundStatus.ARCHIVED and archived.history_user == round_admin
    refused(lambda: copy_history_row(history, archived.pk), "is published")
    refused(lambda: copy_history_row(history, publication.pk), "is published")


def test_services_still_write_history(party, focal_point, round_admin):
    open_round = round_with_methodology(status=RoundStatus.OPEN, parties=[party])
    evidence = evidence_create(
        actor=focal_point,
        assessment_round=open_round,
        party=party,
        sub_pillar=sub_pillar_of(open_round, "REG-2"),
        claimed_level=1,
        narrative="Focal point designated.",
    )
    [row] = Evidence.history.filter(id=evidence.pk)
    assert row.history_user == focal_point and row.history_change_reason == "draft created"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT transaction_timestamp()")
            [started] = cursor.fetchone()
        party.name_en = "Ghana (Republic of)"
        tracked_save(party, actor=round_admin, reason="register")
        dated = Party.history.filter(id=party.pk).latest("history_date").history_date
    assert dated >= started  # the Python clock's date falls inside the transaction
