import re

import pytest
from django.urls import reverse

from readiness.models import RoundStatus
from readiness.recompute import recompute
from tests.factories import make_evidence, round_with_methodology, seeding_frozen_rounds

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(party, other_party, focal_point):
    assessment_round = round_with_methodology(slug="2025", status=RoundStatus.OPEN,
                                              parties=[party, other_party])  # fmt: skip
    make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                  status="approved", code="REG-1", claimed_level=3)  # fmt: skip
    recompute(assessment_round.pk)
    assessment_round.status = RoundStatus.PUBLISHED
    assessment_round.save()
    return assessment_round


def test_results_are_listed_with_filters(client, published, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):  # one of them: the sub-pillars' maximum levels
        body = client.get(reverse("api-result-list", args=["2025"])).json()
    assert body["count"] == 2
    ghana = next(row for row in body["results"] if row["party"] == "GHA")
    assert ghana["grade"] == "D" and ghana["sub_pillars"]["REG-1"]["level"] == 3
    filtered = client.get(reverse("api-result-list", args=["2025"]) + "?region=asia").json()
    assert [row["party"] for row in filtered["results"]] == ["THA"]


def test_one_result_and_the_aggregates(client, published):
    result = client.get(reverse("api-result-detail", args=["2025", "gha"])).json()
    assert result["pillars"]["REG"]["rate"] == "0.333333"
    keys = [row["key"] for row in client.get(reverse("api-aggregates", args=["2025"])).json()[
        "results"]]  # fmt: skip
    assert "world" in keys and "region:africa" in keys


def test_unpublished_rounds_are_not_found_for_the_public(client, reviewer, party):
    round_with_methodology(slug="2026", status=RoundStatus.OPEN, parties=[party])
    response = client.get(reverse("api-result-list", args=["2026"]))
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "Not found."}
    }
    assert [r["slug"] for r in client.get(reverse("api-round-list")).json()["results"]] == []
    client.force_login(reviewer)
    assert client.get(reverse("api-result-list", args=["2026"])).status_code == 200


def test_parties_filter_by_region_and_grouping(client, party, other_party):
    from readiness.models import Grouping

    party.groupings.add(Grouping.objects.create(code="ldc", kind="category", name_en="LDCs"))
    rows = client.get(reverse("api-party-list") + "?grouping=ldc").json()["results"]
    assert [row["code"] for row in rows] == ["GHA"] and rows[0]["groupings"] == ["ldc"]
    assert client.get(reverse("api-party-list") + "?region=asia").json()["count"] == 1


def test_the_schema_describes_every_endpoint_and_the_docs_use_local_assets(client):
    paths = client.get(reverse("api-schema") + "?format=json").json()["paths"]
    assert set(paths) == {
        "/api/v1/parties/", "/api/v1/parties/{code}/", "/api/v1/groupings/", "/api/v1/rounds/",
        "/api/v1/rounds/{slug}/", "/api/v1/rounds/{slug}/methodology/",
        "/api/v1/rounds/{slug}/results/", "/api/v1/rounds/{slug}/results/{code}/",
        "/api/v1/rounds/{slug}/aggregates/", "/api/v1/rounds/{slug}/exports/data-package.zip",
        "/api/v1/rounds/{slug}/exports/{dataset}.{extension}",
        "/api/v1/evidence/", "/api/v1/evidence/{id}/", "/api/v1/evidence/{id}/submit/",
        "/api/v1/evidence/{id}/withdraw/", "/api/v1/evidence/{id}/documents/",
        "/api/v1/evidence/{id}/decisions/", "/api/v1/evidence/{id}/revoke/",
        "/api/v1/evidence/{id}/comments/", "/api/v1/documents/{id}/",
        "/api/v1/documents/{id}/download/",
    }  # fmt: skip
    docs = client.get(reverse("api-docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    external = re.findall(r'(?:src|href)="(?:https?:)?//[^"]+"', docs)
    assert external == []


def test_a_token_authenticates_scripts_and_can_be_revoked(client, reviewer, party):
    from rest_framework.test import APIClient

    from readiness.api_tokens.models import ApiToken

    round_with_methodology(slug="2026", status=RoundStatus.OPEN, parties=[party])
    client.force_login(reviewer)
    page = client.post(reverse("api-token"), {"name": "results script", "days": "30"})
    key = page.context["new_key"]
    assert key and key in page.content.decode()
    script = APIClient()
    url = reverse("api-result-list", args=["2026"])
    assert script.get(url).status_code == 404  # anonymous: the round is not published
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert script.get(url).status_code == 200
    token = ApiToken.objects.get(user=reviewer)
    client.post(reverse("api-token-revoke", args=[token.pk]))
    response = script.get(url)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_service_refusals_have_the_error_shape():
    from django.core.exceptions import ValidationError

    from readiness.api_errors import api_exception_handler
    from readiness.exceptions import Conflict

    conflict = api_exception_handler(Conflict("Changed meanwhile."), {})
    assert conflict.status_code == 409
    assert conflict.data == {"error": {"status": 409, "code": "conflict",
                                       "message": "Changed meanwhile."}}  # fmt: skip
    invalid = api_exception_handler(ValidationError({"narrative": ["Required."]}), {})
    assert invalid.status_code == 400
    assert invalid.data["error"]["fields"] == {"narrative": ["Required."]}


def test_results_can_be_ordered_by_total_rate(client, party, other_party):
    from readiness.models import PartyResult

    published = round_with_methodology(
        slug="2025", status=RoundStatus.PUBLISHED, parties=[party, other_party]
    )
    with seeding_frozen_rounds():
        for member, rate, grade in ((party, "0.2", "C"), (other_party, "0.9", "A")):
            PartyResult.objects.create(
                round=published, party=member, total_rate=rate, grade=grade, pillars={},
                sub_pillars={}, as_of_version=1,
            )  # fmt: skip
    url = reverse("api-result-list", kwargs={"slug": "2025"})
    rows = client.get(url, {"ordering": "-total_rate"}).json()["results"]
    assert [row["party"] for row in rows] == ["THA", "GHA"]
    rows = client.get(url).json()["results"]
    assert [row["party"] for row in rows] == ["GHA", "THA"]
