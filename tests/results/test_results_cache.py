"""The public results cache: a repeated request is served from it in a fixed, small number of
queries; a new evidence or results version, a publication, another language, other filters or
a visitor with a role never get someone else's copy."""

# ruff: noqa: F811  (the `published` fixture is imported, then named as an argument)

import gzip
import json
import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness import results_cache
from readiness.models import PartyResult, RoundComputation, RoundStatus
from readiness.recompute import recompute
from readiness.services import round_transition
from reviews.services import review_decide
from submissions.models import Evidence
from tests.factories import make_evidence, round_with_methodology, seeding_frozen_rounds
from tests.results.test_public_pages import published  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def results_cache_on(settings):
    settings.RESULTS_CACHE_SECONDS = 3600
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }


PAGES = [
    # (URL, queries when served from the cache)
    ("/results/2025/", 1),  # the round with its versions and the other public rounds
    ("/results/2025/parties/", 1),
    ("/results/2025/parties/?grade=D&sort=name", 1),
    ("/results/2025/parties/GHA/", 1),
    ("/results/2025/findings/", 1),
    ("/api/v1/rounds/2025/results/", 1),
    ("/api/v1/rounds/2025/aggregates/", 1),
]


@pytest.mark.parametrize("url, cached_queries", PAGES)
def test_a_second_request_is_served_from_the_cache(
    client, published, url, cached_queries, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(cached_queries):
        second = client.get(url)
    assert second.status_code == 200
    if url.startswith("/api/"):
        assert second.json() == first.json()
    else:  # the same page apart from the per-request CSRF token of the language switch
        assert _content(second) == _content(first)


def test_the_cached_page_is_sent_compressed_with_a_token_of_its_own(published):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    plain = browser.get("/results/2025/", HTTP_ACCEPT_ENCODING="").content.decode()
    responses = [browser.get("/results/2025/") for _ in range(2)]
    pages = []
    for response in responses:
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        pages.append(gzip.decompress(response.content).decode())
    tokens = [TOKEN.search(page).group(1) for page in [plain, *pages]]
    assert len(set(tokens)) == 3  # masked anew for every response
    assert {TOKEN.sub("", page) for page in [plain, *pages]} == {TOKEN.sub("", plain)}
    assert "csrf-token-hole" not in plain
    switched = browser.post(
        reverse("set_language"),
        {"language": "zh-hans", "next": "/results/2025/", "csrfmiddlewaretoken": tokens[2]},
    )
    assert switched.status_code == 302  # the token works with the visitor's own cookie
    assert "加纳" in gzip.decompress(browser.get("/results/2025/").content).decode()


def test_a_visitor_without_a_csrf_cookie_gets_one_with_the_cached_page(client, published):
    client.get("/results/2025/")
    fresh = Client()
    response = fresh.get("/results/2025/")
    secret = response.cookies["csrftoken"].value
    token = TOKEN.search(response.content.decode()).group(1)
    assert len(token) == 64 and secret
    assert "Cookie" in response["Vary"]


def test_a_pending_message_is_shown_not_cached_away(client, published, registered_user):
    client.get("/results/2025/")  # cached
    client.force_login(registered_user)
    client.post(reverse("logout"))
    page = client.get("/results/2025/").content.decode()
    assert 'href="/accounts/login/"' in page


def test_a_registered_visitor_without_a_role_shares_the_public_content(
    client, published, registered_user, django_assert_max_num_queries
):
    client.get("/results/2025/")
    client.force_login(registered_user)
    client.get("/results/2025/")
    with django_assert_max_num_queries(5):  # session, user, assignments, round
        page = client.get("/results/2025/").content.decode()
    assert "nobody" in page and "Overall readiness" in page


def test_the_cached_api_list_is_the_same_json_compressed_or_not(client, published):
    url = "/api/v1/rounds/2025/results/?region=africa"
    first = client.get(url).json()
    plain = client.get(url)
    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert plain["Content-Type"] == compressed["Content-Type"] == "application/json"
    assert compressed["Content-Encoding"] == "gzip"
    assert json.loads(plain.content) == json.loads(gzip.decompress(compressed.content)) == first
    assert [row["party"] for row in first["results"]] == ["GHA"]


def test_the_browsable_api_is_never_served_from_the_json_cache(client, published):
    client.get("/api/v1/rounds/2025/results/")
    page = client.get("/api/v1/rounds/2025/results/", HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")


def test_a_party_outside_the_round_is_not_found_with_the_cache_on(client, published):
    for _ in range(2):
        assert client.get("/results/2025/parties/XXX/").status_code == 404
        assert client.get("/results/2025/parties/FRA/").status_code == 404


def _content(response) -> str:
    page = response.content.decode()
    return page[page.index('<main id="main"') :]


def _grade_shown(client, code="GHA") -> str:
    rows = client.get("/api/v1/rounds/2025/results/").json()["results"]
    return next(row["grade"] for row in rows if row["party"] == code)


def _rewrite_result(assessment_round, grade: str, *, bump_version: bool) -> None:
    """What a recompute does to a row (and, with bump_version, to the round's version)."""
    with seeding_frozen_rounds():
        PartyResult.objects.filter(round=assessment_round, party__code="GHA").update(grade=grade)
        if bump_version:
            computation = RoundComputation.objects.get(round=assessment_round)
            computation.evidence_version += 1
            computation.results_version = computation.evidence_version
            computation.save()


def test_new_figures_under_a_new_results_version_are_served_at_once(
    client,
    published,
):
    assert _grade_shown(client) == "D"
    page = client.get("/results/2025/parties/GHA/").content.decode()
    assert 'grade-chip grade-D">D<' in page
    _rewrite_result(published, "C", bump_version=True)
    assert _grade_shown(client) == "C"
    assert 'grade-chip grade-C">C<' in client.get("/results/2025/parties/GHA/").content.decode()


def test_without_a_new_version_the_cached_figures_stay(client, published):
    """The counter-test: the cache really answers, and only the version moves it on."""
    assert _grade_shown(client) == "D"
    _rewrite_result(published, "C", bump_version=False)
    assert _grade_shown(client) == "D"
    results_cache_off = client.get("/api/v1/rounds/2025/results/", {"nocache": uuid.uuid4().hex})
    assert results_cache_off.status_code == 200  # another URL, another entry: the new grade
    rows = results_cache_off.json()["results"]
    assert next(row["grade"] for row in rows if row["party"] == "GHA") == "C"


def test_an_approval_and_its_recompute_each_change_the_key(
    party, other_party, focal_point, reviewer
):
    assessment_round = round_with_methodology(
        slug="2026", status=RoundStatus.OPEN, parties=[party, other_party]
    )
    recompute(assessment_round.pk)

    def key_now() -> str:  # as a request reads it: the round with its versions
        return results_cache.key_for(results_cache.round_state("2026"), "overview")

    before = key_now()
    evidence = make_evidence(
        assessment_round=assessment_round, party=party, author=focal_point, status="submitted"
    )
    review_decide(actor=reviewer, evidence=evidence, decision="approve", expected_version=1)
    approved = key_now()
    recompute(assessment_round.pk)
    recomputed = key_now()
    assert len({before, approved, recomputed}) == 3


def test_a_staff_preview_is_never_cached_and_publication_shows_the_public_the_new_round(
    client, party, other_party, focal_point, reviewer, round_admin, django_assert_num_queries
):
    assessment_round = round_with_methodology(
        slug="2026", status=RoundStatus.REVIEW, parties=[party, other_party]
    )
    make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                  status="approved", code="REG-1", claimed_level=3)  # fmt: skip
    recompute(assessment_round.pk)
    client.force_login(reviewer)
    for _ in range(2):
        preview = client.get("/results/2026/parties/GHA/").content.decode()
        assert "Preview" in preview
    client.logout()
    assert client.get("/results/2026/parties/GHA/").status_code == 404

    round_transition(actor=round_admin, assessment_round=assessment_round, target="published")
    first = client.get("/results/2026/parties/GHA/").content.decode()
    assert "Preview" not in first and "(GHA)" in first
    with django_assert_num_queries(1):
        assert "Preview" not in client.get("/results/2026/parties/GHA/").content.decode()


def test_staff_pages_are_computed_for_them_every_time(client, reviewer, published):
    client.force_login(reviewer)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/results/2025/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] > 4  # both computed: not the cached handful of queries


def test_a_focal_point_sees_the_confidential_evidence_the_cached_public_page_hides(
    client,
    published,
    focal_point,
):
    url = "/results/2025/parties/GHA/"
    assert "Secret MRV manual" not in client.get(url).content.decode()  # cached for the public
    client.force_login(focal_point)
    assert "Secret MRV manual" in client.get(url).content.decode()
    client.logout()
    assert "Secret MRV manual" not in client.get(url).content.decode()


def test_languages_are_never_mixed(client, published):
    assert "Overall readiness" in client.get("/results/2025/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chinese = client.get("/results/2025/").content.decode()
    assert "加纳" in chinese and "Overall readiness" not in chinese
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Overall readiness" in client.get("/results/2025/").content.decode()


def test_filters_get_their_own_entry_and_stray_parameters_none(
    client, published, registered_user, django_assert_max_num_queries
):
    everyone = client.get("/results/2025/parties/").content.decode()
    grade_a = client.get("/results/2025/parties/?grade=A").content.decode()
    assert "3 Parties" in everyone and "0 Parties" in grade_a
    client.force_login(registered_user)  # the content cache, shared by every query string
    client.get("/results/2025/parties/")
    with django_assert_max_num_queries(5):  # the stray parameter is ignored: no new entry
        assert "3 Parties" in client.get("/results/2025/parties/?utm_source=x").content.decode()


def test_the_cache_can_be_turned_off(client, published, settings):
    settings.RESULTS_CACHE_SECONDS = 0
    assert _grade_shown(client) == "D"
    _rewrite_result(published, "C", bump_version=False)
    assert _grade_shown(client) == "C"


OLD_MARKER = "csrf-token-hole-5f0c2e9b7d4a"  # the fixed marker the cache used to fill in


def test_evidence_quoting_a_token_marker_is_shown_as_written_and_gets_no_visitors_token(
    published, party, focal_point
):
    """A cached page is filled with each visitor's CSRF token where its forms put it, and
    nowhere else: evidence (text and links) carrying the old marker or one shaped like the new
    ones stays as its author wrote it."""
    lookalike = "csrf-hole-" + "0" * 32
    narrative = f"See {OLD_MARKER} and {lookalike}."
    link = f"https://attacker.example/steal?t={OLD_MARKER}&u={lookalike}"
    with seeding_frozen_rounds():
        evidence = Evidence.objects.get(round=published, party=party, sub_pillar__code="REG-1")
        evidence.narrative, evidence.source_urls = narrative, [link]
        evidence.save()
    url = "/results/2025/parties/GHA/"
    for browser in (Client(), Client(HTTP_ACCEPT_ENCODING="gzip")):
        for _ in range(2):  # drawn, then from the cache
            response = browser.get(url)
            page = (
                gzip.decompress(response.content)
                if response.get("Content-Encoding") == "gzip"
                else response.content
            ).decode()
            token = TOKEN.search(page).group(1)
            assert narrative in page
            assert f'href="{link.replace("&", "&amp;")}"' in page
            assert page.count(OLD_MARKER) == 3 and page.count(lookalike) == 3
            assert page.count(token) == len(TOKEN.findall(page))  # only in the forms' fields
            assert "csrf-hole-" not in page.replace(lookalike, "")


def test_every_rendering_gets_its_own_token_marker(published, monkeypatch):
    markers = []
    real_prepare = results_cache.precompressed.prepare

    def prepare(text, hole, *args, **kwargs):
        markers.append(hole)
        return real_prepare(text, hole, *args, **kwargs)

    monkeypatch.setattr(results_cache.precompressed, "prepare", prepare)
    Client().get("/results/2025/")
    Client().get("/results/2025/parties/GHA/")
    assert len(markers) == 2 and len(set(markers)) == 2 and OLD_MARKER not in markers


def test_the_code_fingerprint_covers_everything_a_stored_page_is_drawn_from():
    """A deploy that changes any of these must not serve yesterday's HTML (the key carries the
    fingerprint). A hand-kept list once missed the first three."""
    from readiness.release import ROOT, fingerprinted_files

    counted = {str(file.relative_to(ROOT)) for file in fingerprinted_files()}
    for path in [
        "templates/submissions/_field.html",
        "readiness/selectors.py",
        "readiness/data/world-map.json",
        "readiness/party_snapshots.py",
        "templates/base.html",
        "locale/zh_Hans/LC_MESSAGES/django.mo",
        "static/css/site.css",
    ]:
        assert (ROOT / path).exists(), path
        assert path in counted, path
