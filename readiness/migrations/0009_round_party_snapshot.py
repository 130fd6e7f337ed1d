"""The Party register as each round publishes it (issue 13, finding 5): a snapshot per round and
Party of the names, region, sub-region and groupings, filled for every existing round from the
register as it stands, and frozen with its round by 0008's statement-level guard (the same
function as the round's other tables: no insert, update or delete once the round is published
or archived)."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

TABLE = "readiness_partysnapshot"
freeze = import_module("readiness.migrations.0008_statement_level_freeze")


def fill(apps, schema_editor):
    """One snapshot per round member, from the register (published rounds included: what they
    show today is the register, and from now on it stays what they show)."""
    RoundParty = apps.get_model("readiness", "RoundParty")
    PartySnapshot = apps.get_model("readiness", "PartySnapshot")
    memberships = RoundParty.objects.select_related("party").prefetch_related("party__groupings")
    rows = []
    for membership in memberships.order_by("round_id", "party_id").iterator(chunk_size=500):
        party = membership.party
        groupings = sorted(party.groupings.all(), key=lambda g: (g.kind, g.order, g.code))
        rows.append(
            PartySnapshot(
                round_id=membership.round_id, party_id=party.pk, code=party.code,
                iso_numeric=party.iso_numeric, name_en=party.name_en, name_zh=party.name_zh,
                region=party.region, subregion_en=party.subregion_en,
                subregion_zh=party.subregion_zh, is_supranational=party.is_supranational,
                groupings=[
                    {"code": g.code, "kind": g.kind, "name_en": g.name_en,
                     "name_zh": g.name_zh, "order": g.order}
                    for g in groupings
                ],
            )
        )  # fmt: skip
    PartySnapshot.objects.bulk_create(rows, batch_size=500)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for event, transition_tables in freeze.EVENTS.items():
            cursor.execute(
                f"CREATE TRIGGER readiness_frozen_{event} AFTER {event.upper()} ON {TABLE} "
                f"{transition_tables} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION readiness_guard_frozen_round_statement()"
            )


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for event in freeze.EVENTS:
            cursor.execute(f"DROP TRIGGER IF EXISTS readiness_frozen_{event} ON {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("readiness", "0008_statement_level_freeze")]

    operations = [
        migrations.AlterField(
            model_name="roundchange",
            name="kind",
            field=models.CharField(
                choices=[
                    ("decision", "Decision"),
                    ("revocation", "Approval revoked"),
                    ("methodology", "Methodology changed"),
                    ("membership", "Membership changed"),
                    ("register", "Party register changed"),
                    ("manual", "Recompute requested"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="PartySnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=3)),
                ("iso_numeric", models.CharField(blank=True, max_length=3)),
                ("name_en", models.CharField(max_length=120)),
                ("name_zh", models.CharField(blank=True, max_length=120)),
                (
                    "region",
                    models.CharField(
                        choices=[
                            ("africa", "Africa"),
                            ("americas", "Americas"),
                            ("asia", "Asia"),
                            ("europe", "Europe"),
                            ("oceania", "Oceania"),
                        ],
                        max_length=10,
                    ),
                ),
                ("subregion_en", models.CharField(blank=True, max_length=80)),
                ("subregion_zh", models.CharField(blank=True, max_length=80)),
                ("is_supranational", models.BooleanField(default=False)),
                (
                    "groupings",
                    models.JSONField(
                        default=list,
                        help_text="The groupings the Party belonged to, in display order: "
                        '[{"code": "ldc", "kind": "category", "name_en": "…", "name_zh": "…", '
                        '"order": 0}]',
                    ),
                ),
                ("taken_at", models.DateTimeField(auto_now=True)),
                (
                    "party",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="readiness.party",
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="party_snapshots",
                        to="readiness.assessmentround",
                    ),
                ),
            ],
            options={
                "ordering": ["round", "code"],
                "constraints": [
                    models.UniqueConstraint(fields=("round", "party"), name="unique_party_snapshot")
                ],
            },
        ),  # fmt: skip
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
