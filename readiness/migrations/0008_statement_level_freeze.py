"""The freeze of published and archived rounds (0004, 0006), checked once per statement instead
of once per row: the row-level guard turned every row into jsonb (to_jsonb) and looked up its
round, about 10 ms when the recompute rewrites ~210 results. Each guarded table now has three
AFTER ... FOR EACH STATEMENT triggers (PostgreSQL allows one event per trigger with transition
tables) whose one set-based query joins the changed rows to their round. Same refusals, same
message. The row-level trigger on readiness_assessmentround itself stays; the functions 0004
created stay too (0004 owns them, and the reverse of this migration uses them again)."""

from django.db import migrations

# how a guarded table's rows reach their round: the joins from the transition table `t` to
# the round `r`
PATHS = {
    "round": "JOIN readiness_assessmentround r ON r.id = t.round_id",
    "evidence": (
        "JOIN submissions_evidence e ON e.id = t.evidence_id "
        "JOIN readiness_assessmentround r ON r.id = e.round_id"
    ),
    "pillar": (
        "JOIN readiness_pillar p ON p.id = t.pillar_id "
        "JOIN readiness_assessmentround r ON r.id = p.round_id"
    ),
    "sub_pillar": (
        "JOIN readiness_subpillar s ON s.id = t.sub_pillar_id "
        "JOIN readiness_pillar p ON p.id = s.pillar_id "
        "JOIN readiness_assessmentround r ON r.id = p.round_id"
    ),
}

# the tables 0004 and 0006 guarded, and how their rows reach their round
GUARDED = {
    "readiness_roundparty": "round",
    "readiness_pillar": "round",
    "readiness_gradeband": "round",
    "readiness_subpillar": "pillar",
    "readiness_scorelevel": "sub_pillar",
    "readiness_factfield": "sub_pillar",
    "readiness_partyresult": "round",
    "readiness_aggregateresult": "round",
    "readiness_roundcomputation": "round",
    "readiness_roundchange": "round",
    "submissions_evidence": "round",
    "submissions_document": "evidence",
    "reviews_review": "evidence",
    "reviews_comment": "evidence",
    "reviews_reply": "round",
}

# the transition tables each event's trigger declares
EVENTS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}

FUNCTION = """
CREATE OR REPLACE FUNCTION readiness_guard_frozen_{kind}_statement() RETURNS trigger AS $$
DECLARE
    frozen bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT r.id INTO frozen FROM old_rows t {path}
         WHERE r.status IN ('published', 'archived') LIMIT 1;
    END IF;
    IF frozen IS NULL AND TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT r.id INTO frozen FROM new_rows t {path}
         WHERE r.status IN ('published', 'archived') LIMIT 1;
    END IF;
    IF frozen IS NOT NULL THEN
        RAISE EXCEPTION 'round % is published: % cannot change', frozen, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for kind, path in PATHS.items():
            cursor.execute(FUNCTION.format(kind=kind, path=path))
        for table, kind in GUARDED.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS readiness_frozen ON {table}")
            for event, transition_tables in EVENTS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS readiness_frozen_{event} ON {table}")
                cursor.execute(
                    f"CREATE TRIGGER readiness_frozen_{event} AFTER {event.upper()} ON {table} "
                    f"{transition_tables} FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION readiness_guard_frozen_{kind}_statement()"
                )


def remove(apps, schema_editor):
    """Puts back the row-level triggers exactly as 0004 and 0006 created them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, kind in GUARDED.items():
            for event in EVENTS:
                cursor.execute(f"DROP TRIGGER IF EXISTS readiness_frozen_{event} ON {table}")
            cursor.execute(f"DROP TRIGGER IF EXISTS readiness_frozen ON {table}")
            cursor.execute(
                f"CREATE TRIGGER readiness_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION readiness_guard_frozen_round_rows('{kind}')"
            )
        for kind in PATHS:
            cursor.execute(f"DROP FUNCTION IF EXISTS readiness_guard_frozen_{kind}_statement()")


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0007_append_only_history"),
        ("submissions", "0002_importjob"),
        ("reviews", "0003_historicalreply_reply"),
    ]

    operations = [migrations.RunPython(install, remove)]
