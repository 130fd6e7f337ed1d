from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0002_importjob")]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="withdraw_pending",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "The importer chose to withdraw evidence waiting for review that a row "
                    "replaces."
                ),
            ),
        ),
    ]
