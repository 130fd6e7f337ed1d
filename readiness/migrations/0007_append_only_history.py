"""On PostgreSQL, the audit trail is append-only in the database itself: a trigger on every
django-simple-history table refuses UPDATE and DELETE, whatever the path (ORM, admin, shell,
raw SQL). New history rows are still inserted as before. A history model added later must add
its table here or in a migration of its own: tests/readiness/test_append_only_history.py fails
for any history table without the trigger."""

from django.db import migrations

HISTORY_TABLES = [
    "readiness_historicalaggregateresult",
    "readiness_historicalassessmentround",
    "readiness_historicalfactfield",
    "readiness_historicalgradeband",
    "readiness_historicalparty",
    "readiness_historicalpartyassignment",
    "readiness_historicalpartyresult",
    "readiness_historicalpillar",
    "readiness_historicalroundparty",
    "readiness_historicalscorelevel",
    "readiness_historicalsubpillar",
    "readiness_historicaluser",
    "reviews_historicalreply",
    "submissions_historicaldocument",
    "submissions_historicalevidence",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION readiness_refuse_history_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the history is append-only: % of a row of % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        for table in HISTORY_TABLES:
            cursor.execute(
                f"DROP TRIGGER IF EXISTS readiness_append_only ON {table};"
                f"CREATE TRIGGER readiness_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION readiness_refuse_history_change();"
            )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in HISTORY_TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS readiness_append_only ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS readiness_refuse_history_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0006_freeze_replies"),
        ("submissions", "0001_initial"),
        ("reviews", "0003_historicalreply_reply"),
    ]

    operations = [migrations.RunPython(install, remove)]
