"""Every URL of the URL configuration, fed hostile values, answers below 500.

Each route is walked from `get_resolver()` (the admin's and every app's included), its path
converters filled one at a time with hostile values (NUL bytes, numbers no database column holds,
negative numbers, other scripts, very long strings, broken UTF-8) while the others keep working
values, then called with every query parameter the project's forms read and the generic ones,
and posted hostile form and JSON bodies — as anonymous, as a reviewer and as a round admin.
PostgreSQL refuses NUL bytes in text where SQLite stores them: run it on both."""

import itertools
import json
import re
from urllib.parse import quote

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import test_authorization_matrix as page_matrix

world = page_matrix.world  # rounds in every state, evidence in several, documents

HOSTILE_ROLES = ("anonymous", "reviewer", "round_admin")

# Percent-encoded as a client would send them: the path is decoded by the server.
HOSTILE_SEGMENTS = (
    "%00",
    "99999999999999999999999",
    "-1",
    "%E5%8A%A0%E7%BA%B3%C3%BC%E2%80%AE",
    "x" * 3000,
    "%FF%FE%0D%0A%09%1B",
)
NUL_VALUE = "a\x00b"
# Decoded: the client encodes them into the query string or the body.
HOSTILE_VALUES = (
    "99999999999999999999999",
    "-99999999999999999999999",
    "1e309",
    "加纳ü\u202e\uffff\r\n\t\x1b\x7f'\"<>%;--",
    "y" * 5000,
)
# Parameters every list, filter and paging view might read, besides the forms' fields.
GENERIC_PARAMETERS = (
    "page", "size", "q", "region", "grade", "sort", "round", "grouping", "status", "party",
    "sub_pillar", "pillar", "after", "from", "to", "parent", "next", "o", "p", "format",
    "language", "cursor", "ordering", "search", "limit", "offset", "_changelist_filters",
    "id__exact", "all",
)  # fmt: skip

# Working values for path converters, by keyword, so a hostile value in one place reaches the
# code behind the others.
WORKING = {
    "slug": "2026",
    "code": "GHA",
    "sub_pillar": "REG-2",
    "kind": "pillar",
    "dataset": "evidence",
    "extension": "csv",
    "uidb64": "MQ",
    "token": "set-password",
    "username": "reviewer",
    "app_label": "readiness",
    "content_type_id": "1",
    "url": "readiness/",
}
NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>|\((?!\?)[^)]*\)")


def _project_form_fields() -> set[str]:
    import readiness.forms  # noqa: F401  the modules whose forms read requests
    import readiness.methodology_forms  # noqa: F401
    import readiness.public_views  # noqa: F401
    import readiness.two_factor_views  # noqa: F401
    import reviews.forms  # noqa: F401
    import submissions.forms  # noqa: F401

    names, stack = set(), [forms.BaseForm]
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        if form.__module__.split(".")[0] in ("readiness", "reviews", "submissions"):
            names |= set(getattr(form, "base_fields", {}))
    return names


PARAMETERS = sorted(set(GENERIC_PARAMETERS) | _project_form_fields())


def _routes(patterns=None, prefix: str = ""):
    """(route text, name) of every URL pattern, the includes' prefixes joined in."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name or ""


ROUTES = list(_routes())


def _fill(route: str, values: dict, default: str) -> str:
    def value(match):
        name = match.group(1) or match.group(2)
        return values.get(name, WORKING.get(name, default)) if name else values.get("", default)

    return "/" + NAMED_GROUP.sub(value, route).replace("^", "").replace("$", "").replace("\\", "")


def _slots(route: str) -> list[str]:
    return [m.group(1) or m.group(2) or "" for m in NAMED_GROUP.finditer(route)]


def _hostile_paths(route: str, world_pk: int) -> list[str]:
    default = str(world_pk)
    paths = [_fill(route, {}, default)]
    for slot, segment in itertools.product(dict.fromkeys(_slots(route)), HOSTILE_SEGMENTS):
        paths.append(_fill(route, {slot: segment}, default))
    return paths


def _parameter_sets() -> list[dict[str, str]]:
    """A NUL in every parameter, then rounds in which each parameter gets a different hostile
    value, so that over the rounds every parameter sees every value."""
    rounds = [dict.fromkeys(PARAMETERS, NUL_VALUE)]
    for number in range(len(HOSTILE_VALUES)):
        rounds.append(
            {
                name: HOSTILE_VALUES[(index + number) % len(HOSTILE_VALUES)]
                for index, name in enumerate(PARAMETERS)
            }
        )
    return rounds


PARAMETER_SETS = _parameter_sets()

JSON_BODIES = (
    "[" * 5000 + "]" * 5000,
    '{"a":' * 5000 + "1" + "}" * 5000,
    '{"round": "2026\\u0000", "party": "GHA", "sub_pillar": "REG-2", "narrative": "a\\u0000b"}',
    '{"narrative": "\\ud800", "facts": {"k\\u0000": "\\udfff"}, "claimed_level": 1}',
    '{"claimed_level": 99999999999999999999999, "version": -99999999999999999999, '
    '"awarded_level": 1e309, "source_urls": 7, "facts": "x", "party": [], "sub_pillar": {}}',
    '{"round": "2026", "party": "GHA", "sub_pillar": "REG-2", "claimed_level": 1, '
    '"facts": {"counterparts": 5, "activities": 1e999}, "source_urls": ["javascript:x", 1]}',
    "not json at all \x00",
    "\xff\xfe",
    "null",
    '"a string"',
    "[]",
)


# Answers after which the other hostile variants of the same request reach no further code.
REFUSED_AT_THE_DOOR = (401, 403, 404, 405)


class Walk:
    """Calls routes as one client, recording every server error per route."""

    def __init__(self, client: Client):
        self.client = client
        self.failures: dict[str, list[str]] = {}

    def call(self, route: str, method: str, path: str, **kwargs) -> int:
        try:
            # A savepoint per request: a database error in one (the failure being reported)
            # must not abort the test's transaction for the next.
            with transaction.atomic():
                response = getattr(self.client, method)(path, **kwargs)
            status = response.status_code
            if status == 302 and "/login/" in response.get("Location", ""):
                return 401
        except Exception as error:  # raised by the view: Django would answer 500
            status = f"{type(error).__name__}: {str(error)[:160]}"
        if not isinstance(status, int) or status >= 500:
            line = f"{method.upper()} {path[:100]} {_shown(kwargs)} -> {status}"
            self.failures.setdefault(route, []).append(line)
            return 500
        return status

    def route(self, route: str, name: str, world: dict) -> None:
        base, *hostile = _hostile_paths(route, world["submitted"].pk)
        for path in hostile:
            self.call(route, "get", path)
        if self.call(route, "get", base) not in REFUSED_AT_THE_DOOR:
            for data in PARAMETER_SETS:
                self.call(route, "get", base, data=data)
        if name in ("logout",):  # a POST would end the signed-in session the walk relies on
            return
        for number, data in enumerate(PARAMETER_SETS):
            if self.call(route, "post", base, data=data) in REFUSED_AT_THE_DOOR and number:
                break
        if route.startswith("api/"):
            for method in ("post", "put"):
                for body in JSON_BODIES:
                    answer = self.call(route, method, base, data=body, content_type=JSON)
                    if answer in REFUSED_AT_THE_DOOR:
                        break


JSON = "application/json"


def _client(request, role: str) -> Client:
    client = Client()
    user = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    if user.is_authenticated:
        client.force_login(user)
    return client


def test_the_walk_reaches_every_route_and_converter():
    """Guards the walk itself: a regex the filler misread would leave a route untested."""
    assert len(ROUTES) > 150
    for route, _name in ROUTES:
        path = _fill(route, {}, "1")
        assert "<" not in path and "(?" not in path, route


@pytest.mark.django_db
@pytest.mark.parametrize("role", HOSTILE_ROLES)
def test_no_url_answers_a_server_error_to_hostile_input(request, world, role, settings):
    settings.ALLOWED_HOSTS = ["*"]
    walk = Walk(_client(request, role))
    for route, name in ROUTES:
        walk.route(route, name, world)
        if role != "anonymous" and "_auth_user_id" not in walk.client.session:
            walk.client = _client(request, role)  # a hostile POST signed out: sign in again
    shown = [line for lines in walk.failures.values() for line in lines[:2]]  # two per route
    assert not walk.failures, f"server errors on {len(walk.failures)} routes:\n" + "\n".join(shown)


def _shown(kwargs: dict) -> str:
    data = kwargs.get("data", "")
    return quote(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False))[:60]


# The requests the independent test found answering 500, each with the answer it gets now.
FOUND = (
    "/api/v1/parties/%00/",
    "/api/v1/parties/?region=%00",
    "/api/v1/rounds/published/results/?grade=%00",
    "/parties/%00/",
    "/results/published/parties/?region=%00",
    "/audit/parties/%00/",
    "/admin/readiness/party/?q=%00",
)


@pytest.mark.django_db
@pytest.mark.parametrize("path", FOUND)
def test_a_nul_byte_is_a_400_in_the_error_shape(world, round_admin, client, path):
    client.force_login(round_admin)
    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        error = response.json()["error"]
        assert (error["status"], error["code"]) == (400, "invalid")
        assert "NUL" in error["message"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert b"Bad Request" in response.content


@pytest.mark.django_db
def test_a_nul_byte_in_a_header_is_a_400(client):
    assert client.get("/", HTTP_REFERER="https://example.org/\x00").status_code == 400


@pytest.mark.django_db
def test_a_queue_page_no_database_integer_holds_is_the_last_page(world, reviewer, client):
    client.force_login(reviewer)
    response = client.get("/reviews/?page=99999999999999999999999")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.number == page.paginator.num_pages
