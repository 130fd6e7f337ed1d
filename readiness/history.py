"""The one way services write tracked models: every history row names the acting user and
why the change was made. (django-simple-history records nothing for queryset.update() and
needs the user passed explicitly outside a request, e.g. in Celery tasks.)"""

import functools
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history


@functools.cache
def _history_model(model):
    return model.history.model  # the descriptor builds a manager class at every access


def _fitting(model, reason: str) -> str:
    """The reason cut to what the history table holds (a longer one would fail the write)."""
    limit = _history_model(model)._meta.get_field("history_change_reason").max_length
    return reason if limit is None or len(reason) <= limit else reason[: limit - 1] + "…"


def _fit_reasons(model, objs: list) -> None:
    for obj in objs:
        if getattr(obj, "_change_reason", None):
            obj._change_reason = _fitting(model, obj._change_reason)


def tracked_save(instance: models.Model, *, actor, reason: str, **save_kwargs) -> None:
    instance._history_user = actor
    instance._change_reason = _fitting(type(instance), reason)
    instance.save(**save_kwargs)


def tracked_delete(instance: models.Model, *, actor, reason: str) -> None:
    instance._history_user = actor
    instance._change_reason = _fitting(type(instance), reason)
    instance.delete()


def tracked_bulk_create(model, objs: list, *, actor, reason: str) -> list:
    _fit_reasons(model, objs)
    return bulk_create_with_history(
        objs, model, default_user=actor, default_change_reason=_fitting(model, reason)
    )


def tracked_bulk_update(model, objs: list, fields: Sequence[str], *, actor, reason: str,
                        unless_equal: Sequence[str] = ()) -> int:  # fmt: skip
    """Updates `fields` of `objs` and records a history row for each, in one transaction.
    Per-object `_change_reason` / `_history_user`, when set, win over the defaults.

    With `unless_equal`, a row whose `unless_equal` fields already hold the new values is a
    non-change: it gets no history row and only its untracked fields (those the history
    excludes) are written. Returns how many rows changed (got a history row).

    On PostgreSQL one statement (the values as arrays, an UPDATE whose RETURNING feeds the
    history INSERT) replaces Django's bulk_update, whose CASE expressions cost about a second per
    thousand rows of JSON to build, and simple-history's row-by-row historical instances."""
    if not objs:
        return 0
    _fit_reasons(model, objs)
    reason = _fitting(model, reason)
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            return _update_with_history(model, objs, fields, unless_equal, actor, reason)
        changed, unchanged = _split_by_stored_values(model, objs, unless_equal)
        if changed:
            bulk_update_with_history(
                changed, model, list(fields), default_user=actor, default_change_reason=reason
            )
        quiet = _untracked(model, fields)
        if unchanged and quiet:
            model.objects.bulk_update(unchanged, quiet)
        return len(changed)


def _untracked(model, fields: Sequence[str]) -> list[str]:
    tracked = {field.name for field in _history_model(model).tracked_fields}
    return [name for name in fields if name not in tracked]


def _split_by_stored_values(model, objs: list, compared: Sequence[str]) -> tuple[list, list]:
    if not compared:
        return objs, []
    stored = {
        pk: values
        for pk, *values in model.objects.filter(pk__in=[obj.pk for obj in objs]).values_list(
            "pk", *compared
        )
    }
    changed, unchanged = [], []
    for obj in objs:
        values = [getattr(obj, name) for name in compared]
        (unchanged if stored.get(obj.pk) == values else changed).append(obj)
    return changed, unchanged


def _update_with_history(model, objs, fields, compared, actor, reason) -> int:
    """One statement: the new values (one array per column); the rows whose compared fields
    differ (read from the snapshot before the update); an UPDATE of those rows, whose RETURNING
    feeds the history INSERT; and an UPDATE of the untracked fields of the others."""
    history_enabled = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    sql, columns = _statement(model, tuple(fields), tuple(compared), history_enabled)
    wrapper = connections[connection.alias]  # not the proxy, read at every attribute access
    params = [
        [column.get_db_prep_save(getattr(obj, column.attname), wrapper) for obj in objs]
        for column in columns
    ]
    params.append([getattr(obj, "_change_reason", None) or reason for obj in objs])
    users = [getattr(obj, "_history_user", None) or actor for obj in objs]
    params.append([user.pk if user is not None else None for user in users])
    if history_enabled:
        params.append(timezone.now())
    with _parameter_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@functools.cache
def _statement(model, fields: tuple, compared: tuple, history_enabled: bool) -> tuple:
    """_update_with_history's statement, built once per model and fields, and the columns it
    takes values for. The new values come as one array per column (unnest zips them), so the
    statement is the same whatever the number of rows: psycopg parses its placeholders once
    (it does not cache statements over 4 KB, and a VALUES list of 195 rows is 20 KB)."""
    quote = connection.ops.quote_name
    meta = model._meta
    pk = meta.pk
    columns = [pk] + [meta.get_field(name) for name in fields]
    history = _history_model(model)
    tracked = [field for field in history.tracked_fields if field.concrete]
    types = [column.db_type(connection) for column in columns] + ["text", "bigint"]
    arrays = ", ".join(f"%b::{db_type}[]" for db_type in types)  # binary: no escaping
    names = [quote(column.column) for column in columns] + ["reason", "user_id"]
    table, key = quote(meta.db_table), quote(pk.column)
    compared_columns = [quote(meta.get_field(name).column) for name in compared]
    differs = (
        f"({', '.join(f't.{c}' for c in compared_columns)}) IS DISTINCT FROM "
        f"({', '.join(f'v.{c}' for c in compared_columns)})"
        if compared
        else "TRUE"
    )
    set_all = ", ".join(f"{quote(c.column)} = c.{quote(c.column)}" for c in columns[1:])
    quiet = [quote(meta.get_field(name).column) for name in _untracked(model, fields)]
    quiet_update = (
        f", quiet AS (UPDATE {table} AS t SET {', '.join(f'{c} = v.{c}' for c in quiet)} "
        f"FROM v WHERE t.{key} = v.{key} AND v.{key} NOT IN (SELECT {key} FROM changed))"
        if quiet and compared
        else ""
    )
    history_columns = [quote(history._meta.get_field(f.name).column) for f in tracked]
    source_columns = [f"u.{quote(f.column)}" for f in tracked]
    record = (
        f"INSERT INTO {quote(history._meta.db_table)} ("
        f"{', '.join(history_columns)}, history_date, history_change_reason, history_type, "
        f"history_user_id) SELECT {', '.join(source_columns)}, %s, u.reason, '~', u.user_id "
        f"FROM updated AS u"
        if history_enabled
        else "SELECT 1 FROM updated"
    )
    sql = (
        f"WITH v ({', '.join(names)}) AS (SELECT * FROM unnest({arrays})), "
        f"changed AS (SELECT v.* FROM v JOIN {table} AS t ON t.{key} = v.{key} "
        f"WHERE {differs}), "
        f"updated AS (UPDATE {table} AS t SET {set_all} FROM changed AS c "
        f"WHERE t.{key} = c.{key} RETURNING t.*, c.reason, c.user_id){quiet_update} "
        f"{record}"
    )
    return sql, columns


def _parameter_cursor():
    """A cursor that sends the parameters apart from the statement (server-side binding)
    rather than quoting them into its text, as Django's psycopg cursors do: for a few hundred
    rows of JSON, building and parsing that text cost more than the write itself (merging it
    alone took 17 ms of CPU for 195 Party results). Statements are not prepared (a migration
    or a connection pooler would trip over them). Django's wrapper keeps query logging and
    error translation."""
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:
        return connection.cursor()
    connection.ensure_connection()
    return connection._prepare_cursor(_unprepared_cursor_class()(connection.connection))


@functools.cache
def _unprepared_cursor_class():
    import psycopg

    class UnpreparedCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=False, **kwargs)

    return UnpreparedCursor
