import re

import pytest
from django.core.management import call_command

from tests.e2e.conftest import screenshot, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PAGES = [
    ("home", "/"),
    ("overview", "/results/2025/"),
    ("parties", "/results/2025/parties/"),
    ("profile", "/results/2025/parties/GHA/"),
    ("findings", "/results/2025/findings/"),
    ("explain", "/rounds/2025/parties/GHA/"),
    ("methodology", "/rounds/2025/"),
]


@pytest.fixture
def demo(live_server):
    call_command("setup_demo")
    return live_server.url


def test_overview_map_language_profile_and_download(page, demo, axe_source):
    page.goto(demo + "/results/2025/")
    assert page.locator("svg.world-map a").count() > 150
    assert page.locator("svg.chart").count() == 2
    assert page.locator("text=164").first.is_visible()
    screenshot(page, "overview-en")

    page.select_option("#language", "zh-hans")
    page.click(".language-switch button")
    page.wait_for_url(re.compile(r"/results/2025/$"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "缔约方" in page.content()
    screenshot(page, "overview-zh")

    page.click("svg.world-map a[href$='/parties/GHA/']")
    page.wait_for_url(re.compile(r"/results/2025/parties/GHA/$"))
    assert "加纳" in page.locator("h1").inner_text()

    page.goto(demo + "/results/2025/")
    with page.expect_download() as download:
        page.click("a[href$='/data/package.zip']")
    assert download.value.suggested_filename == "article6-2025-data-package.zip"
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_public_pages_pass_the_accessibility_check(page, demo, axe_source, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": demo}])
    problems = {}
    for name, path in PUBLIC_PAGES:
        page.goto(demo + path)
        found = serious_violations(page, axe_source)
        if found:
            problems[name] = found
        screenshot(page, f"{name}-{language}")
    assert not problems
    assert page.console_errors == []
