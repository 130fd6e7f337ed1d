"""Every routable URL answers with the security headers, whatever the answer (page, redirect,
403, 404, 405, download, JSON), for a visitor and for a signed-in round admin — with the
application's settings and with the production settings (which add HSTS behind the proxy).

The URLs and the data behind them are the authorisation matrix's (tests/test_authorization_
matrix.py), so a new URL is crawled as soon as it has its matrix entry."""

import importlib
import sys

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import reverse

from tests import test_authorization_matrix as matrix
from tests.readiness.test_content_security_policy import inline_code
from tests.test_authorization_matrix import CASES, client_for, request_data

world = matrix.world  # the matrix's objects, as a fixture here too

ROLES = ("anonymous", "round_admin")
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PRODUCTION_SECURITY_SETTINGS = (
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY",
)  # fmt: skip


def header_problems(response, *, hsts: bool) -> list[str]:
    problems = [
        f"{name}: {response.get(name)!r}"
        for name, value in EXPECTED.items()
        if response.get(name) != value
    ]
    policy = response.get("Content-Security-Policy", "")
    if "default-src 'self'" not in policy or "unsafe-inline" in policy:
        problems.append(f"Content-Security-Policy: {policy!r}")
    if hsts and "max-age=31536000" not in response.get("Strict-Transport-Security", ""):
        problems.append(f"Strict-Transport-Security: {response.get('Strict-Transport-Security')!r}")
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        problems += [f"inline code: {found}" for found in inline_code(response.content.decode())]
    return problems


def use_production_settings(settings, monkeypatch) -> dict:
    """Applies the production module's security settings to this process; returns the header
    the reverse proxy adds. (The module is imported afresh, with a real-looking secret key.)"""
    monkeypatch.setenv("SECRET_KEY", "crawl-" + "k" * 60)
    monkeypatch.delitem(sys.modules, "readiness.settings")
    monkeypatch.delitem(sys.modules, "readiness.settings_production", raising=False)
    module = importlib.import_module("readiness.settings_production")
    for name in PRODUCTION_SECURITY_SETTINGS:
        setattr(settings, name, getattr(module, name))
    assert settings.SECURE_HSTS_SECONDS == 31536000 and settings.SECURE_SSL_REDIRECT
    return {"HTTP_X_FORWARDED_PROTO": "https"}


@pytest.fixture
def production(settings, monkeypatch):
    return use_production_settings(settings, monkeypatch)


def crawl(request, world, case, role, **headers):
    client = client_for(request, role)
    url = reverse(case.url_name, kwargs=case.resolved_kwargs(world))
    with transaction.atomic():  # a POST changes nothing for the next request
        response = getattr(client, case.method)(url, request_data(case, world), **headers)
        transaction.set_rollback(True)
    return response


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c.method}-{c.url_name}-{'-'.join(map(str, c.kwargs.values()))}"
)
def test_every_response_carries_the_security_headers(request, world, case, settings, monkeypatch):
    problems = {}
    for role in ROLES:
        response = crawl(request, world, case, role)
        assert response.status_code == case.expected(role)  # the matrix's answer, for context
        if found := header_problems(response, hsts=False):
            problems[role] = found
    proxy_headers = use_production_settings(settings, monkeypatch)
    for role in ROLES:
        response = crawl(request, world, case, role, **proxy_headers)
        assert response.status_code == case.expected(role)
        if found := header_problems(response, hsts=True):
            problems[f"{role} in production"] = found
    assert problems == {}


def test_plain_http_is_redirected_to_https_in_production(client, db, production):
    response = client.get(reverse("home"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"
    assert header_problems(response, hsts=False) == []


ADMIN_URLS = [reverse("admin:index")] + [
    reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")
    for model in admin.site._registry
    for page in ("changelist", "add")
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_carries_the_security_headers(request, role, production):
    client = client_for(request, role)
    problems = {}
    for url in ADMIN_URLS:
        response = client.get(url, **production)
        assert response.status_code in (200, 302, 403)
        if found := header_problems(response, hsts=True):
            problems[url] = found
    assert problems == {}
