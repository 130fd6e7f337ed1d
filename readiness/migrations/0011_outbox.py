"""The transactional outbox of notifications (issue 13, finding 2): readiness.OutboxMessage."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("readiness", "0010_history_guards")]

    operations = [
        migrations.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("round_opened", "Round opened"),
                            ("evidence_submitted", "Evidence submitted"),
                            ("evidence_imported", "Evidence imported"),
                            ("decision", "Decision on evidence"),
                        ],
                        max_length=30,
                        verbose_name="kind",
                    ),
                ),
                ("recipient", models.EmailField(max_length=254, verbose_name="recipient")),
                ("subject", models.CharField(max_length=300, verbose_name="subject")),
                ("body", models.TextField(verbose_name="body")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                (
                    "next_attempt_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="next attempt"
                    ),
                ),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                (
                    "discarded",
                    models.CharField(blank=True, max_length=100, verbose_name="not sent because"),
                ),
            ],
            options={
                "verbose_name": "outgoing e-mail",
                "verbose_name_plural": "outgoing e-mails",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("sent_at__isnull", True)),
                        fields=["next_attempt_at"],
                        name="outbox_due",
                    )
                ],
            },
        ),
    ]
