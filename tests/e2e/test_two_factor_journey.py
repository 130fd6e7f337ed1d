"""Two-factor authentication in a real browser: a new round admin sets up an authenticator app
from the QR page and reaches the admin; a demo reviewer logs in with a code; the pages pass the
accessibility check in English and Chinese and run under the Content-Security-Policy."""

import re
import time
from base64 import b32decode

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP

from readiness.demo import DEMO_PASSWORD
from tests.e2e.conftest import enter_code, log_in, screenshot, serious_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def code_for_secret(secret: str) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_new_round_admin_sets_up_two_factor_and_reaches_the_admin(
    page, live_server, axe_source, language
):
    UserFactory(username=f"new.admin.{language}", is_round_admin=True)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    log_in(page, live_server.url, f"new.admin.{language}", PASSWORD, next_path="/admin/")
    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator(".qr-code svg path").count() == 1
    assert serious_violations(page, axe_source) == []
    screenshot(page, f"two-factor-setup-{language}")

    page.fill("#id_code", "000000")
    page.click("main button[type=submit]")
    assert page.locator(".error").count() == 1  # inline, next to the field
    secret = page.locator(".secret code").inner_text()
    page.fill("#id_code", code_for_secret(secret))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/two-factor/backup-codes/"))
    assert page.locator(".backup-codes li").count() == 10
    assert serious_violations(page, axe_source) == []
    screenshot(page, f"two-factor-backup-codes-{language}")

    page.click("main a[href='/admin/']")
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.locator("#site-name").count() == 1
    assert page.console_errors == []


def test_a_demo_reviewer_logs_in_with_a_code_and_the_verify_page_is_accessible(
    page, live_server, axe_source
):
    call_command("setup_demo")
    page.goto(live_server.url + "/accounts/login/?next=/reviews/")
    page.fill("#id_username", "reviewer")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))
    assert serious_violations(page, axe_source) == []
    screenshot(page, "two-factor-verify-en")

    enter_code(page, "reviewer")
    page.wait_for_url(re.compile(r"/reviews/$"))
    assert page.locator("h1").count() == 1
    assert page.console_errors == []
