"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against a live server,
with axe-core (from the npm registry, fetched by `make test` into .cache/) for accessibility.
Without Chromium or axe-core they skip with the reason; under REQUIRE_SERVICES=1 they fail."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(os.environ.get("AXE_CORE_JS", ROOT / ".cache" / "axe-core" / "axe.min.js"))
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
# The closed network refuses Chromium's background connections; these keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        service_missing(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("browser tests need the playwright package")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        service_missing(f"accessibility checks need axe-core at {AXE} (make test fetches it)")
    return AXE.read_text()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def log_in(page, base_url: str, username: str, password: str, next_path: str = "/") -> None:
    """Logs in through the real form; reviewers and round admins then type the code their
    authenticator app would show, computed from their device's key."""
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/two-factor/verify/" in page.url:
        enter_code(page, username)


def enter_code(page, username: str) -> None:
    """On the verify page: the code the user's authenticator app would show now."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from readiness.two_factor import current_code

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.fill("#id_code", current_code(device))
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_violations(page, axe_source: str) -> list[str]:
    # evaluated through the DevTools protocol: an injected <script> would be refused by the CSP
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
