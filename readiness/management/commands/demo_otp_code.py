from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness.demo import DEMO_TOTP_KEY_HEX
from readiness.two_factor import current_code


class Command(BaseCommand):
    help = (
        "Demo only: prints the two-factor code of a demo reviewer or round admin (their device "
        "has the published demo key). Refuses outside demo mode and for any other device."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo two-factor codes exist only in demo mode (DEMO_MODE=1).")
        device = TOTPDevice.objects.filter(
            user__username=options["username"], confirmed=True, key=DEMO_TOTP_KEY_HEX
        ).first()
        if device is None:
            raise CommandError(
                f"“{options['username']}” has no demo two-factor device (run setup_demo first)."
            )
        self.stdout.write(current_code(device))
