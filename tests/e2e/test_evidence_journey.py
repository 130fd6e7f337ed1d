"""A piece of evidence from draft to published grade, in a real browser against a live server,
with a real Celery worker and Redis on PostgreSQL.

Ghana's focal point submits REG-2 with a PDF; a reviewer (two-factor code on the verify page)
asks for a change; the focal point edits, comments and resubmits; the reviewer approves; the
worker's recompute moves Ghana from D to C and Africa's regulatory ASR from 67% to 100% on the
results preview; a round admin moves the round to review and publishes it; an anonymous visitor
sees grade C and downloads the data package. Every page on the way is checked with axe-core in
English and again in Chinese, and no page logs a console error (the CSP refuses inline code)."""

import json
import re
import time
import zipfile
from contextlib import contextmanager
from fractions import Fraction

import pytest

from readiness.grading import methodology_v1, score_party
from readiness.models import RoundStatus
from readiness.recompute import recompute
from tests.conftest import confirmed_totp_device
from tests.e2e.conftest import enter_code, screenshot, serious_violations
from tests.factories import PASSWORD, make_evidence, round_with_methodology
from tests.submissions.sample_files import make_pdf

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

SLUG = "2027"
GHANA_BEFORE = {"REG-1": 3, "REG-3": 3, "INF-1": 2, "FIN-1": 1}
GHANA_AFTER = {**GHANA_BEFORE, "REG-2": 3}
AFRICA_REG = "table.heat a[href$='region=africa&sort=pillar:REG']"
GRADE_CHIP = ".grade-headline .grade-chip"
RESULTS_WAIT_SECONDS = 15


@pytest.fixture
def real_worker():
    from celery.contrib.testing.worker import start_worker

    from readiness.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False,
                          shutdown_timeout=10):  # fmt: skip
            yield app
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def world(settings, tmp_path, party, other_party, focal_point, reviewer, round_admin):
    """Ghana (Africa) graded D with three approved regulatory and infrastructure items and one
    on finance, Thailand (Asia) with one; results computed once before the journey starts."""
    settings.MEDIA_ROOT = tmp_path / "media"
    for member, iso_numeric in ((party, "288"), (other_party, "764")):  # drawn on the map
        member.iso_numeric = iso_numeric
        member.save(update_fields=["iso_numeric"])
    assessment_round = round_with_methodology(
        slug=SLUG, name="Assessment 2027", status=RoundStatus.OPEN, parties=[party, other_party]
    )
    for code, level in GHANA_BEFORE.items():
        make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                      status="approved", code=code, claimed_level=level)  # fmt: skip
    make_evidence(assessment_round=assessment_round, party=other_party, author=focal_point,
                  status="approved", code="REG-1", claimed_level=1)  # fmt: skip
    recompute(assessment_round.pk, force=True)
    for user in (reviewer, round_admin):
        confirmed_totp_device(user)
    return assessment_round


class Journey:
    """The browser windows of the people in the journey, and the accessibility findings of every
    page they see, in both languages."""

    def __init__(self, chromium, base_url: str, axe_source: str):
        self.chromium, self.base_url, self.axe_source = chromium, base_url, axe_source
        self.problems: dict[str, list[str]] = {}
        self.console_errors: list[str] = []
        self.languages_seen: set[str] = set()

    @contextmanager
    def window(self, who: str):
        context = self.chromium.new_context(accept_downloads=True, locale="en-GB")
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(
            f"{who} {page.url}: {m.text}"))  # fmt: skip
        page.on("pageerror", lambda error: self.console_errors.append(f"{who}: {error}"))
        self.set_language(page, "en")
        try:
            yield page
        finally:
            context.close()

    def set_language(self, page, language: str) -> None:
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": self.base_url}]
        )

    def check(self, page, name: str) -> None:
        """axe-core on the page as shown (English), then on the same address in Chinese."""
        for language in ("en", "zh-hans"):
            if language != "en":
                self.set_language(page, language)
                page.reload()
            assert page.locator("html").get_attribute("lang") == language, page.url
            self.languages_seen.add(language)
            found = serious_violations(page, self.axe_source)
            if found:
                self.problems[f"{name} ({language})"] = found
            screenshot(page, f"journey-{name}-{language}")
        self.set_language(page, "en")

    def go(self, page, path: str) -> None:
        page.goto(self.base_url + path)


def submit_form(page, form_selector: str) -> None:
    page.click(f"{form_selector} button[type=submit]")
    page.wait_for_load_state()


def status_of(page) -> str:
    return page.locator("dl.facts .status").first.get_attribute("class").split("status-")[-1]


def log_in(journey: Journey, page, username: str, check: tuple[str, ...] = ()) -> None:
    """The real login form; reviewers and round admins then get the verify page and type the
    code their authenticator app shows. `check` names the pages to check on the way."""
    journey.go(page, "/accounts/login/")
    if "login" in check:
        journey.check(page, "login")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    submit_form(page, "main form")
    if "/accounts/two-factor/verify/" in page.url:
        if "verify" in check:
            journey.check(page, "two-factor-verify")
        enter_code(page, username)
        assert "/accounts/two-factor/" not in page.url


def grade_on_profile(journey: Journey, page, wanted: str) -> str:
    """Reloads the Party profile until it shows `wanted` or the wait runs out: the recompute
    happens in the worker after the approval commits."""
    deadline = time.monotonic() + RESULTS_WAIT_SECONDS
    while True:
        journey.go(page, f"/results/{SLUG}/parties/GHA/")
        grade = page.locator(GRADE_CHIP).inner_text().strip()
        if grade == wanted or time.monotonic() > deadline:
            return grade
        page.wait_for_timeout(200)


def test_evidence_from_draft_to_published_grade(
    chromium, live_server, axe_source, real_worker, world, tmp_path
):
    # The scoring engine's arithmetic behind the figures the pages must show.
    methodology = methodology_v1()
    before, after = score_party(methodology, GHANA_BEFORE), score_party(methodology, GHANA_AFTER)
    assert (before.grade, after.grade) == ("D", "C")
    assert (before.pillars["REG"].rate, after.pillars["REG"].rate) == (Fraction(2, 3), 1)

    journey = Journey(chromium, live_server.url, axe_source)
    pdf = tmp_path / "participation-decree.pdf"
    pdf.write_bytes(make_pdf())

    with (
        journey.window("focal point") as focal,
        journey.window("reviewer") as reviewer,
        journey.window("round admin") as admin,
        journey.window("visitor") as visitor,
    ):
        # 1. The focal point starts REG-2 from the workspace, attaches a PDF and submits.
        log_in(journey, focal, "focal.gha", check=("login",))
        journey.go(focal, "/workspace/")
        journey.check(focal, "workspace")
        focal.click(f"main a[href='/workspace/{SLUG}/GHA/']")
        focal.wait_for_url(re.compile(rf"/workspace/{SLUG}/GHA/$"))
        journey.check(focal, "workspace-party")
        focal.click("main a[href$='/REG-2/new/']")
        focal.wait_for_url(re.compile(r"/REG-2/new/$"))
        journey.check(focal, "evidence-new")
        focal.select_option("#id_claimed_level", "3")
        focal.fill("#id_narrative", "Participation requirements met: decree 12/2026 in force.")
        submit_form(focal, "main form[method=post]")
        focal.wait_for_url(re.compile(r"/evidence/\d+/$"))
        evidence_path = focal.url.removeprefix(live_server.url)
        assert status_of(focal) == "draft"
        focal.set_input_files("#id_file", str(pdf))
        submit_form(focal, "form[action$='/documents/']")
        assert focal.locator("main a[href^='/documents/']").inner_text() == pdf.name
        journey.check(focal, "evidence-draft")
        submit_form(focal, "form[action$='/submit/']")
        assert status_of(focal) == "submitted"

        # Before the decision: the preview shows grade D and Africa's regulatory ASR at 67%.
        journey.go(focal, f"/results/{SLUG}/")
        assert focal.locator(".preview-banner").count() == 1
        assert focal.locator(AFRICA_REG).inner_text() == "67%"
        journey.go(focal, f"/results/{SLUG}/parties/GHA/")
        assert focal.locator(GRADE_CHIP).inner_text().strip() == "D"

        # 2. The reviewer, with a second factor, finds it in the queue and requests changes.
        log_in(journey, reviewer, "reviewer", check=("verify",))
        journey.go(reviewer, "/reviews/")
        journey.check(reviewer, "review-queue")
        reviewer.click(f"main a[href='{evidence_path}']")
        reviewer.wait_for_url(re.compile(re.escape(evidence_path) + "$"))
        journey.check(reviewer, "evidence-to-decide")
        reviewer.check("input[name=decision][value=request_changes]")
        reviewer.fill("#id_comment", "Please add the link to the decree in the official gazette.")
        submit_form(reviewer, "form[action$='/decide/']")
        assert status_of(reviewer) == "changes_requested"

        # 3. The focal point adds the source link, answers in the discussion and resubmits.
        journey.go(focal, evidence_path)
        assert "official gazette" in focal.locator("ol.decisions").inner_text()
        journey.check(focal, "evidence-changes-requested")
        focal.click(f"main a[href='{evidence_path}edit/']")
        focal.wait_for_url(re.compile(r"/edit/$"))
        journey.check(focal, "evidence-edit")
        focal.fill("#id_source_urls", "https://example.org/gazette/decree-12-2026")
        submit_form(focal, "main form[method=post]")
        focal.wait_for_url(re.compile(re.escape(evidence_path) + "$"))
        focal.fill("#id_body", "The gazette link is now under Sources.")
        submit_form(focal, "main form[action$='/comments/']:not(:has(input[name=parent]))")
        assert "gazette link" in focal.locator("ol.comments").inner_text()
        submit_form(focal, "form[action$='/submit/']")
        assert status_of(focal) == "submitted"

        # 4. The reviewer sees the answer and approves at the claimed level.
        journey.go(reviewer, evidence_path)
        assert "gazette link" in reviewer.locator("ol.comments").inner_text()
        assert reviewer.locator("#id_awarded_level").input_value() == "3"
        reviewer.check("input[name=decision][value=approve]")
        submit_form(reviewer, "form[action$='/decide/']")
        assert status_of(reviewer) == "approved"
        journey.check(reviewer, "evidence-approved")

        # 5. The worker's recompute reaches the preview: Ghana C, Africa's REG ASR 100%.
        assert grade_on_profile(journey, reviewer, "C") == "C"
        journey.check(reviewer, "profile-preview")
        journey.go(reviewer, f"/results/{SLUG}/")
        assert reviewer.locator(AFRICA_REG).inner_text() == "100%"
        assert reviewer.locator("main a[href$='/parties/?grade=C']").inner_text() == "1"
        journey.check(reviewer, "overview-preview")

        # 6. The round admin moves the round to review, then publishes it.
        log_in(journey, admin, "round.admin")
        journey.go(admin, f"/rounds/{SLUG}/")
        journey.check(admin, "round-open")
        submit_form(admin, "form:has(input[name=target][value=review])")
        assert admin.locator("dl.facts .status-review").count() == 1
        checklist = admin.locator("section[aria-labelledby=checklist-heading]").inner_text()
        assert "No evidence is pending." in checklist
        journey.check(admin, "round-review")
        submit_form(admin, "form:has(input[name=target][value=published])")
        assert admin.locator("dl.facts .status-published").count() == 1
        journey.check(admin, "round-published")

        # 7. An anonymous visitor sees the published grade and downloads the data package.
        journey.go(visitor, f"/results/{SLUG}/")
        assert visitor.locator(".preview-banner").count() == 0
        assert visitor.locator(AFRICA_REG).inner_text() == "100%"
        journey.check(visitor, "overview-published")
        visitor.click(f"svg.world-map a[href='/results/{SLUG}/parties/GHA/']")
        visitor.wait_for_url(re.compile(rf"/results/{SLUG}/parties/GHA/$"))
        assert visitor.locator(GRADE_CHIP).inner_text().strip() == "C"
        journey.check(visitor, "profile-published")
        journey.go(visitor, f"/results/{SLUG}/")
        with visitor.expect_download() as download:
            visitor.click(f"a[href='/results/{SLUG}/data/package.zip']")
        package = tmp_path / download.value.suggested_filename
        download.value.save_as(package)

    with zipfile.ZipFile(package) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
        results = json.loads(archive.read("party-results.json"))
    assert descriptor["name"] == f"article6-readiness-{SLUG}"
    assert {row["code"]: row["grade"] for row in results} == {"GHA": "C", "THA": "D"}
    assert journey.languages_seen == {"en", "zh-hans"}
    assert journey.problems == {}
    assert journey.console_errors == []
