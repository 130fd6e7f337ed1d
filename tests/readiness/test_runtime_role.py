"""The application runs as a role that owns nothing (issue 13, finding 6): created by
`manage.py create_runtime_role` in the test database, it reads and writes rows, and PostgreSQL
refuses it every statement that would drop or dodge the guards."""

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from submissions.models import Evidence
from tests.factories import make_evidence, round_with_methodology, sub_pillar_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


@pytest.fixture
def runtime_role(monkeypatch):
    """A role of this test run only (roles are cluster-wide), dropped afterwards."""
    role = f"readiness_app_test_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("H3_TEST_RUNTIME_PASSWORD", uuid.uuid4().hex)
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                cursor.execute(f"DROP OWNED BY {quote(role)}")
                cursor.execute(f"DROP ROLE {quote(role)}")


def create(role: str) -> None:
    call_command("create_runtime_role", role=role, password_env="H3_TEST_RUNTIME_PASSWORD")


def connect_as(role: str) -> psycopg.Connection:
    params = {**connection.get_connection_params(), "user": role}
    params["password"] = None
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})


@pytest.fixture
def evidence(party, focal_point):
    assessment_round = round_with_methodology(status="open", parties=[party])
    return make_evidence(assessment_round=assessment_round, party=party, author=focal_point)


REFUSED = {
    "truncate": "TRUNCATE {evidence}",
    "disable triggers": "ALTER TABLE {evidence} DISABLE TRIGGER ALL",
    "drop a trigger": "DROP TRIGGER readiness_frozen_update ON {evidence}",
    "replica mode": "SET session_replication_role = replica",
    "a child table": "CREATE TABLE fake_evidence () INHERITS ({evidence})",
    "a temporary child": "CREATE TEMPORARY TABLE fake_evidence () INHERITS ({evidence})",
    "a function": "CREATE FUNCTION public.noop() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "a table": "CREATE TABLE public.anything (id int)",
    "drop the table": "DROP TABLE {evidence}",
}


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_the_runtime_role_is_refused_what_would_drop_the_guards(runtime_role, evidence, statement):
    create(runtime_role)
    with connect_as(runtime_role) as app, pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(statement.format(evidence=quote(Evidence._meta.db_table)))
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_the_runtime_role_reads_and_writes_rows_under_the_guards(runtime_role, evidence):
    create(runtime_role)
    table = quote(Evidence._meta.db_table)
    columns = [f.column for f in Evidence._meta.concrete_fields if not f.primary_key]
    other = sub_pillar_of(evidence.round, "REG-2").pk
    values = ["%s" if column == "sub_pillar_id" else quote(column) for column in columns]
    with connect_as(runtime_role) as app:
        assert app.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)
        app.execute(
            f"INSERT INTO {table} ({', '.join(map(quote, columns))}) "
            f"SELECT {', '.join(values)} FROM {table} WHERE id = %s",
            [other, evidence.pk],
        )
        app.commit()
        # the freeze trigger still runs, as this role: a published round's rows are refused
        round_table = quote(evidence.round._meta.db_table)
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="is published"):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {round_table} SET status = 'published' WHERE id = %s",
                    [evidence.round_id],
                )
            app.execute(f"UPDATE {table} SET narrative = 'rewritten' WHERE id = %s", [evidence.pk])
    assert Evidence.objects.filter(round=evidence.round).count() == 2
    assert Evidence.objects.get(pk=evidence.pk).narrative != "rewritten"


def test_tables_of_later_migrations_are_open_to_the_role(runtime_role, evidence):
    create(runtime_role)
    with connection.cursor() as cursor:  # as the owner, like a migration
        cursor.execute("CREATE TABLE readiness_h3_later (id int)")
    try:
        with connect_as(runtime_role) as app:
            app.execute("INSERT INTO readiness_h3_later VALUES (1)")
            assert app.execute("SELECT id FROM readiness_h3_later").fetchall() == [(1,)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE readiness_h3_later")


def test_a_schema_open_to_everyone_is_closed_but_the_owner_keeps_creating(runtime_role):
    """Servers first set up before PostgreSQL 15 let every role create in `public`."""
    with connection.cursor() as cursor:
        cursor.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    create(runtime_role)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_schema_privilege(%s, 'public', 'CREATE'), "
            "has_schema_privilege(current_user, 'public', 'CREATE')",
            [runtime_role],
        )
        assert cursor.fetchone() == (False, True)
    create(runtime_role)  # again: the role is updated, not refused


def test_the_owner_cannot_be_made_the_runtime_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        [owner] = cursor.fetchone()
    with pytest.raises(CommandError, match="owner"):
        call_command("create_runtime_role", role=owner)


def test_the_sql_can_be_printed_without_a_password(runtime_role, capsys):
    call_command("create_runtime_role", role=runtime_role, print_sql=True)
    printed = capsys.readouterr().out
    assert f'CREATE ROLE "{runtime_role}" LOGIN NOSUPERUSER' in printed
    assert "PASSWORD" not in printed and "GRANT SELECT, INSERT, UPDATE, DELETE" in printed
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [runtime_role])
        assert cursor.fetchone() is None  # printed, not run
