"""Large imports as a background job: lifecycle, progress, errors, permissions, and a real
worker on PostgreSQL and Redis."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from readiness.models import RoundStatus
from submissions import import_jobs
from submissions.import_jobs import import_job_create, import_job_run
from submissions.models import Evidence, ImportJob
from tests.factories import PartyFactory, add_members

pytestmark = pytest.mark.django_db

HEADER = "party,sub_pillar,claimed_level,narrative,source_urls,confidential"
CODES = ("REG-1", "REG-2", "REG-3", "INF-1", "INF-2", "INF-3", "FIN-1", "IMP-1", "IMP-2",
         "IMP-3", "IMP-4", "IMP-5", "IMP-6")  # fmt: skip


def csv_upload(rows: list[str], name: str = "large.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode())


def valid_rows(parties) -> list[str]:
    return [f"{party.code},{code},1,Row for {party.code} {code}.,https://example.org/s,no"
            for party in parties for code in CODES]  # fmt: skip


@pytest.fixture
def small_threshold(settings):
    settings.EVIDENCE_IMPORT_BACKGROUND_ROWS = 3
    return settings


@pytest.fixture
def parties(open_round):
    extra = [PartyFactory() for _ in range(2)]
    add_members(open_round, extra)
    return [*open_round.parties.order_by("code")]


def post_import(client, upload, capture):
    with capture(execute=True):
        return client.post(reverse("evidence-import", args=["2026"]), {"file": upload})


def test_a_large_file_runs_as_a_job_and_imports_every_row(
    client, round_admin, open_round, parties, small_threshold, mailoutbox, reviewer,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(round_admin)
    response = post_import(client, csv_upload(valid_rows(parties)),
                           django_capture_on_commit_callbacks)  # fmt: skip
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import-job", args=[job.pk])
    assert (job.status, job.uploaded_by, job.original_name) == ("done", round_admin, "large.csv")
    assert job.rows_total == job.rows_processed == job.created_count == 4 * 13
    assert job.started_at and job.finished_at and job.problems == [] and job.error == ""
    imported = Evidence.objects.filter(round=open_round)
    assert imported.count() == 52
    assert set(imported.values_list("status", "submitted_by", "created_by")) == {
        ("submitted", round_admin.pk, round_admin.pk)
    }
    record = imported.first().history.get()
    assert record.history_user == round_admin
    assert record.history_change_reason == "imported from large.csv"
    assert len(mailoutbox) == 1 and "52 pieces of evidence imported" in mailoutbox[0].subject
    page = client.get(response["Location"]).content.decode()
    assert "52 pieces of evidence imported and submitted for review." in page
    assert 'http-equiv="refresh"' not in page and "<script" not in page


def test_small_files_keep_the_request_path(client, round_admin, open_round, small_threshold):
    client.force_login(round_admin)
    upload = csv_upload(["GHA,REG-1,1,Small.,https://example.org/s,no"])
    response = client.post(reverse("evidence-import", args=["2026"]), {"file": upload})
    assert response.status_code == 302 and response["Location"].endswith("/import/")
    assert not ImportJob.objects.exists() and Evidence.objects.count() == 1


def test_the_default_threshold_is_200_rows(client, analyst, open_round, settings,
                                           django_capture_on_commit_callbacks):  # fmt: skip
    assert settings.EVIDENCE_IMPORT_BACKGROUND_ROWS == 200
    client.force_login(analyst)
    others = [PartyFactory() for _ in range(15)]
    add_members(open_round, others)
    from tests.factories import AssignmentFactory

    for party in others:
        AssignmentFactory(user=analyst, party=party, role="analyst")
    rows = valid_rows(others)  # 195 rows
    post_import(client, csv_upload(rows), django_capture_on_commit_callbacks)
    assert not ImportJob.objects.exists() and Evidence.objects.count() == 195
    Evidence.objects.all().delete()
    more = [PartyFactory() for _ in range(1)]
    add_members(open_round, more)
    AssignmentFactory(user=analyst, party=more[0], role="analyst")
    response = post_import(client, csv_upload(valid_rows(others + more)),
                           django_capture_on_commit_callbacks)  # fmt: skip
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import-job", args=[job.pk])
    assert (job.status, job.created_count, job.uploaded_by) == ("done", 208, analyst)


def test_progress_is_recorded_as_rows_are_checked(round_admin, open_round, parties, monkeypatch,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    seen = []
    real = import_jobs._record_progress

    def record(job, count):
        real(job, count)
        seen.append(ImportJob.objects.get(pk=job.pk).rows_processed)

    monkeypatch.setattr(import_jobs, "_record_progress", record)
    job = import_job_create(actor=round_admin, assessment_round=open_round,
                            uploaded_file=csv_upload(valid_rows(parties)))  # fmt: skip
    assert (job.status, job.rows_processed) == ("queued", 0)
    import_job_run(job.pk)
    assert seen == sorted(seen) and len(seen) > 10 and seen[-1] == 52
    job.refresh_from_db()
    assert (job.status, job.rows_processed, job.rows_total) == ("done", 52, 52)


def test_a_running_job_shows_its_progress_and_refreshes_itself(client, round_admin, open_round):
    job = ImportJob.objects.create(round=open_round, uploaded_by=round_admin, file="imports/x.csv",
                                   original_name="big.csv", extension="csv", status="validating",
                                   rows_total=300, rows_processed=120)  # fmt: skip
    client.force_login(round_admin)
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="import-progress" max="300" value="120">40%</progress>' in page
    assert "120 of 300 rows checked" in page and "<script" not in page


def test_problems_are_all_listed_and_nothing_is_saved(
    client, round_admin, open_round, parties, small_threshold, django_capture_on_commit_callbacks
):
    rows = valid_rows(parties)
    rows[5] = "ZZZ,REG-1,1,Unknown Party.,https://example.org/s,no"
    rows[40] = f"{parties[0].code},REG-9,x,,,no"
    client.force_login(round_admin)
    response = post_import(client, csv_upload(rows), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.created_count == 0
    assert [(p["row"], p["column"]) for p in job.problems] == [
        (7, "party"), (42, "sub_pillar"), (42, "claimed_level"), (42, "narrative"),
    ]  # fmt: skip
    assert job.rows_processed == job.rows_total == 52
    assert not Evidence.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "4 problems; nothing was saved." in page and "not a Party of this round" in page
    assert 'http-equiv="refresh"' not in page


def test_an_unreadable_file_fails_the_job_with_the_reason(round_admin, open_round):
    upload = SimpleUploadedFile("large.csv", b"party,sub_pillar\nGHA,REG-1\n")
    job = import_job_create(actor=round_admin, assessment_round=open_round, uploaded_file=upload)
    job = import_job_run(job.pk)
    assert (job.status, job.error) == ("failed", "Columns missing: claimed_level, narrative, "
                                                 "source_urls, confidential.")  # fmt: skip


def test_a_round_closed_before_the_worker_saves_gets_nothing(round_admin, open_round, parties):
    job = import_job_create(actor=round_admin, assessment_round=open_round,
                            uploaded_file=csv_upload(valid_rows(parties)))  # fmt: skip
    open_round.status = RoundStatus.REVIEW
    open_round.save()
    job = import_job_run(job.pk)
    assert job.status == "failed" and "its evidence cannot change now" in job.error
    assert not Evidence.objects.exists()


def test_a_job_delivered_twice_imports_once(round_admin, open_round, parties):
    job = import_job_create(actor=round_admin, assessment_round=open_round,
                            uploaded_file=csv_upload(valid_rows(parties)))  # fmt: skip
    import_job_run(job.pk)
    import_job_run(job.pk)
    assert Evidence.objects.count() == 52


def test_rows_are_checked_with_the_uploaders_rights(focal_point, open_round, parties):
    job = import_job_create(actor=focal_point, assessment_round=open_round,
                            uploaded_file=csv_upload(valid_rows(parties)))  # fmt: skip
    job = import_job_run(job.pk)
    assert job.status == "failed"
    assert {p["reason"] for p in job.problems} == {"you may not submit evidence for this Party"}
    assert len(job.problems) == 3 * 13  # every row but Ghana's
    assert not Evidence.objects.exists()


def test_the_problems_are_in_the_uploaders_language(
    client, round_admin, open_round, small_threshold, django_capture_on_commit_callbacks
):
    client.force_login(round_admin)
    client.cookies["django_language"] = "zh-hans"
    rows = ["ZZZ,REG-1,1,x,,no"] * 4
    post_import(client, csv_upload(rows), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.language == "zh-hans"
    assert job.problems[0]["reason"] != "not a Party of this round"


@pytest.mark.parametrize("role", ["other_focal_point", "analyst", "reviewer", "registered_user"])
def test_only_the_uploader_and_round_admins_see_a_job(request, client, focal_point, round_admin,
                                                      open_round, role):  # fmt: skip
    job = ImportJob.objects.create(round=open_round, uploaded_by=focal_point, file="imports/x.csv",
                                   original_name="big.csv", extension="csv")  # fmt: skip
    url = reverse("import-job", args=[job.pk])
    for allowed in (focal_point, round_admin):
        client.force_login(allowed)
        assert client.get(url).status_code == 200
    client.force_login(request.getfixturevalue(role))
    assert client.get(url).status_code == 404
    page = client.get(reverse("evidence-import", args=["2026"])).content.decode()
    assert "big.csv" not in page


def test_the_import_page_lists_the_users_jobs(client, focal_point, open_round):
    ImportJob.objects.create(round=open_round, uploaded_by=focal_point, file="imports/x.csv",
                             original_name="mine.csv", extension="csv", status="done",
                             created_count=300)  # fmt: skip
    client.force_login(focal_point)
    page = client.get(reverse("evidence-import", args=["2026"])).content.decode()
    assert "mine.csv" in page and "Imported (300)" in page


def test_people_without_a_role_cannot_start_a_job(registered_user, reviewer, open_round):
    from django.core.exceptions import PermissionDenied

    for user in (registered_user, reviewer):
        with pytest.raises(PermissionDenied):
            import_job_create(actor=user, assessment_round=open_round,
                              uploaded_file=csv_upload(["GHA,REG-1,1,x,,no"]))  # fmt: skip
    assert not ImportJob.objects.exists()


@pytest.fixture
def real_worker():
    """A Celery worker in threads of this process, as in tests/test_pipeline_integration.py."""
    from celery.contrib.testing.worker import start_worker

    from readiness.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False,
                          shutdown_timeout=10):  # fmt: skip
            yield app
    finally:
        app.conf.task_always_eager = True


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_large_import(real_worker, client, round_admin, open_round,
                                           parties, small_threshold, tmp_path):  # fmt: skip
    from tests.test_pipeline_integration import wait_until

    small_threshold.MEDIA_ROOT = tmp_path
    client.force_login(round_admin)
    response = client.post(reverse("evidence-import", args=["2026"]),
                           {"file": csv_upload(valid_rows(parties))})  # fmt: skip
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import-job", args=[job.pk])
    assert wait_until(lambda: not ImportJob.objects.get(pk=job.pk).is_running, timeout=30)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rows_processed) == ("done", 52, 52)
    assert Evidence.objects.filter(round=open_round, status="submitted").count() == 52


# Issue 13 #10: the background import applies the same rules and the same explicit choice


def test_a_job_lists_every_problem_of_every_row_and_saves_nothing(round_admin, open_round,
                                                                  parties):  # fmt: skip
    rows = valid_rows(parties)
    rows[3] = f"{parties[0].code},INF-1,2,,ftp://example.org/x,maybe"
    rows[9] = f"{parties[0].code},IMP-3,1,No source.,,no"
    job = import_job_create(actor=round_admin, assessment_round=open_round,
                            uploaded_file=csv_upload(rows))  # fmt: skip
    job = import_job_run(job.pk)
    assert job.status == "failed"
    assert [(p["row"], p["column"]) for p in job.problems] == [
        (5, "confidential"), (5, "source_urls"), (5, "narrative"), (11, "source_urls"),
    ]  # fmt: skip
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("withdraw, language", [(False, "en"), (False, "zh-hans"),
                                                (True, "en")])  # fmt: skip
def test_a_job_refuses_or_withdraws_evidence_waiting_for_review(
    client, round_admin, focal_point, open_round, parties, small_threshold, withdraw, language,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from tests.factories import make_evidence

    pending = make_evidence(assessment_round=open_round, party=parties[0], author=focal_point,
                            status="submitted", code="REG-1")  # fmt: skip
    client.force_login(round_admin)
    client.cookies["django_language"] = language
    data = {"file": csv_upload(valid_rows(parties))}
    if withdraw:
        data["withdraw_pending"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence-import", args=["2026"]), data)
    job = ImportJob.objects.get()
    pending.refresh_from_db()
    if withdraw:
        assert (job.status, job.created_count, pending.status) == ("done", 52, "withdrawn")
        assert pending.history.first().history_user == round_admin
        return
    assert (job.status, pending.status, Evidence.objects.count()) == ("failed", "submitted", 1)
    [problem] = job.problems
    assert (problem["row"], problem["column"]) == (2, "sub_pillar")
    expected = "已在等待审核" if language == "zh-hans" else "already waits for review"
    assert expected in problem["reason"]
    assert expected in client.get(response["Location"]).content.decode()


def _age(job: ImportJob, **fields) -> None:
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(
        **{name: long_ago if value is None else value for name, value in fields.items()}
    )


def _broker_down(monkeypatch):
    from submissions.tasks import run_import_job

    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(run_import_job, "delay", refuse)


def test_a_job_queued_while_the_broker_was_down_runs_once_it_is_back(
    round_admin, open_round, parties, monkeypatch, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as outage, django_capture_on_commit_callbacks(execute=True):
        _broker_down(outage)
        job = import_job_create(actor=round_admin, assessment_round=open_round,
                                uploaded_file=csv_upload(valid_rows(parties)))  # fmt: skip
    job.refresh_from_db()
    assert job.status == "queued" and not Evidence.objects.exists()
    assert import_jobs.import_jobs_requeue_stalled() == 0  # too young: its task may yet come
    _age(job, created_at=None)
    assert import_jobs.import_jobs_requeue_stalled() == 1  # tasks run in-process here
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 52)
    assert import_jobs.import_jobs_requeue_stalled() == 0


def test_a_requeued_job_keeps_the_importers_choice_to_withdraw(
    round_admin, focal_point, open_round, parties, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.factories import make_evidence

    pending = make_evidence(assessment_round=open_round, party=parties[0], author=focal_point,
                            status="submitted", code="REG-1")  # fmt: skip
    with monkeypatch.context() as outage, django_capture_on_commit_callbacks(execute=True):
        _broker_down(outage)
        job = import_job_create(actor=round_admin, assessment_round=open_round,
                                uploaded_file=csv_upload(valid_rows(parties)),
                                withdraw_pending=True)  # fmt: skip
    _age(job, created_at=None)
    import_jobs.import_jobs_requeue_stalled()
    job.refresh_from_db()
    pending.refresh_from_db()
    assert (job.status, pending.status) == ("done", "withdrawn")


def test_a_job_whose_worker_died_is_run_again_but_a_live_one_is_left_alone(
    round_admin, open_round, parties
):
    from django.utils import timezone

    job = import_job_create(actor=round_admin, assessment_round=open_round,
                            uploaded_file=csv_upload(valid_rows(parties)))  # fmt: skip
    _age(job, status="saving", started_at=timezone.now())  # a worker is on it right now
    assert import_job_run(job.pk).status == "saving"
    assert import_jobs.import_jobs_requeue_stalled() == 0
    assert not Evidence.objects.exists()
    _age(job, started_at=None)  # longer ago than any task may live: its worker is gone
    assert import_jobs.import_jobs_requeue_stalled() == 1
    job.refresh_from_db()
    assert (job.status, job.created_count, Evidence.objects.count()) == ("done", 52, 52)
