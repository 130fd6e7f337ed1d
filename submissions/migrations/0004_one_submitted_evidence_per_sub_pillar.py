"""At most one piece of evidence per round, Party and sub-pillar waits for review (issue 13,
finding 10: two waiting submissions competed, and approving both replaced the reviewed one).
A database that already holds such pairs is not changed silently: the migration stops and
names them, for a reviewer to decide or a submitter to withdraw one of each pair."""

from django.db import migrations, models
from django.db.models import Count, Q


def refuse_competing_submissions(apps, schema_editor):
    Evidence = apps.get_model("submissions", "Evidence")
    competing = (
        Evidence.objects.filter(status="submitted")
        .values("round__slug", "party__code", "sub_pillar__code")
        .annotate(waiting=Count("pk"))
        .filter(waiting__gt=1)
        .order_by("round__slug", "party__code", "sub_pillar__code")
    )
    if competing:
        pairs = "; ".join(
            f"{row['round__slug']} {row['party__code']} {row['sub_pillar__code']} "
            f"({row['waiting']} waiting)"
            for row in competing
        )
        raise RuntimeError(
            "Several submissions wait for review for the same round, Party and sub-pillar: "
            f"{pairs}. Decide or withdraw all but one of each, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [("submissions", "0003_importjob_withdraw_pending")]

    operations = [
        migrations.RunPython(refuse_competing_submissions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="evidence",
            constraint=models.UniqueConstraint(
                condition=Q(status="submitted"),
                fields=("round", "party", "sub_pillar"),
                name="one_submitted_evidence_per_sub_pillar",
            ),
        ),
    ]
