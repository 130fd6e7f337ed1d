"""The write side of the API: evidence, documents, decisions and comments, through the same
services and policy as the pages, answered in the one error shape."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from readiness.models import RoundStatus
from reviews.models import Comment, Review
from submissions.models import Document, Evidence
from tests.factories import api_key_for, make_document, make_evidence, round_with_methodology
from tests.submissions.test_uploads import make_pdf

pytestmark = pytest.mark.django_db

DRAFT = {
    "round": "2026",
    "party": "GHA",
    "sub_pillar": "REG-2",
    "claimed_level": 1,
    "narrative": "The focal point was designated by decree.",
    "source_urls": ["https://example.org/decree"],
}


def api_as(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


def create_draft(user, **changes):
    return api_as(user).post(reverse("api-evidence-list"), {**DRAFT, **changes}, format="json")


def test_a_focal_point_drafts_uploads_and_submits_and_a_reviewer_approves(
    open_round, focal_point, reviewer, django_capture_on_commit_callbacks
):
    created = create_draft(focal_point)
    assert created.status_code == 201, created.content
    evidence = created.json()
    assert (evidence["status"], evidence["version"], evidence["party"]) == ("draft", 1, "GHA")

    pdf = make_pdf()
    upload = api_as(focal_point).post(
        reverse("api-evidence-documents", kwargs={"pk": evidence["id"]}),
        {"file": _file("decree.pdf", pdf)},
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["content_type"] == "application/pdf"
    download = api_as(focal_point).get(upload.json()["download_url"])
    assert b"".join(download.streaming_content) == pdf

    submitted = api_as(focal_point).post(
        reverse("api-evidence-submit", kwargs={"pk": evidence["id"]}),
        {"version": 2},
        format="json",
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"

    with django_capture_on_commit_callbacks(execute=True):
        approved = api_as(reviewer).post(
            reverse("api-evidence-decisions", kwargs={"pk": evidence["id"]}),
            {"decision": "approve", "version": 3},
            format="json",
        )
    assert approved.status_code == 201, approved.content
    assert (approved.json()["status"], approved.json()["awarded_level"]) == ("approved", 1)

    result = api_as(focal_point).get(
        reverse("api-result-detail", kwargs={"slug": "2026", "code": "GHA"})
    )
    assert result.json()["sub_pillars"]["REG-2"] == {
        "level": 1, "max_level": 3, "rate": "0.333333", "evidence_id": evidence["id"]
    }  # fmt: skip
    decisions = api_as(focal_point).get(
        reverse("api-evidence-decisions", kwargs={"pk": evidence["id"]})
    )
    assert [(d["decision"], d["reviewer"]) for d in decisions.json()] == [("approve", "reviewer")]


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_writes_are_attributed_to_the_token_owner_in_the_history(open_round, focal_point):
    created = create_draft(focal_point)
    evidence = Evidence.objects.get(pk=created.json()["id"])
    record = evidence.history.latest()
    assert (record.history_user, record.history_change_reason) == (focal_point, "draft created")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"claimed_level": None}, "claimed_level"),
        ({"claimed_level": 9}, "claimed_level"),
        ({"party": "XXX"}, "party"),
        ({"round": "1999"}, "round"),
        ({"sub_pillar": "NOPE-1"}, "sub_pillar"),
        ({"source_urls": ["javascript:alert(1)"]}, "source_urls"),
        ({"facts": "not an object"}, "facts"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(open_round, focal_point, changes, field):
    response = create_draft(focal_point, **changes)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["status"], error["code"]) == (400, "invalid")
    assert field in error["fields"]
    assert not Evidence.objects.exists()


def test_a_round_the_caller_cannot_see_is_unknown(party, registered_user):
    round_with_methodology(slug="2026", status=RoundStatus.DRAFT, parties=[party])
    response = create_draft(registered_user)
    assert response.status_code == 400
    assert "round" in error_of(response)["fields"]


def test_a_round_not_open_refuses_new_evidence_as_a_conflict(party, focal_point):
    round_with_methodology(slug="2026", status=RoundStatus.DRAFT, parties=[party])
    response = create_draft(focal_point)
    assert response.status_code == 409
    assert "draft" in error_of(response)["message"]
    assert not Evidence.objects.exists()


def test_only_the_partys_team_may_draft_its_evidence(open_round, other_focal_point, reviewer):
    for user in (other_focal_point, reviewer):
        response = create_draft(user)
        assert response.status_code == 403
        assert error_of(response)["code"] == "permission_denied"
    assert not Evidence.objects.exists()


def test_anonymous_writes_are_unauthenticated_and_a_bad_token_is_refused(open_round):
    assert api_as().post(reverse("api-evidence-list"), DRAFT, format="json").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get(reverse("api-evidence-list"))
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


@pytest.fixture
def ghana_draft(open_round, party, focal_point):
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    make_document(draft, focal_point)
    return draft


@pytest.mark.parametrize(
    "method, name, body",
    [
        ("get", "api-evidence", None),
        ("put", "api-evidence", {"claimed_level": 1, "version": 1}),
        ("post", "api-evidence-submit", {}),
        ("post", "api-evidence-withdraw", {}),
        ("get", "api-evidence-documents", None),
        ("get", "api-evidence-decisions", None),
        ("post", "api-evidence-decisions", {"decision": "approve", "version": 1}),
        ("get", "api-evidence-comments", None),
        ("post", "api-evidence-comments", {"body": "Which decree?"}),
    ],
)
def test_another_partys_evidence_is_not_found_by_id(
    ghana_draft, other_focal_point, other_analyst, reviewer, method, name, body
):
    url = reverse(name, kwargs={"pk": ghana_draft.pk})
    for user in (other_focal_point, other_analyst, reviewer, None):  # reviewers: not drafts
        response = getattr(api_as(user), method)(url, body, format="json")
        assert response.status_code in (401, 404) if user is None else response.status_code == 404
    assert Evidence.objects.get(pk=ghana_draft.pk).version == 1


def test_another_partys_document_is_not_found_by_id(ghana_draft, other_focal_point):
    document = ghana_draft.documents.get()
    for name in ("api-document", "api-document-download"):
        response = api_as(other_focal_point).get(reverse(name, kwargs={"pk": document.pk}))
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    deleted = api_as(other_focal_point).delete(reverse("api-document", kwargs={"pk": document.pk}))
    assert deleted.status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_a_stale_version_is_a_conflict(ghana_draft, focal_point, analyst):
    url = reverse("api-evidence", kwargs={"pk": ghana_draft.pk})
    body = {"claimed_level": 2, "narrative": "Draft regulation.", "version": 1}
    assert api_as(analyst).put(url, body, format="json").status_code == 200
    response = api_as(focal_point).put(url, body | {"claimed_level": 1}, format="json")
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert "version 2" in error_of(response)["message"]
    assert Evidence.objects.get(pk=ghana_draft.pk).claimed_level == 2


def test_an_update_needs_the_version_read(ghana_draft, focal_point):
    url = reverse("api-evidence", kwargs={"pk": ghana_draft.pk})
    response = api_as(focal_point).put(url, {"claimed_level": 1}, format="json")
    assert response.status_code == 400
    assert "version" in error_of(response)["fields"]


def test_submitting_incomplete_evidence_says_what_is_missing(open_round, party, focal_point):
    draft = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, narrative="", source_urls=[]
    )
    response = api_as(focal_point).post(reverse("api-evidence-submit", kwargs={"pk": draft.pk}))
    assert response.status_code == 400
    assert "narrative" in error_of(response)["message"]
    assert Evidence.objects.get(pk=draft.pk).status == "draft"


def test_a_disguised_upload_is_refused_and_nothing_is_stored(ghana_draft, focal_point, tmp_path):
    response = api_as(focal_point).post(
        reverse("api-evidence-documents", kwargs={"pk": ghana_draft.pk}),
        {"file": _file("report.pdf", b"MZ\x90\x00" + b"\x00" * 200)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in error_of(response)["fields"]
    assert ghana_draft.documents.count() == 1
    assert len(list((tmp_path / "documents").rglob("*"))) == 2  # the round folder, one file


def test_an_upload_over_the_limit_is_413(ghana_draft, focal_point, settings):
    settings.EVIDENCE_UPLOAD_MAX_BYTES = 1024
    response = api_as(focal_point).post(
        reverse("api-evidence-documents", kwargs={"pk": ghana_draft.pk}),
        {"file": _file("big.pdf", make_pdf(padding=b"0" * 4096))},
        format="multipart",
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert ghana_draft.documents.count() == 1


def test_documents_of_a_draft_can_be_removed(ghana_draft, focal_point):
    document = ghana_draft.documents.get()
    response = api_as(focal_point).delete(reverse("api-document", kwargs={"pk": document.pk}))
    assert response.status_code == 204
    assert not ghana_draft.documents.exists()


def test_withdrawing_with_a_reason(ghana_draft, focal_point):
    response = api_as(focal_point).post(
        reverse("api-evidence-withdraw", kwargs={"pk": ghana_draft.pk}),
        {"reason": "Duplicate of another draft.", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    record = Evidence.objects.get(pk=ghana_draft.pk).history.latest()
    assert record.history_change_reason == "withdrawn: Duplicate of another draft."


@pytest.fixture
def submitted(open_round, party, focal_point):
    return make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="submitted",
        code="REG-3", claimed_level=1,
    )  # fmt: skip


def test_a_change_request_needs_a_comment_and_a_reviewer_without_ties(
    submitted, reviewer, focal_point, party
):
    url = reverse("api-evidence-decisions", kwargs={"pk": submitted.pk})
    response = api_as(reviewer).post(url, {"decision": "request_changes", "version": 1})
    assert response.status_code == 400
    assert "comment" in error_of(response)["fields"]
    assert not Review.objects.exists()

    from tests.conftest import assigned_user

    tied = assigned_user("reviewer.gha", party, "analyst")
    tied.is_reviewer = True
    tied.save()
    response = api_as(tied).post(url, {"decision": "approve", "version": 1}, format="json")
    assert response.status_code == 403
    assert "Party" in error_of(response)["message"]
    assert api_as(focal_point).post(url, {"decision": "approve", "version": 1}).status_code == 403
    assert not Review.objects.exists()


def test_an_approval_of_a_stale_version_is_a_conflict(submitted, reviewer):
    url = reverse("api-evidence-decisions", kwargs={"pk": submitted.pk})
    response = api_as(reviewer).post(url, {"decision": "approve", "version": 7}, format="json")
    assert response.status_code == 409
    assert not Review.objects.exists()


def test_only_round_admins_revoke_an_approval(
    open_round, party, focal_point, reviewer, round_admin
):
    approved = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="approved"
    )
    url = reverse("api-evidence-revoke", kwargs={"pk": approved.pk})
    assert api_as(reviewer).post(url, {"reason": "Repealed."}).status_code == 403
    assert api_as(round_admin).post(url, {"reason": ""}).status_code == 400
    response = api_as(round_admin).post(url, {"reason": "The decree was repealed."})
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"


def test_comment_threads_are_for_people_with_a_role(submitted, reviewer, focal_point):
    url = reverse("api-evidence-comments", kwargs={"pk": submitted.pk})
    first = api_as(reviewer).post(url, {"body": "Which decree?"}, format="json")
    assert first.status_code == 201
    reply = api_as(focal_point).post(
        url, {"body": "Decree 12/2025.", "parent": first.json()["id"]}, format="json"
    )
    assert reply.status_code == 201
    thread = api_as(focal_point).get(url).json()
    assert [(c["author"], c["parent"]) for c in thread] == [
        ("reviewer", None), ("focal.gha", first.json()["id"]),
    ]  # fmt: skip
    wrong_parent = api_as(reviewer).post(url, {"body": "x", "parent": 999999}, format="json")
    assert wrong_parent.status_code == 400
    assert Comment.objects.count() == 2


def test_the_public_reads_approved_evidence_of_published_rounds_without_names(
    party, focal_point, reviewer
):
    published = round_with_methodology(slug="2025", status=RoundStatus.PUBLISHED, parties=[party])
    public = make_evidence(
        assessment_round=published, party=party, author=focal_point, status="approved"
    )
    make_evidence(
        assessment_round=published, party=party, author=focal_point, status="approved",
        code="REG-2", is_confidential=True,
    )  # fmt: skip
    listed = api_as().get(reverse("api-evidence-list"), {"round": "2025"}).json()
    assert [row["id"] for row in listed["results"]] == [public.pk]
    comments = api_as().get(reverse("api-evidence-comments", kwargs={"pk": public.pk}))
    assert comments.status_code == 403
    assert api_as().post(
        reverse("api-evidence-comments", kwargs={"pk": public.pk})
    ).status_code == (401)


def test_the_evidence_list_filters_orders_and_keeps_its_queries_fixed(
    open_round, party, focal_point, django_assert_max_num_queries
):
    for code in ("REG-1", "REG-2", "REG-3", "INF-1"):
        evidence = make_evidence(
            assessment_round=open_round, party=party, author=focal_point, code=code
        )
        make_document(evidence, focal_point)
    client = api_as(focal_point)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("api-evidence-list"), {"ordering": "party__code"})
    assert response.json()["count"] == 4
    filtered = client.get(reverse("api-evidence-list"), {"sub_pillar": "REG-2", "party": "gha"})
    assert [row["sub_pillar"] for row in filtered.json()["results"]] == ["REG-2"]
    bad = client.get(reverse("api-evidence-list"), {"status": "nonsense"})
    assert bad.status_code == 400
    assert "status" in error_of(bad)["fields"]


def test_a_session_needs_a_csrf_token_for_writes(open_round, focal_point):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(focal_point)
    response = client.post(reverse("api-evidence-list"), DRAFT, format="json")
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
    assert not Evidence.objects.exists()


def forget_throttles(*idents) -> None:
    """Counters outlive a test in the cache, and user ids repeat from test to test."""
    cache.delete_many([f"throttle_{scope}_{ident}" for scope in ("write", "anonymous")
                       for ident in idents])  # fmt: skip


def test_writes_are_throttled_per_user_and_reads_are_not(open_round, focal_point, settings):
    settings.API_THROTTLE_RATES = {"write": "2/minute", "anonymous": "1000/minute"}
    forget_throttles(focal_point.pk)
    assert create_draft(focal_point).status_code == 201
    assert create_draft(focal_point, sub_pillar="REG-3").status_code == 201
    throttled = create_draft(focal_point, sub_pillar="REG-1", facts={})
    assert throttled.status_code == 429
    assert error_of(throttled)["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert Evidence.objects.count() == 2
    assert api_as(focal_point).get(reverse("api-evidence-list")).status_code == 200


def test_anonymous_reads_are_throttled_per_address(settings, party):
    settings.API_THROTTLE_RATES = {"write": "100/minute", "anonymous": "3/minute"}
    forget_throttles("127.0.0.1")
    statuses = [api_as().get(reverse("api-party-list")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_unknown_api_urls_answer_in_the_error_shape(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert error_of(response) == {"status": 404, "code": "not_found", "message": "Not found."}
    assert client.get("/nothing-here/")["Content-Type"].startswith("text/html")
