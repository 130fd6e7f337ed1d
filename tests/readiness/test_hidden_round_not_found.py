"""A round the visitor may not see answers exactly as a round that does not exist, with DEBUG
on or off: the same status and the same bytes, once the requested address is set aside."""

import pytest
from django.test import Client

from readiness.models import RoundStatus
from tests.factories import round_with_methodology

# Both slugs have the same length, so a body that echoes the path differs only there.
HIDDEN, MISSING = "hidden-2027", "absent-2027"

PAGES = (
    "/results/{slug}/",
    "/results/{slug}/parties/",
    "/results/{slug}/parties/GHA/",
    "/results/{slug}/findings/",
    "/results/{slug}/data/package.zip",
    "/results/{slug}/data/evidence.csv",
    "/results/{slug}/data/methodology.xlsx",
    "/rounds/{slug}/",
    "/rounds/{slug}/parties/GHA/",
    "/rounds/{slug}/methodology/",
    "/rounds/{slug}/import/template.csv",
    "/workspace/{slug}/GHA/",
    "/api/v1/rounds/{slug}/",
    "/api/v1/rounds/{slug}/methodology/",
    "/api/v1/rounds/{slug}/results/",
    "/api/v1/rounds/{slug}/results/GHA/",
    "/api/v1/rounds/{slug}/aggregates/",
    "/api/v1/rounds/{slug}/exports/data-package.zip",
    "/api/v1/rounds/{slug}/exports/evidence.csv",
)


@pytest.fixture
def hidden_round(party):
    return round_with_methodology(slug=HIDDEN, status=RoundStatus.OPEN, parties=[party])


def _client(request, visitor: str) -> Client:
    client = Client()
    if visitor != "anonymous":
        client.force_login(request.getfixturevalue(visitor))
    return client


def _answer(client: Client, page: str, slug: str) -> tuple[int, bytes]:
    response = client.get(page.format(slug=slug))
    body = response.getvalue() if response.streaming else response.content
    return response.status_code, body.replace(slug.encode(), b"<slug>")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("visitor", ["anonymous", "registered_user"])
@pytest.mark.parametrize("page", PAGES)
def test_a_hidden_round_looks_like_a_missing_one(request, settings, hidden_round, visitor,
                                                  debug, page):  # fmt: skip
    settings.DEBUG = debug
    client = _client(request, visitor)
    hidden = _answer(client, page, HIDDEN)
    missing = _answer(client, page, MISSING)
    assert hidden[0] in (302, 404), hidden  # signed-in pages send the anonymous to log in
    assert hidden == missing


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_staff_still_see_the_round_the_public_may_not(settings, hidden_round, reviewer, debug):
    """The uniform answer is for what the visitor may not see, not a blanket 404."""
    settings.DEBUG = debug
    client = Client()
    client.force_login(reviewer)
    assert client.get(f"/results/{HIDDEN}/").status_code == 200
    assert client.get(f"/rounds/{HIDDEN}/").status_code == 200
    assert client.get(f"/api/v1/rounds/{HIDDEN}/").status_code == 200
    assert client.get(f"/rounds/{MISSING}/").status_code == 404
