"""The database guards of issue 13 (findings 3 and 4), on PostgreSQL.

History rows are written now, and never for a frozen round. An AFTER INSERT ... FOR EACH
STATEMENT trigger on every django-simple-history table refuses a statement that adds:
- a row whose history_date lies outside the transaction's own time: before
  transaction_timestamp() or after clock_timestamp(), give or take HISTORY_CLOCK_TOLERANCE.
  django-simple-history dates a row in Python (timezone.now()) during the transaction, so a
  genuine row falls inside that span; the tolerance covers a row dated just before the
  transaction's first statement and the clock difference between an application host and the
  database host. A back-dated (or forward-dated) row is refused.
- a row for an object of a published or archived round. The round's own history is the one
  exception: the row that records its publication (or archiving) is written in the
  transaction that publishes it, so a frozen round accepts a row that matches its current
  status and is the first with that status, nothing else.

The freeze triggers of the round's inputs (evidence, documents, decisions, comments, replies,
membership, methodology, change log) also hold the round: for every statement they take a
FOR SHARE lock on the rows' rounds and read the status from the locked row. A statement that
started while a transition held the round FOR UPDATE then waits for it and finds the round
frozen, instead of passing the check on the status it read before the transition committed
(readiness/round_locks.py does the same for the services). The results tables keep 0008's
unlocked check: they are written only by the recompute, under its advisory lock, which
publication takes after the round's row; a share lock there would deadlock with publication.

Everything is built from the models' _meta: each table's way to its round is the shortest
chain of foreign keys to AssessmentRound."""

import hashlib
from collections import deque

from django.db import migrations

FROZEN_STATUSES = ("published", "archived")
HISTORY_CLOCK_TOLERANCE = "5 seconds"

# the round's inputs, whose freeze triggers also hold the round (see the docstring)
ROUND_INPUTS = [
    ("readiness", "RoundParty"),
    ("readiness", "Pillar"),
    ("readiness", "GradeBand"),
    ("readiness", "SubPillar"),
    ("readiness", "ScoreLevel"),
    ("readiness", "FactField"),
    ("readiness", "RoundChange"),
    ("submissions", "Evidence"),
    ("submissions", "Document"),
    ("reviews", "Review"),
    ("reviews", "Comment"),
    ("reviews", "Reply"),
]
EVENTS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}
FROZEN = ", ".join(f"'{status}'" for status in FROZEN_STATUSES)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def path_to_round(model, round_model) -> list | None:
    """The shortest chain of foreign keys from `model` to the round (None: no round)."""
    queue, seen = deque([(model, [])]), {model}
    while queue:
        current, path = queue.popleft()
        for field in current._meta.concrete_fields:
            if not field.many_to_one or field.name == "history_user":
                continue
            target = field.related_model
            if target is round_model:
                return [*path, field]
            if target not in seen:
                seen.add(target)
                queue.append((target, [*path, field]))
    return None


def round_ids(path: list, source: str) -> str:
    """SELECT of the round ids of the rows of `source` (a transition table) along `path`."""
    joins, alias = [], "t"
    for index, field in enumerate(path[:-1]):
        target = field.related_model._meta
        joins.append(
            f"JOIN {quote(target.db_table)} a{index} "
            f"ON a{index}.{quote(target.pk.column)} = {alias}.{quote(field.column)}"
        )
        alias = f"a{index}"
    return f"SELECT {alias}.{quote(path[-1].column)} FROM {source} t {' '.join(joins)}"


def function_name(prefix: str, table: str) -> str:
    name = f"{prefix}_{table}"
    if len(name) > 63:  # PostgreSQL's limit for identifiers
        name = f"{prefix}_{hashlib.sha1(table.encode()).hexdigest()[:12]}"
    return name


# --- history guards --------------------------------------------------------------------------

HISTORY_FUNCTION = """
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
DECLARE
    frozen bigint;
    dated timestamptz;
BEGIN
    SELECT t.history_date INTO dated FROM new_rows t
     WHERE t.history_date < transaction_timestamp() - interval '{tolerance}'
        OR t.history_date > clock_timestamp() + interval '{tolerance}'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'history is written as it happens: a row of % dated % refused (now is %)',
            TG_TABLE_NAME, dated, transaction_timestamp()
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    {frozen_check}
    IF frozen IS NOT NULL THEN
        RAISE EXCEPTION 'round % is published: no history row of % can be added', frozen,
            TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def history_models(apps) -> list:
    return [
        model
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
        and {"history_id", "history_date"} <= {f.name for f in model._meta.fields}
    ]


def frozen_check(apps, history_model) -> str:
    round_model = apps.get_model("readiness", "AssessmentRound")
    rounds = quote(round_model._meta.db_table)
    status = quote(round_model._meta.get_field("status").column)
    round_pk = quote(round_model._meta.pk.column)
    if history_model.__name__ == "HistoricalAssessmentRound":
        # the round's own history: only the first row of its current (frozen) status
        table = quote(history_model._meta.db_table)
        key = quote(history_model._meta.get_field("id").column)
        return (
            f"SELECT r.{round_pk} INTO frozen FROM new_rows t "
            f"JOIN {rounds} r ON r.{round_pk} = t.{key} "
            f"WHERE r.{status} IN ({FROZEN}) AND (t.{status} IS DISTINCT FROM r.{status} "
            f"OR (SELECT count(*) FROM {table} h WHERE h.{key} = t.{key} "
            f"AND h.{status} = r.{status}) > 1) LIMIT 1;"
        )
    path = path_to_round(history_model, round_model)
    if path is None:
        return ""
    return (
        f"SELECT r.{round_pk} INTO frozen FROM {rounds} r "
        f"WHERE r.{round_pk} IN ({round_ids(path, 'new_rows')}) "
        f"AND r.{status} IN ({FROZEN}) LIMIT 1;"
    )


def install_history_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for model in history_models(apps):
            table = model._meta.db_table
            name = function_name("readiness_history_guard", table)
            cursor.execute(
                HISTORY_FUNCTION.format(
                    name=name,
                    tolerance=HISTORY_CLOCK_TOLERANCE,
                    frozen_check=frozen_check(apps, model),
                )
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS readiness_history_guard ON {quote(table)}")
            cursor.execute(
                f"CREATE TRIGGER readiness_history_guard AFTER INSERT ON {quote(table)} "
                f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {name}()"
            )


def remove_history_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for model in history_models(apps):
            table = model._meta.db_table
            cursor.execute(f"DROP TRIGGER IF EXISTS readiness_history_guard ON {quote(table)}")
            name = function_name("readiness_history_guard", table)
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


# --- the freeze triggers hold the round ------------------------------------------------------

HOLD_FUNCTION = """
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
DECLARE
    held record;
    frozen bigint;
BEGIN
    -- the rows' rounds, locked in id order (FOR SHARE: a transition waits, other changes do
    -- not); the status comes from the locked row, i.e. as committed by a transition it waited for
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        FOR held IN SELECT r.{pk} AS id, r.{status} AS status FROM {rounds} r
                     WHERE r.{pk} IN ({old_ids}) ORDER BY r.{pk} FOR SHARE OF r LOOP
            IF held.status IN ({frozen}) THEN frozen := held.id; END IF;
        END LOOP;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        FOR held IN SELECT r.{pk} AS id, r.{status} AS status FROM {rounds} r
                     WHERE r.{pk} IN ({new_ids}) ORDER BY r.{pk} FOR SHARE OF r LOOP
            IF held.status IN ({frozen}) THEN frozen := held.id; END IF;
        END LOOP;
    END IF;
    IF frozen IS NOT NULL THEN
        RAISE EXCEPTION 'round % is published: % cannot change', frozen, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def input_tables(apps):
    """(table, the freeze function of 0008 it used, the path to its round) per round input."""
    round_model = apps.get_model("readiness", "AssessmentRound")
    for app_label, model_name in ROUND_INPUTS:
        model = apps.get_model(app_label, model_name)
        path = path_to_round(model, round_model)
        yield model._meta.db_table, f"readiness_guard_frozen_{path[0].name}_statement", path


def install_round_holds(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    round_meta = apps.get_model("readiness", "AssessmentRound")._meta
    with schema_editor.connection.cursor() as cursor:
        for table, _old_function, path in input_tables(apps):
            name = function_name("readiness_hold_frozen", table)
            cursor.execute(
                HOLD_FUNCTION.format(
                    name=name,
                    pk=quote(round_meta.pk.column),
                    status=quote(round_meta.get_field("status").column),
                    rounds=quote(round_meta.db_table),
                    old_ids=round_ids(path, "old_rows"),
                    new_ids=round_ids(path, "new_rows"),
                    frozen=FROZEN,
                )
            )
            point_freeze_triggers(cursor, table, name)


def remove_round_holds(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, old_function, _path in input_tables(apps):
            point_freeze_triggers(cursor, table, old_function)
            name = function_name("readiness_hold_frozen", table)
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def point_freeze_triggers(cursor, table: str, function: str) -> None:
    """0008's three statement-level freeze triggers of `table`, calling `function`."""
    for event, transition_tables in EVENTS.items():
        cursor.execute(f"DROP TRIGGER IF EXISTS readiness_frozen_{event} ON {quote(table)}")
        cursor.execute(
            f"CREATE TRIGGER readiness_frozen_{event} AFTER {event.upper()} ON {quote(table)} "
            f"{transition_tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0009_round_party_snapshot"),
        ("submissions", "0002_importjob"),
        ("reviews", "0003_historicalreply_reply"),
    ]

    operations = [
        migrations.RunPython(install_history_guards, remove_history_guards),
        migrations.RunPython(install_round_holds, remove_round_holds),
    ]
