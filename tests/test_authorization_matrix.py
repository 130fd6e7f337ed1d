"""Role × URL × method → expected status, for every URL the project routes.

The list of URL names comes from the URL configuration itself, so a new URL without an entry
here fails `test_every_url_has_an_entry`. Admin pages are generated from the admin registry.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from readiness.models import RoundStatus
from submissions.models import ImportJob
from tests.factories import (
    RoundFactory,
    add_members,
    make_document,
    make_evidence,
    round_with_methodology,
)

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

    def resolved_kwargs(self, world: dict) -> dict:
        """Values written "@name" stand for the primary key of world["name"]."""
        return {
            key: world[value[1:]].pk if isinstance(value, str) and value.startswith("@") else value
            for key, value in self.kwargs.items()
        }


ANONYMOUS_REDIRECT = {"anonymous": 302}
PUBLIC_ONLY = {"anonymous": 404, "registered_user": 404}
GHANA_TEAM = ("focal_point", "analyst")
STAFF_WITH_PARTIES = ("focal_point", "analyst", "other_focal_point", "other_analyst")


def only(statuses: dict, default: int = 404, anonymous: int = 302) -> dict:
    """Overrides: `statuses` for the roles named, `default` for the other signed-in roles."""
    return {
        role: statuses.get(role, default if role != "anonymous" else anonymous) for role in ROLES
    }


TEAM_200 = only(dict.fromkeys(GHANA_TEAM, 200))
ADMIN_ONLY = only({"round_admin": 200}, default=403) | {"registered_user": 404}
SUBMIT_DATA = {"claimed_level": 1, "narrative": "Focal point designated.", "source_urls": ""}

CASES = [
    Case("home"),
    Case("favicon", default=301),
    Case("healthz"),
    Case("healthz", method="post", default=405),
    Case("round-list"),
    Case("round-create", overrides=only({"round_admin": 200}, default=403)),
    Case("round-create", method="post", data={"name": "X", "slug": "x"},
         overrides=only({"round_admin": 302}, default=403)),
    Case("round-compare", data={"from": "draft", "to": "published"},
         overrides={"anonymous": 404, "registered_user": 404}),
    Case("round-membership", {"slug": "draft"},
         overrides=only({"round_admin": 200}, default=403) | {"registered_user": 404}),
    Case("round-membership", {"slug": "draft"}, method="post",
         data={"add": "THA", "remove": "", "reason": "joined"},
         overrides=only({"round_admin": 302}, default=403) | {"registered_user": 404}),
    Case("round-carry-forward", {"slug": "2026"}, method="post",
         overrides=only({"round_admin": 302}, default=403) | {"registered_user": 404}),
    Case("round-carry-forward", {"slug": "2026"}, default=405),
    # The methodology editor: round admins only; read-only (edits refused, 409) after draft.
    Case("methodology-edit", {"slug": "draft"}, overrides=ADMIN_ONLY),
    Case("methodology-edit", {"slug": "published"},
         overrides=only({"round_admin": 200}, default=403)),
    Case("methodology-bands", {"slug": "draft"}, overrides=ADMIN_ONLY),
    Case("methodology-bands", {"slug": "draft"}, method="post", data="bands",
         overrides=ADMIN_ONLY | {"round_admin": 302}),
    Case("methodology-item-add", {"slug": "draft", "kind": "pillar"}, overrides=ADMIN_ONLY),
    Case("methodology-item-add", {"slug": "draft", "kind": "pillar"}, method="post",
         data={"code": "NEW", "name_en": "New", "weight": "1", "order": 9},
         overrides=ADMIN_ONLY | {"round_admin": 302}),
    Case("methodology-item-edit", {"slug": "2026", "kind": "pillar", "pk": "@pillar"},
         overrides=ADMIN_ONLY),
    Case("methodology-item-edit", {"slug": "2026", "kind": "pillar", "pk": "@pillar"},
         method="post", data={"code": "REG", "name_en": "Late", "weight": "1", "order": 0},
         overrides=ADMIN_ONLY | {"round_admin": 409}),
    Case("methodology-item-delete", {"slug": "2026", "kind": "pillar", "pk": "@pillar"},
         method="post", overrides=ADMIN_ONLY | {"round_admin": 302}),  # refused with a message
    Case("methodology-item-delete", {"slug": "2026", "kind": "pillar", "pk": "@pillar"},
         default=405),
    Case("methodology-levels", {"slug": "2026", "pk": "@sub_pillar"}, overrides=ADMIN_ONLY),
    Case("methodology-levels", {"slug": "2026", "pk": "@sub_pillar"}, method="post",
         data="levels", overrides=ADMIN_ONLY | {"round_admin": 409}),
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
    Case("party-result", {"slug": "published", "code": "GHA"}),
    Case("party-result", {"slug": "published", "code": "THA"}, default=404),  # not a member
    Case("party-result", {"slug": "2026", "code": "GHA"}, overrides=PUBLIC_ONLY),
    Case("results-latest", default=302),
    Case("results-overview", {"slug": "published"}),
    Case("results-overview", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("results-parties", {"slug": "published"}),
    Case("results-parties", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("results-profile", {"slug": "published", "code": "GHA"}),
    Case("results-profile", {"slug": "published", "code": "THA"}, default=404),
    Case("results-profile", {"slug": "2026", "code": "GHA"}, overrides=PUBLIC_ONLY),
    Case("results-findings", {"slug": "published"}),
    Case("results-findings", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("results-data-package", {"slug": "published"}),
    Case("results-data-package", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("results-download", {"slug": "published", "dataset": "evidence", "extension": "csv"}),
    Case("results-download", {"slug": "published", "dataset": "evidence", "extension": "exe"},
         default=404),
    Case("results-download", {"slug": "2026", "dataset": "party-results", "extension": "xlsx"},
         overrides=PUBLIC_ONLY),
    # API v1 (read side): the same visibility as the pages
    Case("api-party-list"),
    Case("api-party-detail", {"code": "gha"}),
    Case("api-party-detail", {"code": "XXX"}, default=404),
    Case("api-round-list"),
    Case("api-round-detail", {"slug": "published"}),
    Case("api-round-detail", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("api-result-list", {"slug": "published"}),
    Case("api-result-list", {"slug": "2026"}, overrides=PUBLIC_ONLY),
    Case("api-result-detail", {"slug": "published", "code": "THA"}, default=404),
    Case("api-aggregates", {"slug": "published"}),
    Case("api-aggregates", {"slug": "draft"}, overrides=PUBLIC_ONLY),
    Case("api-schema"),
    Case("api-docs"),
    Case("party-list"),
    Case("party-detail", {"code": "GHA"}),
    Case("party-detail", {"code": "XXX"}, default=404),
    Case("login"),
    Case("api-token", overrides=ANONYMOUS_REDIRECT),
    Case("api-token", method="post", data={"name": "script", "days": "30"},
         overrides=ANONYMOUS_REDIRECT),
    # Another's token, or none: "not found" (tests/readiness/test_api_tokens.py revokes one's own)
    Case("api-token-revoke", {"pk": 999999}, method="post", default=404,
         overrides=ANONYMOUS_REDIRECT),
    # Two-factor pages: for reviewers and round admins (already verified here: they move on)
    Case("two-factor-setup", default=404,
         overrides={"anonymous": 302, "reviewer": 302, "round_admin": 302}),
    Case("two-factor-verify", default=404,
         overrides={"anonymous": 302, "reviewer": 302, "round_admin": 302}),
    Case("two-factor-backup-codes", default=302),  # none waiting to be shown
    Case("two-factor-reset", {"username": "focal.gha"},
         overrides=only({"round_admin": 200}, default=403)),
    Case("two-factor-reset", {"username": "focal.gha"}, method="post",
         data={"reason": "lost phone"}, overrides=only({"round_admin": 302}, default=403)),
    Case("logout", method="post", default=302),
    Case("logout", default=405),
    Case("password_change", overrides=ANONYMOUS_REDIRECT),
    Case("password_change_done", overrides=ANONYMOUS_REDIRECT),
    Case("password_reset"),
    Case("password_reset_done"),
    Case("password_reset_confirm", {"uidb64": "MQ", "token": "bad-token"}),
    Case("password_reset_complete"),
    Case("set_language", method="post", data={"language": "zh-hans", "next": "/"}, default=302),
    # Evidence: Ghana's team works on it; reviewers see it once submitted; the public sees
    # approved, non-confidential evidence of published rounds.
    Case("workspace", overrides=ANONYMOUS_REDIRECT),
    Case("workspace-party", {"slug": "2026", "code": "GHA"}, overrides=TEAM_200),
    Case("evidence-create", {"slug": "2026", "code": "GHA", "sub_pillar": "REG-2"},
         overrides=TEAM_200),
    Case("evidence-create", {"slug": "2026", "code": "GHA", "sub_pillar": "REG-2"},
         method="post", data=SUBMIT_DATA, overrides=only(dict.fromkeys(GHANA_TEAM, 302))),
    Case("evidence-detail", {"pk": "@draft"},
         overrides=only({**dict.fromkeys(GHANA_TEAM, 200), "round_admin": 200}, anonymous=404)),
    Case("evidence-detail", {"pk": "@submitted"},
         overrides=only({**dict.fromkeys(GHANA_TEAM, 200), "reviewer": 200, "round_admin": 200},
                        anonymous=404)),
    Case("evidence-detail", {"pk": "@public"}),
    Case("evidence-edit", {"pk": "@draft"}, overrides=TEAM_200),
    Case("evidence-edit", {"pk": "@draft"}, method="post",
         data={**SUBMIT_DATA, "claimed_level": 2, "expected_version": 1},
         overrides=only(dict.fromkeys(GHANA_TEAM, 302))),
    Case("evidence-submit", {"pk": "@draft"}, method="post",
         overrides=only({**dict.fromkeys(GHANA_TEAM, 302), "round_admin": 403})),
    Case("evidence-submit", {"pk": "@draft"}, default=405),
    Case("evidence-withdraw", {"pk": "@submitted"}, method="post",
         overrides=only({**dict.fromkeys(GHANA_TEAM, 302), "reviewer": 403, "round_admin": 403})),
    Case("evidence-withdraw", {"pk": "@submitted"}, default=405),
    Case("document-upload", {"pk": "@draft"}, method="post", data="upload",
         overrides=only({**dict.fromkeys(GHANA_TEAM, 302), "round_admin": 403})),
    Case("document-upload", {"pk": "@draft"}, default=405),
    Case("document-download", {"pk": "@draft_document"},
         overrides=only({**dict.fromkeys(GHANA_TEAM, 200), "round_admin": 200}, anonymous=404)),
    Case("document-download", {"pk": "@public_document"}),
    Case("document-delete", {"pk": "@draft_document"}, method="post",
         overrides=only({**dict.fromkeys(GHANA_TEAM, 302), "round_admin": 403})),
    Case("document-delete", {"pk": "@draft_document"}, default=405),
    Case("evidence-import", {"slug": "2026"},
         overrides=only({**dict.fromkeys(STAFF_WITH_PARTIES, 200), "round_admin": 200},
                        default=403) | {"registered_user": 404}),
    Case("evidence-import", {"slug": "2026"}, method="post", data="import",
         overrides=only({"other_focal_point": 400, "other_analyst": 400,
                         **dict.fromkeys(GHANA_TEAM, 302), "round_admin": 302},
                        default=403) | {"registered_user": 404}),
    Case("import-job", {"pk": "@import_job"},
         overrides=only({"focal_point": 200, "round_admin": 200})),  # the uploader and admins
    Case("evidence-import-template", {"slug": "2026", "extension": "xlsx"},
         overrides=only({**dict.fromkeys(STAFF_WITH_PARTIES, 200), "round_admin": 200},
                        default=403) | {"registered_user": 404}),
    # Reviews and audit
    Case("review-decide", {"pk": "@submitted"}, method="post",
         data={"decision": "approve", "expected_version": 1, "awarded_level": 1},
         overrides=only({**dict.fromkeys(GHANA_TEAM, 403), "reviewer": 302, "round_admin": 403})),
    Case("review-decide", {"pk": "@submitted"}, default=405),
    Case("review-revoke", {"pk": "@approved"}, method="post", data={"reason": "Wrong law."},
         overrides=only({**dict.fromkeys(GHANA_TEAM, 403), "reviewer": 403, "round_admin": 302})),
    Case("review-revoke", {"pk": "@approved"}, default=405),
    Case("comment-add", {"pk": "@submitted"}, method="post", data={"body": "Which decree?"},
         overrides=only({**dict.fromkeys(GHANA_TEAM, 302), "reviewer": 302, "round_admin": 302})),
    Case("comment-add", {"pk": "@submitted"}, default=405),
    Case("review-queue", overrides=only({"reviewer": 200, "round_admin": 200}, default=403)),
    Case("bulk-preview", method="post", data="bulk",
         overrides=only({"reviewer": 200, "round_admin": 400}, default=403)),
    Case("bulk-preview", default=405),
    Case("bulk-confirm", method="post", data="bulk",
         overrides=only({"reviewer": 200, "round_admin": 400}, default=403)),
    Case("bulk-confirm", default=405),
    Case("reply-list", overrides=only({"reviewer": 200, "round_admin": 200}, default=403)),
    Case("reply-answer", {"pk": 999999}, method="post", data={"change": "no", "answer": "x"},
         overrides=only({"reviewer": 404, "round_admin": 404}, default=403)),
    Case("reply-answer", {"pk": 999999}, default=405),
    Case("reply-raise", {"slug": "2026", "code": "GHA", "sub_pillar": "REG-1"},
         overrides=TEAM_200),
    Case("reply-raise", {"slug": "2026", "code": "GHA", "sub_pillar": "REG-1"}, method="post",
         data={"requested_level": 3, "statement": "x"},
         overrides=only(dict.fromkeys(GHANA_TEAM, 200))),  # refused: the round is open
    Case("reply-window", {"slug": "2026"}, method="post", data={"until": "2030-01-01T00:00"},
         overrides=only({"round_admin": 302}, default=403) | {"registered_user": 404}),
    Case("reply-window", {"slug": "2026"}, default=405),
    Case("audit-log", overrides=only({"round_admin": 200}, default=403)),
    Case("audit-export", overrides=only({"round_admin": 200}, default=403)),
    Case("party-audit", {"code": "GHA"},
         overrides=only({**dict.fromkeys(GHANA_TEAM, 200), "round_admin": 200})),
]  # fmt: skip


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
    from tests.api.test_api_matrix import API_CASES  # routes × methods × roles, with tokens

    covered = {case.url_name for case in (*CASES, *API_CASES)}
    missing = _url_names(get_resolver().url_patterns) - covered
    assert not missing, f"URLs with no authorisation entry: {sorted(missing)}"


@pytest.fixture
def world(party, other_party, focal_point, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    add_members(RoundFactory(slug="draft"), [party, other_party])
    published = round_with_methodology(
        slug="published", status=RoundStatus.PUBLISHED, parties=[party]
    )
    current = round_with_methodology(
        slug="2026", status=RoundStatus.OPEN, parties=[party, other_party]
    )
    objects = {
        "draft": make_evidence(assessment_round=current, party=party, author=focal_point),
        "submitted": make_evidence(
            assessment_round=current, party=party, author=focal_point, status="submitted",
            code="REG-3", claimed_level=1,
        ),
        "approved": make_evidence(
            assessment_round=current, party=party, author=focal_point, status="approved",
            code="INF-1",
        ),
        "public": make_evidence(
            assessment_round=published, party=party, author=focal_point, status="approved"
        ),
    }  # fmt: skip
    objects["pillar"] = current.pillars.get(code="REG")
    objects["sub_pillar"] = objects["pillar"].sub_pillars.get(code="REG-2")
    objects["draft_document"] = make_document(objects["draft"], focal_point)
    objects["import_job"] = ImportJob.objects.create(
        round=current, uploaded_by=focal_point, file="imports/x.csv", original_name="x.csv",
        extension="csv",
    )  # fmt: skip
    objects["public_document"] = make_document(objects["public"], focal_point)
    return objects


def request_data(case: Case, world: dict):
    if case.data == "upload":
        return {"file": SimpleUploadedFile("note.txt", "加纳 regulation note".encode())}
    if case.data == "import":  # a row for Ghana's REG-2: only Ghana's team and admins may
        body = "party,sub_pillar,claimed_level,narrative,source_urls,confidential\n"
        body += "GHA,REG-2,1,Focal point designated.,https://example.org/a,no\n"
        return {"file": SimpleUploadedFile("import.csv", body.encode())}
    if case.data == "bands":
        return {"bands-TOTAL_FORMS": "1", "bands-INITIAL_FORMS": "0", "bands-0-grade": "D",
                "bands-0-label_en": "Everyone", "bands-0-min_total_rate": "0"}  # fmt: skip
    if case.data == "levels":
        return {"levels-TOTAL_FORMS": "2", "levels-INITIAL_FORMS": "0", "levels-0-score": "0",
                "levels-0-label_en": "None", "levels-1-score": "1",
                "levels-1-label_en": "Some"}  # fmt: skip
    if case.data == "bulk":
        return {"decision": "approve", "item": f"{world['submitted'].pk}:1", "scope": "selected"}
    return case.data


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
    url = reverse(case.url_name, kwargs=case.resolved_kwargs(world))
    response = getattr(client, case.method)(url, request_data(case, world))
    assert response.status_code == case.expected(role)


@pytest.mark.django_db
@pytest.mark.parametrize("case", [c for c in CASES if c.method == "post"], ids=str)
def test_every_form_post_needs_a_csrf_token(request, world, case):
    client = client_for(request, "focal_point", enforce_csrf_checks=True)
    url = reverse(case.url_name, kwargs=case.resolved_kwargs(world))
    response = client.post(url, request_data(case, world))
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
