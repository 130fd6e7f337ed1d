"""Reserved: history rows refused for frozen rounds and back-dated rows (issue 13, finding 4)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("readiness", "0009_round_party_snapshot")]

    operations = []
