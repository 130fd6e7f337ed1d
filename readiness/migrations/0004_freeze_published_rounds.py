"""On PostgreSQL, the database itself refuses any change to a published or archived round, its
methodology, membership, evidence, documents, decisions, comments and results — whatever the
path (services, admin, shell, raw SQL). The only change allowed is published -> archived."""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION readiness_round_of(kind text, row_data jsonb) RETURNS bigint AS $$
DECLARE
    result bigint;
BEGIN
    IF kind = 'round' THEN
        result := (row_data->>'round_id')::bigint;
    ELSIF kind = 'evidence' THEN
        SELECT round_id INTO result FROM submissions_evidence
         WHERE id = (row_data->>'evidence_id')::bigint;
    ELSIF kind = 'pillar' THEN
        SELECT round_id INTO result FROM readiness_pillar
         WHERE id = (row_data->>'pillar_id')::bigint;
    ELSIF kind = 'sub_pillar' THEN
        SELECT p.round_id INTO result FROM readiness_subpillar s
          JOIN readiness_pillar p ON p.id = s.pillar_id
         WHERE s.id = (row_data->>'sub_pillar_id')::bigint;
    END IF;
    RETURN result;
END
$$ LANGUAGE plpgsql STABLE;

CREATE OR REPLACE FUNCTION readiness_refuse_if_frozen(round_id bigint, tbl text) RETURNS void AS $$
BEGIN
    IF round_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM readiness_assessmentround
         WHERE id = round_id AND status IN ('published', 'archived')
    ) THEN
        RAISE EXCEPTION 'round % is published: % cannot change', round_id, tbl
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END
$$ LANGUAGE plpgsql STABLE;

CREATE OR REPLACE FUNCTION readiness_guard_frozen_round_rows() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM readiness_refuse_if_frozen(
            readiness_round_of(TG_ARGV[0], to_jsonb(OLD)), TG_TABLE_NAME);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM readiness_refuse_if_frozen(
            readiness_round_of(TG_ARGV[0], to_jsonb(NEW)), TG_TABLE_NAME);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION readiness_guard_frozen_round() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN ('published', 'archived') THEN
        IF TG_OP = 'DELETE' OR NOT (
            OLD.status = 'published' AND NEW.status = 'archived'
            AND to_jsonb(NEW) - 'status' = to_jsonb(OLD) - 'status'
        ) THEN
            RAISE EXCEPTION 'round % is published: it can only be archived', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

# table -> how its rows reach their round
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
}


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [FUNCTIONS]
    for table, kind in GUARDED.items():
        statements.append(
            f"DROP TRIGGER IF EXISTS readiness_frozen ON {table};"
            f"CREATE TRIGGER readiness_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION readiness_guard_frozen_round_rows('{kind}');"
        )
    statements.append(
        "DROP TRIGGER IF EXISTS readiness_frozen ON readiness_assessmentround;"
        "CREATE TRIGGER readiness_frozen BEFORE UPDATE OR DELETE ON readiness_assessmentround "
        "FOR EACH ROW EXECUTE FUNCTION readiness_guard_frozen_round();"
    )
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in [*GUARDED, "readiness_assessmentround"]:
            cursor.execute(f"DROP TRIGGER IF EXISTS readiness_frozen ON {table}")
        cursor.execute(
            "DROP FUNCTION IF EXISTS readiness_guard_frozen_round_rows(), "
            "readiness_guard_frozen_round(), readiness_refuse_if_frozen(bigint, text), "
            "readiness_round_of(text, jsonb)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0003_party_iso_numeric"),
        ("submissions", "0001_initial"),
        ("reviews", "0002_initial"),
    ]

    operations = [migrations.RunPython(install, remove)]
