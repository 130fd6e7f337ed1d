from django.core.management.base import BaseCommand

from readiness.party_register import PARTY_FILE, grouping_rows, read_party_file
from readiness.services import parties_load, system_user


class Command(BaseCommand):
    help = "Loads or updates the Parties and their groupings from the reviewed register."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(PARTY_FILE), help="Path to a parties CSV.")

    def handle(self, *args, **options):
        summary = parties_load(
            actor=system_user(), parties=read_party_file(options["file"]), groupings=grouping_rows()
        )
        self.stdout.write(
            f"Parties: {summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged."
        )
