"""Reserved: the transactional outbox of notifications (issue 13, finding 2)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("readiness", "0010_history_guards")]

    operations = []
