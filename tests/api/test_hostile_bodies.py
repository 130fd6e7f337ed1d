"""What the API's parser and filters refuse, in the error shape, saving nothing: JSON nested
5,000 deep (the standard parser's RecursionError was a 500), NUL characters and lone surrogates
in strings (PostgreSQL cannot store them), filters and pages it cannot read."""

import pytest
from rest_framework.test import APIClient

from submissions.models import Evidence
from tests import test_authorization_matrix as page_matrix
from tests.factories import api_key_for

world = page_matrix.world

pytestmark = pytest.mark.django_db


@pytest.fixture
def focal_client(focal_point):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(focal_point)}")
    return client


def _draft(**changes) -> dict:
    return {"round": "2026", "party": "GHA", "sub_pillar": "REG-2", "claimed_level": 1,
            "narrative": "Focal point designated.", "source_urls": ["https://example.org/a"],
            **changes}  # fmt: skip


BODIES = {
    "nested lists": "[" * 5000 + "]" * 5000,
    "nested objects": '{"a":' * 5000 + "1" + "}" * 5000,
    "33 levels": '{"round": "2026", "facts": ' + "[" * 33 + "]" * 33 + "}",
    "NUL in a value": '{"round": "2026", "party": "GHA", "narrative": "a\\u0000b"}',
    "NUL in a key": '{"round": "2026", "facts": {"k\\u0000": 1}}',
    "lone surrogate": '{"round": "2026", "narrative": "\\ud800"}',
    "surrogate in facts": '{"round": "2026", "facts": {"instrument_type": "\\udfff"}}',
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_a_body_the_application_cannot_hold_is_a_400(world, focal_client, body):
    before = Evidence.objects.count()
    response = focal_client.post("/api/v1/evidence/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    response = focal_client.put(
        f"/api/v1/evidence/{world['draft'].pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert Evidence.objects.count() == before
    world["draft"].refresh_from_db()
    assert world["draft"].version == 1


def test_nesting_within_the_limit_is_parsed(world, focal_client):
    """The limit refuses what no request of this API needs, not ordinary bodies."""
    response = focal_client.post("/api/v1/evidence/", _draft(), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("value", ["maybe", "2", "null", "yes"])
def test_a_boolean_filter_it_cannot_read_is_a_400(world, focal_client, value):
    response = focal_client.get("/api/v1/evidence/", {"is_confidential": value})
    assert response.status_code == 400
    assert "is_confidential" in response.json()["error"]["fields"]


@pytest.mark.parametrize("value, count", [("true", 0), ("false", 3), ("1", 0), ("False", 3)])
def test_a_boolean_filter_reads_true_and_false(world, focal_client, value, count):
    response = focal_client.get("/api/v1/evidence/", {"is_confidential": value, "round": "2026"})
    assert response.status_code == 200
    assert response.json()["count"] == count


@pytest.mark.parametrize("page", ["", "0", "x", "99999999999999999999999"])
def test_a_page_that_is_not_a_page_is_a_404(world, focal_client, page):
    response = focal_client.get(f"/api/v1/parties/?page={page}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
