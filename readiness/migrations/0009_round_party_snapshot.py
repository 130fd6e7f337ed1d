"""Reserved: the Party register as each round publishes it (issue 13, finding 5)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("readiness", "0008_statement_level_freeze")]

    operations = []
