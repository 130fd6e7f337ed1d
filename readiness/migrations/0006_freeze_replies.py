from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER IF EXISTS readiness_frozen ON reviews_reply;"
            "CREATE TRIGGER readiness_frozen BEFORE INSERT OR UPDATE OR DELETE ON reviews_reply "
            "FOR EACH ROW EXECUTE FUNCTION readiness_guard_frozen_round_rows('round');"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS readiness_frozen ON reviews_reply")


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0005_assessmentround_reply_deadline_and_more"),
        ("reviews", "0003_historicalreply_reply"),
    ]

    operations = [migrations.RunPython(install, remove)]
