from django.core.management.base import BaseCommand

from readiness.models import OutboxMessage
from readiness.outbox import outbox_deliver_due, outbox_make_all_due


class Command(BaseCommand):
    help = (
        "Sends the e-mails that are due from the outbox, here and now, with this process's "
        "e-mail settings (the beat does the same every minute through a worker)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="Ignore the retry backoff: every undelivered e-mail is tried at once.",
        )

    def handle(self, *args, **options):
        if options["now"]:
            outbox_make_all_due()
        report = outbox_deliver_due()
        waiting = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"Sent {report.sent}, failed {report.failed}, undelivered {waiting}.")
