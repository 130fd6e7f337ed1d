"""The audit trail is append-only in the database: on PostgreSQL a trigger on every history
table refuses UPDATE and DELETE (migration readiness/0007_append_only_history), while new
history rows are still written."""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from simple_history.models import HistoricalChanges

from readiness.history import tracked_save
from readiness.models import Party, User
from tests.factories import PartyFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HISTORY_MODELS = [model for model in apps.get_models() if issubclass(model, HistoricalChanges)]


def refused(operation) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        operation()


def triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_manipulation FROM information_schema.triggers "
            "WHERE event_object_table = %s AND trigger_name = 'readiness_append_only' "
            "AND action_timing = 'BEFORE'",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def test_every_history_table_refuses_updates_and_deletes():
    """A new history model fails here until a migration puts the trigger on its table."""
    assert len(HISTORY_MODELS) >= 15
    missing = {
        model._meta.db_table: sorted(triggers_on(model._meta.db_table))
        for model in HISTORY_MODELS
        if triggers_on(model._meta.db_table) != {"UPDATE", "DELETE"}
    }
    assert missing == {}


@pytest.fixture
def party_with_history(round_admin):
    party = PartyFactory(code="KEN", name_en="Kenya", name_zh="肯尼亚")
    party.name_en = "Republic of Kenya"
    tracked_save(party, actor=round_admin, reason="official name")
    return party


def test_the_orm_cannot_change_or_delete_a_history_row(party_with_history):
    rows = Party.history.filter(code="KEN")
    before = list(rows.values_list("history_id", "name_en", "history_change_reason"))
    refused(lambda: rows.update(name_en="Rewritten"))
    refused(lambda: rows.filter(history_change_reason="official name").update(
        history_change_reason="nothing happened"))  # fmt: skip
    refused(lambda: rows.delete())
    refused(lambda: rows.first().delete())
    record = rows.first()
    record.history_change_reason = "edited"
    refused(lambda: record.save())
    assert list(rows.values_list("history_id", "name_en", "history_change_reason")) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE readiness_historicalparty SET name_en = 'Rewritten' WHERE code = 'KEN'",
        "UPDATE readiness_historicalparty SET history_user_id = NULL WHERE code = 'KEN'",
        "DELETE FROM readiness_historicalparty WHERE code = 'KEN'",
        "DELETE FROM readiness_historicaluser",
        "UPDATE readiness_historicaluser SET is_round_admin = TRUE",
    ],
)
def test_raw_sql_cannot_change_or_delete_history_rows(party_with_history, statement):
    before = Party.history.filter(code="KEN").count()

    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement)

    refused(run)
    assert Party.history.filter(code="KEN").count() == before


def test_new_history_rows_are_still_written(party_with_history, round_admin):
    before = Party.history.filter(code="KEN").count()
    party_with_history.name_zh = "肯尼亚共和国"
    tracked_save(party_with_history, actor=round_admin, reason="Chinese name")
    assert Party.history.filter(code="KEN").count() == before + 1
    latest = Party.history.filter(code="KEN").latest("history_date")
    assert latest.history_user == round_admin and latest.history_change_reason == "Chinese name"


def test_an_account_that_acted_cannot_be_deleted_only_deactivated(party_with_history,
                                                                   round_admin):  # fmt: skip
    """Deleting would blank the actor of its history rows (an UPDATE): accounts are deactivated
    instead (readiness.services.user_update(is_active=False))."""
    refused(lambda: User.objects.get(pk=round_admin.pk).delete())
    assert Party.history.filter(code="KEN", history_user=round_admin).exists()
    newcomer = UserFactory(username="never.acted")
    newcomer.delete()  # no history row names it as the actor; its own rows stay
    assert User.history.filter(username="never.acted").exists()
