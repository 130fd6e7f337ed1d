from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from readiness.services import system_user
from readiness.services.two_factor import two_factor_reset


class Command(BaseCommand):
    help = (
        "Removes a user's two-factor devices (they set up a new one at their next log-in), as "
        "the system account, recorded in the account's history. For when no other round admin "
        "can do it from the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Kept in the account's history.")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account “{options['username']}”.")
        try:
            removed = two_factor_reset(actor=system_user(), user=user, reason=options["reason"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{removed} authenticator device(s) of {user.get_username()} removed; "
                "they set up a new one at their next log-in."
            )
        )
