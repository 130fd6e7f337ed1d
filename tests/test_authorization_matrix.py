"""Role × URL × method → expected status, for every URL the project routes.

The list of URL names comes from the URL configuration itself, so a new URL without an entry
here fails `test_every_url_has_an_entry`. Admin pages are generated from the admin registry.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from readiness.models import RoundStatus
from tests.factories import round_with_methodology

ROLES = (
    "anonymous",
    "registered_user",
    "focal_point",
    "other_focal_point",
    "analyst",
    "other_analyst",
    "reviewer",
    "round_admin",
)


@dataclass(frozen=True)
class Case:
    url_name: str
    kwargs: dict = field(default_factory=dict)
    method: str = "get"
    data: dict = field(default_factory=dict)
    default: int = 200
    overrides: dict = field(default_factory=dict)

    def expected(self, role: str) -> int:
        return self.overrides.get(role, self.default)


ANONYMOUS_REDIRECT = {"anonymous": 302}
STAFF_ROLES = ("focal_point", "other_focal_point", "analyst", "other_analyst", "reviewer")
PUBLIC_ONLY = {"anonymous": 404, "registered_user": 404}

CASES = [
    Case("home"),
    Case("round-list"),
    Case("round-detail", {"slug": "published"}),
    Case("round-detail", {"slug": "draft"}, overrides=PUBLIC_ONLY),
    Case("round-detail", {"slug": "missing"}, default=404),
    Case(
        "round-transition",
        {"slug": "draft"},
        method="post",
        data={"target": "open"},
        default=403,
        overrides={**PUBLIC_ONLY, "round_admin": 302},
    ),
    Case(
        "round-transition",
        {"slug": "published"},
        method="post",
        data={"target": "archived"},
        default=403,
        overrides={"round_admin": 302},
    ),
    Case("round-transition", {"slug": "published"}, default=405),
    Case("party-list"),
    Case("party-detail", {"code": "GHA"}),
    Case("party-detail", {"code": "XXX"}, default=404),
    Case("login"),
    Case("logout", method="post", default=302),
    Case("logout", default=405),
    Case("password_change", overrides=ANONYMOUS_REDIRECT),
    Case("password_change_done", overrides=ANONYMOUS_REDIRECT),
    Case("password_reset"),
    Case("password_reset_done"),
    Case("password_reset_confirm", {"uidb64": "MQ", "token": "bad-token"}),
    Case("password_reset_complete"),
    Case("set_language", method="post", data={"language": "zh-hans", "next": "/"}, default=302),
]


def _url_names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # covered by the admin cases below
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_url_has_an_entry():
    missing = _url_names(get_resolver().url_patterns) - {case.url_name for case in CASES}
    assert not missing, f"URLs with no authorisation entry: {sorted(missing)}"


@pytest.fixture
def world(party, other_party):
    round_with_methodology(slug="draft", parties=[party, other_party])
    round_with_methodology(slug="published", status=RoundStatus.PUBLISHED, parties=[party])


def client_for(request, role: str, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    user = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    if user.is_authenticated:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c.method}-{c.url_name}-{'-'.join(map(str, c.kwargs.values()))}"
)
def test_url_answers_each_role_as_expected(request, world, role, case):
    client = client_for(request, role)
    response = getattr(client, case.method)(reverse(case.url_name, kwargs=case.kwargs), case.data)
    assert response.status_code == case.expected(role)


@pytest.mark.django_db
@pytest.mark.parametrize("case", [c for c in CASES if c.method == "post"], ids=str)
def test_every_form_post_needs_a_csrf_token(request, world, case):
    client = client_for(request, "round_admin", enforce_csrf_checks=True)
    response = client.post(reverse(case.url_name, kwargs=case.kwargs), case.data)
    assert response.status_code == 403


ADMIN_PAGES = [
    (model._meta.app_label, model._meta.model_name, page)
    for model in admin.site._registry
    for page in ("changelist", "add")
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("app_label, model_name, page", ADMIN_PAGES)
def test_admin_pages_are_for_round_admins_only(request, role, app_label, model_name, page):
    client = client_for(request, role)
    response = client.get(reverse(f"admin:{app_label}_{model_name}_{page}"))
    if role != "round_admin":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        return
    model_admin = admin.site._registry[
        next(m for m in admin.site._registry if m._meta.model_name == model_name)
    ]
    can_add = model_admin.has_add_permission(response.wsgi_request)
    assert response.status_code == (200 if page == "changelist" or can_add else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_admin_index_is_for_round_admins_only(request, role):
    response = client_for(request, role).get(reverse("admin:index"))
    assert response.status_code == (200 if role == "round_admin" else 302)
