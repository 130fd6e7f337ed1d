"""The Content-Security-Policy in a real browser: Chromium reports every blocked inline script,
style or handler as a console error, so pages that work without one prove the policy holds."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_swagger_ui_runs_under_the_policy(page, live_server):
    response = page.goto(live_server.url + "/api/v1/docs/")
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Article 6 Readiness Tracker API" in page.locator(".swagger-ui .info").inner_text()
    page.wait_for_selector(".opblock-tag")  # the operations, from the schema it fetched
    assert page.console_errors == []


def test_an_inline_script_would_be_blocked(page, live_server):
    """The check above can fail: the same browser refuses a script the page did not load."""
    page.goto(live_server.url + "/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ranInline = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.ranInline === true") is False
    assert any("Content Security Policy" in error for error in page.console_errors)
