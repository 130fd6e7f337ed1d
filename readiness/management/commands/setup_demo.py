from django.conf import settings
from django.core.management.base import BaseCommand

from readiness.demo import DEMO_PASSWORD, setup_demo


class Command(BaseCommand):
    help = "Loads the Parties, the 2025 round with methodology v1 and one demo account per role."

    def handle(self, *args, **options):
        accounts = setup_demo()  # its notifications are recorded as not sent, never delivered
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Accounts (password for all: {DEMO_PASSWORD}):")
        )
        for account in accounts:
            self.stdout.write(f"  {account.username:<16} {account.role}")
        if settings.DEMO_MODE:
            self.stdout.write(
                "Reviewers and round admins also enter a two-factor code: "
                "`python manage.py demo_otp_code <username>` prints it (demo only)."
            )
        else:
            self.stdout.write(
                "Not in demo mode: reviewers and round admins set up their own two-factor "
                "device at their first log-in."
            )
