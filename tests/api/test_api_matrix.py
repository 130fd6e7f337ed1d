"""Role × API route × method → expected status, with personal tokens (how scripts call the API).

Every route under /api/ and every method its view answers must have an entry here, or
`test_every_api_route_and_method_has_an_entry` fails. The world is the page matrix's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests import test_authorization_matrix as page_matrix
from tests.factories import api_key_for
from tests.test_authorization_matrix import ROLES, Case, only

world = page_matrix.world  # the same objects as the page matrix

GHANA_TEAM = ("focal_point", "analyst")
UNAUTHENTICATED = {"anonymous": 401}
PUBLIC_ONLY = {"anonymous": 404, "registered_user": 404}


def team(status: int, **others: int) -> dict:
    """`status` for Ghana's team, `others` by role, 404 for everyone else (the object is
    hidden), 401 for anonymous writes."""
    return only({**dict.fromkeys(GHANA_TEAM, status), **others}, anonymous=401)


def seen_by(roles, status=200) -> dict:
    """Reads: these roles see it; everyone else, anonymous included, gets 404."""
    return only(dict.fromkeys(roles, status), anonymous=404)


EDIT = {"claimed_level": 2, "narrative": "Draft decree.", "version": 1,
        "source_urls": ["https://example.org/decree"]}  # fmt: skip
DRAFT = {"round": "2026", "party": "GHA", "sub_pillar": "REG-2", "claimed_level": 1,
         "narrative": "Focal point designated.",
         "source_urls": ["https://example.org/a"]}  # fmt: skip
STAFF_SEEING_SUBMITTED = (*GHANA_TEAM, "reviewer", "round_admin")

API_CASES = [
    Case("api-party-list"),
    Case("api-party-detail", {"code": "GHA"}),
    Case("api-grouping-list"),
    Case("api-round-list"),
    Case("api-round-detail", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("api-methodology", {"slug": "published"}),
    Case("api-methodology", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("api-result-list", {"slug": "published"}),
    Case("api-result-detail", {"slug": "published", "code": "GHA"}, default=404),  # no result yet
    Case("api-aggregates", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("api-export", {"slug": "published", "dataset": "evidence", "extension": "csv"}),
    Case("api-export", {"slug": "published", "dataset": "evidence", "extension": "exe"},
         default=404),
    Case("api-export", {"slug": "2026", "dataset": "party-results", "extension": "json"},
         overrides=PUBLIC_ONLY),
    Case("api-export-package", {"slug": "published"}),
    Case("api-export-package", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("api-evidence-list"),
    Case("api-evidence-list", method="post", data=DRAFT,
         overrides=only({**dict.fromkeys(GHANA_TEAM, 201), "registered_user": 400},
                        default=403, anonymous=401)),
    Case("api-evidence", {"pk": "@draft"}, overrides=seen_by((*GHANA_TEAM, "round_admin"))),
    Case("api-evidence", {"pk": "@submitted"}, overrides=seen_by(STAFF_SEEING_SUBMITTED)),
    Case("api-evidence", {"pk": "@public"}),
    Case("api-evidence", {"pk": "@draft"}, method="put", data=EDIT,
         overrides=team(200, round_admin=403)),
    Case("api-evidence-submit", {"pk": "@draft"}, method="post",
         overrides=team(200, round_admin=403)),
    Case("api-evidence-withdraw", {"pk": "@submitted"}, method="post",
         overrides=team(200, reviewer=403, round_admin=403)),
    Case("api-evidence-documents", {"pk": "@draft"},
         overrides=seen_by((*GHANA_TEAM, "round_admin"))),
    Case("api-evidence-documents", {"pk": "@draft"}, method="post", data="upload",
         overrides=team(201, round_admin=403)),
    Case("api-evidence-decisions", {"pk": "@submitted"},
         overrides=seen_by(STAFF_SEEING_SUBMITTED)),
    Case("api-evidence-decisions", {"pk": "@public"}),
    Case("api-evidence-decisions", {"pk": "@submitted"}, method="post",
         data={"decision": "approve", "version": 1},
         overrides=team(403, reviewer=201, round_admin=403)),
    Case("api-evidence-revoke", {"pk": "@approved"}, method="post",
         data={"reason": "The decree was repealed."},
         overrides=team(403, reviewer=403, round_admin=200)),
    Case("api-evidence-comments", {"pk": "@submitted"},
         overrides=seen_by(STAFF_SEEING_SUBMITTED)),
    Case("api-evidence-comments", {"pk": "@public"}, default=403,
         overrides={**dict.fromkeys(STAFF_SEEING_SUBMITTED, 200)}),
    Case("api-evidence-comments", {"pk": "@submitted"}, method="post",
         data={"body": "Which decree?"}, overrides=team(201, reviewer=201, round_admin=201)),
    Case("api-document", {"pk": "@draft_document"},
         overrides=seen_by((*GHANA_TEAM, "round_admin"))),
    Case("api-document", {"pk": "@public_document"}),
    Case("api-document", {"pk": "@draft_document"}, method="delete",
         overrides=team(204, round_admin=403)),
    Case("api-document-download", {"pk": "@draft_document"},
         overrides=seen_by((*GHANA_TEAM, "round_admin"))),
    Case("api-document-download", {"pk": "@public_document"}),
    Case("api-schema"),
    Case("api-docs"),
]  # fmt: skip

METHODS = ("get", "post", "put", "patch", "delete")


def api_routes() -> dict[str, type]:
    """URL name → view class of every route under /api/."""
    routes = {}

    def walk(patterns, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith(
                "api/"
            ):
                routes[pattern.name] = pattern.callback.cls

    walk(get_resolver().url_patterns, "")
    return routes


def answered_methods(view_class) -> set[str]:
    return {method for method in METHODS if hasattr(view_class, method)}


def test_every_api_route_and_method_has_an_entry():
    covered = {(case.url_name, case.method) for case in API_CASES}
    needed = {
        (name, method)
        for name, view_class in api_routes().items()
        for method in answered_methods(view_class)
    }
    assert not needed - covered, f"API routes and methods with no entry: {needed - covered}"


def api_client_for(request, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        key = api_key_for(request.getfixturevalue(role))
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def send(client: APIClient, case: Case, url: str):
    if case.data == "upload":
        upload = SimpleUploadedFile("note.txt", "加纳 regulation note".encode())
        return client.post(url, {"file": upload}, format="multipart")
    if case.method == "get":
        return client.get(url, case.data)
    return getattr(client, case.method)(url, case.data, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "case",
    API_CASES,
    ids=lambda c: f"{c.method}-{c.url_name}-{'-'.join(map(str, c.kwargs.values()))}",
)
def test_api_answers_each_role_as_expected(request, world, role, case):
    url = reverse(case.url_name, kwargs=case.resolved_kwargs(world))
    response = send(api_client_for(request, role), case, url)
    assert response.status_code == case.expected(role), getattr(response, "data", None)
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"status", "code", "message"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(api_routes()))
def test_methods_a_route_does_not_answer_are_405(request, world, name):
    case = next(case for case in API_CASES if case.url_name == name)
    url = reverse(name, kwargs=case.resolved_kwargs(world))
    client = api_client_for(request, "round_admin")
    for method in set(METHODS) - answered_methods(api_routes()[name]):
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 405, (method, response.status_code)
