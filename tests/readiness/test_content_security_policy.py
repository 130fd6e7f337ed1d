"""The Content-Security-Policy allows nothing inline, so nothing inline may be written: every
template is scanned for inline scripts, event handlers, style attributes and <style> blocks.
(Rendered pages are checked by tests/test_security_headers.py; the browser run is in
tests/e2e/test_content_security_policy.py.)"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "templates"] + [
    ROOT / app / "templates" for app in ("readiness", "submissions", "reviews")
]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
RULES = {
    "inline script": INLINE_SCRIPT,
    "event handler": EVENT_HANDLER,
    "style attribute": STYLE_ATTRIBUTE,
    "<style> block": STYLE_BLOCK,
    "javascript: URL": JAVASCRIPT_URL,
}


def inline_code(html: str) -> list[str]:
    """What the policy would block in a piece of HTML (a JSON data block is not a script)."""
    html = re.sub(r'<script\b[^>]*type="application/(?:ld\+)?json"', "<data", html)
    return [name for name, pattern in RULES.items() if pattern.search(html)]


@pytest.mark.parametrize(
    "html, found",
    [
        ("<script>alert(1)</script>", ["inline script"]),
        ('<script src="/static/x.js"></script>', []),
        ('<script type="application/json" id="d">{}</script>', []),
        ('<button onclick="go()">', ["event handler"]),
        ('<rect style="fill: red" width="3"/>', ["style attribute"]),
        ("<style>p{}</style>", ["<style> block"]),
        ('<a href="javascript:void(0)">', ["javascript: URL"]),
        ('<p class="online">on=off</p>', []),
    ],
)
def test_the_scanner_finds_what_the_policy_blocks(html, found):
    assert inline_code(html) == found


def test_no_template_has_inline_code():
    templates = [path for folder in TEMPLATE_DIRS if folder.exists()
                 for path in folder.rglob("*.html")]  # fmt: skip
    assert len(templates) > 30
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in templates
        if (found := inline_code(path.read_text()))
    }
    assert offenders == {}


def test_the_policy_allows_this_origin_only_and_nothing_inline(client, db):
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(item.strip().split(" ", 1) for item in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_the_swagger_ui_loads_its_start_up_script_as_a_file(client, db):
    page = client.get(reverse("api-docs"))
    html = page.content.decode()
    assert page.status_code == 200
    assert inline_code(html) == []
    script_url = re.search(r'<script src="([^"]*\?script=[^"]*)"', html).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert "SwaggerUIBundle(" in body and reverse("api-schema") in body
    assert '/static/css/swagger-page.css"' in html  # the page's own rules, no longer inline
    assert (ROOT / "static" / "css" / "swagger-page.css").exists()
