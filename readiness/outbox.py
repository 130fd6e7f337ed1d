"""The outbox of notifications: rows written in the transaction of the change that causes them
(`outbox_enqueue`), delivered from there (`outbox_deliver_due`) by a task queued on commit and
by the beat every minute. A broker outage, a worker crash or an SMTP failure delays an e-mail;
none loses it. Delivery is at least once: the row stays locked from the send to the commit that
marks it sent, so two workers never send one row, but a crash in between sends it again."""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from readiness import policy
from readiness.background import enqueue
from readiness.models import OutboxMessage, User

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
BATCH = 20  # rows locked (and sent) per transaction

_discard_reason: ContextVar[str] = ContextVar("outbox_discard_reason", default="")


@contextmanager
def outbox_discarding(reason: str) -> Iterator[None]:
    """Within it, notifications are recorded as not sent (`discarded`), never delivered: for
    work such as `setup_demo`, whose e-mails must not reach any backend, a worker's included."""
    token = _discard_reason.set(reason)
    try:
        yield
    finally:
        _discard_reason.reset(token)


def outbox_enqueue(*, kind: str, recipients: Iterable[str], subject: str, body: str) -> int:
    """Writes one row per address in the caller's transaction (so it commits or rolls back with
    the change) and asks for a delivery once that transaction commits. Returns the rows."""
    addresses = sorted({address for address in recipients if address})
    if not addresses:
        return 0
    discarded = _discard_reason.get()
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind=kind,
            recipient=address,
            subject=subject[:300],
            body=body,
            created_at=now,
            next_attempt_at=now,
            sent_at=now if discarded else None,
            discarded=discarded,
        )
        for address in addresses
    )
    if not discarded:
        transaction.on_commit(_queue_delivery, robust=True)
    return len(addresses)


def _queue_delivery() -> None:
    from readiness.tasks import deliver_outbox

    enqueue(deliver_outbox)  # a broker outage is logged; the beat's run delivers later


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the first, second, third … failure, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0

    def __add__(self, other: "DeliveryReport") -> "DeliveryReport":
        return DeliveryReport(self.sent + other.sent, self.failed + other.failed)


def outbox_deliver_due(*, now: datetime | None = None) -> DeliveryReport:
    """Sends every undelivered row that is due, batch by batch, and records each outcome on
    its row: sent, or the error with the next attempt after an exponential backoff."""
    now = now or timezone.now()
    report = DeliveryReport()
    while True:
        batch = _deliver_batch(now)
        if batch is None:
            return report
        report += batch


@transaction.atomic
def _deliver_batch(now: datetime) -> DeliveryReport | None:
    rows = list(
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(sent_at__isnull=True, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")[:BATCH]
    )
    if not rows:
        return None
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # the SMTP server is unreachable: no row of this batch can go
        for row in rows:
            _record_failure(row, error, now)
        return DeliveryReport(failed=len(rows))
    sent = 0
    try:
        for row in rows:
            message = EmailMessage(
                row.subject,
                row.body,
                settings.DEFAULT_FROM_EMAIL,
                [row.recipient],
                connection=connection,
            )
            try:
                message.send(fail_silently=False)
            except Exception as error:
                _record_failure(row, error, now)
                continue
            row.attempts += 1
            row.sent_at = timezone.now()
            row.last_error = ""
            row.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1
    finally:
        connection.close()
    return DeliveryReport(sent=sent, failed=len(rows) - sent)


def _record_failure(row: OutboxMessage, error: Exception, now: datetime) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    row.next_attempt_at = now + retry_delay(row.attempts)
    row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    logger.warning(
        "E-mail %s to %s failed (attempt %s): %s", row.pk, row.recipient, row.attempts, error
    )


@transaction.atomic
def outbox_retry_now(*, actor: User, message_ids: Iterable[int]) -> int:
    """A round admin makes undelivered e-mails due now (after fixing the mail server, say);
    they go out on commit. Returns how many."""
    policy.require(
        policy.can_manage_rounds(actor), "Only round admins may retry undelivered e-mail."
    )
    count = OutboxMessage.objects.filter(pk__in=list(message_ids), sent_at__isnull=True).update(
        next_attempt_at=timezone.now()
    )
    if count:
        transaction.on_commit(_queue_delivery, robust=True)
    return count


def outbox_make_all_due(*, now: datetime | None = None) -> int:
    """For the operator's `deliver_outbox --now`: every undelivered row is due at once."""
    return OutboxMessage.objects.filter(sent_at__isnull=True).update(
        next_attempt_at=now or timezone.now()
    )
