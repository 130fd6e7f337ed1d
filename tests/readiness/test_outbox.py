"""The outbox of notifications (readiness/outbox.py): nothing lost to a broker outage, a
worker crash or an SMTP failure, nothing sent twice by two workers, nothing sent by the demo."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from readiness import outbox
from readiness.models import OutboxKind, OutboxMessage
from readiness.outbox import outbox_deliver_due, outbox_enqueue
from reviews.models import Review
from reviews.services import review_decide
from submissions.models import EvidenceStatus
from tests.concurrency import run_at_once
from tests.factories import UserFactory, make_evidence
from tests.redis_server import OwnRedis
from tests.test_pipeline_integration import wait_until

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class RefusingSMTPBackend(BaseEmailBackend):
    """A mail server that answers every message with a temporary failure."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("451 4.3.0 Mail server temporarily unavailable")


class UnreachableSMTPBackend(BaseEmailBackend):
    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):
        raise AssertionError("nothing is sent without a connection")


class RecordingBackend(BaseEmailBackend):
    """Stands for a worker's real SMTP backend: everything handed to it is recorded."""

    handed_over: list = []

    def send_messages(self, email_messages):
        self.handed_over.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def submitted(open_round, party, focal_point):
    return make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="submitted"
    )


def approve(reviewer, evidence):
    return review_decide(
        actor=reviewer, evidence=evidence, decision="approve", expected_version=evidence.version
    )


def pending(**filters):
    return OutboxMessage.objects.filter(sent_at__isnull=True, **filters)


@pytest.mark.django_db
def test_the_decision_email_is_a_row_written_with_the_decision(reviewer, submitted):
    with transaction.atomic():
        approve(reviewer, submitted)
        # Before the commit, in the decision's own transaction.
        row = OutboxMessage.objects.get()
    assert (row.kind, row.recipient, row.sent_at) == (
        OutboxKind.DECISION,
        submitted.submitter.email,
        None,
    )
    assert "Approved: Ghana" in row.subject and "Awarded level: 2" in row.body


@pytest.mark.django_db
def test_a_rolled_back_decision_leaves_no_email(reviewer, submitted, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        approve(reviewer, submitted)
        raise RuntimeError("the request failed after the decision")
    assert not OutboxMessage.objects.exists() and not Review.objects.exists()
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.SUBMITTED
    assert outbox_deliver_due().sent == 0 and mailoutbox == []


@pytest.mark.django_db
def test_with_the_broker_down_the_decision_succeeds_and_the_beats_run_delivers_it(
    reviewer, submitted, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from readiness.celery import app
    from readiness.tasks import deliver_outbox

    published = []

    def unreachable_broker(name, *args, **kwargs):
        published.append(name)
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app, "send_task", unreachable_broker)
    app.conf.task_always_eager = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            approve(reviewer, submitted)
    finally:
        app.conf.task_always_eager = True
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.APPROVED
    assert published.count("readiness.deliver_outbox") == 1  # tried on commit, and failed
    assert mailoutbox == [] and pending().count() == 1

    deliver_outbox.apply()  # what the beat queues every minute, once the broker is back
    assert [message.to for message in mailoutbox] == [[submitted.submitter.email]]
    assert "Awarded level: 2" in mailoutbox[0].body
    assert not pending().exists()


@pytest.mark.django_db
def test_an_smtp_failure_is_recorded_and_retried_after_the_backoff(
    reviewer, submitted, settings, mailoutbox
):
    approve(reviewer, submitted)
    settings.EMAIL_BACKEND = "tests.readiness.test_outbox.RefusingSMTPBackend"
    now = timezone.now()
    assert outbox_deliver_due(now=now).failed == 1
    row = OutboxMessage.objects.get()
    assert (row.sent_at, row.attempts) == (None, 1)
    assert "SMTPException" in row.last_error and "451" in row.last_error
    assert row.next_attempt_at == now + timedelta(minutes=1)

    assert outbox_deliver_due(now=now + timedelta(seconds=59)) == outbox.DeliveryReport()
    assert outbox_deliver_due(now=row.next_attempt_at).failed == 1  # still refused: 2 minutes
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == now + timedelta(minutes=1 + 2)

    settings.EMAIL_BACKEND = LOCMEM  # the mail server is back
    assert outbox_deliver_due(now=row.next_attempt_at).sent == 1
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 3 and row.last_error == ""
    assert [message.subject for message in mail.outbox] == [row.subject]


@pytest.mark.django_db
def test_an_unreachable_mail_server_fails_the_batch_without_sending(reviewer, submitted,
                                                                    settings):  # fmt: skip
    outbox_enqueue(kind=OutboxKind.DECISION, recipients=["a@example.org", "b@example.org"],
                   subject="s", body="b")  # fmt: skip
    settings.EMAIL_BACKEND = "tests.readiness.test_outbox.UnreachableSMTPBackend"
    assert outbox_deliver_due().failed == 2
    assert set(pending().values_list("attempts", flat=True)) == {1}
    assert all(
        "Connection refused" in error for error in pending().values_list("last_error", flat=True)
    )


def test_the_backoff_doubles_up_to_six_hours():
    delays = [outbox.retry_delay(attempts) for attempts in (1, 2, 3, 4, 10, 30)]
    assert delays == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(hours=6),
        timedelta(hours=6),
    ]


@pytest.mark.django_db
def test_one_row_per_address_and_no_row_without_one():
    assert outbox_enqueue(kind=OutboxKind.DECISION, recipients=["", ""], subject="s",
                          body="b") == 0  # fmt: skip
    addresses = ["b@example.org", "a@example.org", "b@example.org"]
    count = outbox_enqueue(kind=OutboxKind.ROUND_OPENED, recipients=addresses, subject="s",
                           body="b")  # fmt: skip
    assert count == 2
    assert sorted(OutboxMessage.objects.values_list("recipient", flat=True)) == [
        "a@example.org",
        "b@example.org",
    ]


class MeetingBackend(BaseEmailBackend):
    """Holds each delivering thread at its first send until the other thread reaches its own:
    both have then picked their rows while the other's are locked."""

    barrier = threading.Barrier(2)
    lock = threading.Lock()
    waited = threading.local()
    sent: list = []

    def send_messages(self, email_messages):
        if not getattr(self.waited, "done", False):
            self.waited.done = True
            self.barrier.wait(timeout=15)
        with self.lock:
            self.sent.extend(message.to[0] for message in email_messages)
        return len(email_messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_each_email_once(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.readiness.test_outbox.MeetingBackend"
    monkeypatch.setattr(outbox, "BATCH", 5)
    MeetingBackend.barrier.reset()
    MeetingBackend.sent.clear()
    addresses = [f"person{n}@example.org" for n in range(10)]
    OutboxMessage.objects.bulk_create(
        OutboxMessage(kind=OutboxKind.ROUND_OPENED, recipient=address, subject="s", body="b")
        for address in addresses
    )
    reports = []

    run_at_once(lambda: reports.append(outbox_deliver_due()), 2)
    assert sorted(MeetingBackend.sent) == sorted(addresses)  # each exactly once
    assert sorted(report.sent for report in reports) == [5, 5]
    assert not pending().exists()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_the_admin_lists_undelivered_mail_and_retries_it_now(
    client, round_admin, reviewer, submitted, settings, django_capture_on_commit_callbacks
):
    approve(reviewer, submitted)
    sent = OutboxMessage.objects.create(kind=OutboxKind.DECISION, recipient="done@example.org",
                                        subject="Already delivered", body="b",
                                        sent_at=timezone.now())  # fmt: skip
    settings.EMAIL_BACKEND = "tests.readiness.test_outbox.RefusingSMTPBackend"
    outbox_deliver_due()
    failed = OutboxMessage.objects.get(sent_at__isnull=True)
    assert failed.next_attempt_at > timezone.now()
    url = reverse("admin:readiness_outboxmessage_changelist")

    client.force_login(reviewer)
    assert client.get(url).status_code == 302  # not a round admin: to the log-in page
    client.force_login(round_admin)
    for delivery in ("undelivered", "failed"):
        page = client.get(url, {"delivery": delivery}).content.decode()
        assert failed.subject in page and "451 4.3.0" in page and sent.subject not in page
    detail = client.get(reverse("admin:readiness_outboxmessage_change", args=[failed.pk]))
    assert detail.status_code == 200 and 'name="subject"' not in detail.content.decode()
    assert client.post(reverse("admin:readiness_outboxmessage_add")).status_code == 403

    settings.EMAIL_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry_now", "_selected_action": [failed.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.sent_at is not None and failed.attempts == 2
    assert [message.subject for message in mail.outbox] == [failed.subject]


@pytest.mark.django_db
def test_the_command_delivers_what_is_due_and_with_now_what_waits(reviewer, submitted, settings,
                                                                  capsys):  # fmt: skip
    approve(reviewer, submitted)
    settings.EMAIL_BACKEND = "tests.readiness.test_outbox.RefusingSMTPBackend"
    call_command("deliver_outbox")
    assert capsys.readouterr().out.strip() == "Sent 0, failed 1, undelivered 1."
    settings.EMAIL_BACKEND = LOCMEM
    call_command("deliver_outbox")  # the retry is not due yet
    assert capsys.readouterr().out.strip() == "Sent 0, failed 0, undelivered 1."
    call_command("deliver_outbox", "--now")
    assert capsys.readouterr().out.strip() == "Sent 1, failed 0, undelivered 0."
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_setup_demo_sends_nothing_through_any_backend(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.readiness.test_outbox.RecordingBackend"
    RecordingBackend.handed_over.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("setup_demo")
    call_command("deliver_outbox", "--now")  # as a worker's beat run would, right after
    assert RecordingBackend.handed_over == []
    demo_mail = OutboxMessage.objects.all()
    assert demo_mail.exists()  # the demo's workflow did notify: round opened, decisions, ...
    assert set(demo_mail.values_list("discarded", flat=True)) == {"demo data"}
    assert not pending().exists()


@pytest.mark.django_db
def test_work_after_the_demo_notifies_again(reviewer, submitted, mailoutbox,
                                            django_capture_on_commit_callbacks):  # fmt: skip
    with outbox.outbox_discarding("demo data"):
        approve(reviewer, submitted)
    other = make_evidence(assessment_round=submitted.round, party=submitted.party,
                          author=UserFactory(username="analyst2"), status="submitted",
                          code="INF-1")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        approve(reviewer, other)
    assert [message.to for message in mailoutbox] == [[other.submitter.email]]


@pytest.fixture
def own_broker():
    """The Celery app publishing to, and a worker consuming from, a Redis of the test's own."""
    from readiness.celery import app

    redis = OwnRedis()
    redis.start()
    saved = {name: app.conf[name] for name in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis.url, task_always_eager=False)
    app._pool = None  # the connection pools are built from broker_url on first use
    app.amqp._producer_pool = None
    try:
        yield app, redis
    finally:
        app.conf.update(saved)
        app._pool = None
        app.amqp._producer_pool = None
        if redis.process.poll() is None:
            redis.stop()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_broker_outage_delays_the_email_and_a_real_worker_delivers_it_later(
    reviewer, submitted, mailoutbox, own_broker
):
    from celery.contrib.testing.worker import start_worker

    from readiness.tasks import deliver_outbox

    app, redis = own_broker
    redis.stop()  # the broker goes down
    assert not redis.answers()
    approve(reviewer, submitted)  # commits; publishing the delivery on commit fails
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.APPROVED
    assert pending().count() == 1 and mailoutbox == []

    redis.start()  # the broker is back (empty: the failed publish left nothing in it)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deliver_outbox.delay()  # what the beat publishes every minute
        assert wait_until(lambda: not pending().exists(), timeout=30)
    assert [message.to for message in mailoutbox] == [[submitted.submitter.email]]
    assert "Awarded level: 2" in mailoutbox[0].body
