"""The results cache's process-local layers (readiness/results_cache.py): a public page served
again needs neither the database nor Redis; what the round-state memo delays shows once its
seconds are up; a round that is not public is looked up every time; the stored pages stay
within their byte budget; every response still carries its own CSRF token."""

# ruff: noqa: F811  (the `published` fixture is imported, then named as an argument)

import gzip
import hashlib
import re
import threading
import uuid

import pytest
from django.core.cache import cache as django_cache
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness import precompressed, results_cache
from readiness.models import RoundStatus
from readiness.recompute import recompute
from readiness.services import round_transition
from tests.factories import make_evidence, round_with_methodology
from tests.results.test_public_pages import published  # noqa: F401  (a fixture)
from tests.results.test_results_cache import _grade_shown, _rewrite_result

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PROFILE = "/results/2025/parties/GHA/"


@pytest.fixture(autouse=True)
def results_cache_on(settings):
    settings.RESULTS_CACHE_SECONDS = 3600
    settings.RESULTS_STATE_SECONDS = 2
    settings.RESULTS_LOCAL_CACHE_BYTES = 32 * 2**20
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }
    results_cache.clear_local()


@pytest.fixture
def clock(monkeypatch):
    """The memos' clock, moved on by hand: `clock[0] += seconds`."""
    now = [1000.0]
    monkeypatch.setattr(results_cache, "clock", lambda: now[0])
    return now


@pytest.mark.parametrize("url", ["/results/2025/", PROFILE, "/api/v1/rounds/2025/results/"])
def test_a_second_request_needs_neither_the_database_nor_the_shared_cache(
    client, published, url, django_assert_num_queries
):
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    django_cache.clear()  # Redis in production: the page comes from the process's own copy
    with django_assert_num_queries(0):
        second = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert second.status_code == 200 and second["Content-Encoding"] == "gzip"
    pages = [gzip.decompress(response.content).decode() for response in (first, second)]
    assert TOKEN.sub("", pages[0]) == TOKEN.sub("", pages[1])


def test_with_the_state_memo_off_a_hit_costs_the_one_query(
    client, published, settings, django_assert_num_queries
):
    settings.RESULTS_STATE_SECONDS = 0
    client.get(PROFILE)
    django_cache.clear()
    for _ in range(2):
        with django_assert_num_queries(1):  # the round's state; the page is the local copy
            assert "(GHA)" in client.get(PROFILE).content.decode()


def test_with_the_local_copies_off_the_shared_cache_answers(
    client, published, settings, django_assert_num_queries
):
    settings.RESULTS_LOCAL_CACHE_BYTES = 0
    client.get(PROFILE)
    with django_assert_num_queries(0):
        assert "(GHA)" in client.get(PROFILE).content.decode()
    assert results_cache.local_pages.held() == []
    django_cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert "(GHA)" in client.get(PROFILE).content.decode()
    assert len(queries) > 1  # nothing local: the page was drawn again


def test_a_new_version_shows_once_the_state_memo_has_lapsed(client, published, clock):
    page = client.get(PROFILE).content.decode()
    assert 'grade-chip grade-D">D<' in page and _grade_shown(client) == "D"
    _rewrite_result(published, "C", bump_version=True)  # a change of the round's versions
    clock[0] += 1.9  # within RESULTS_STATE_SECONDS: the state read 1.9 s ago still stands
    assert 'grade-chip grade-D">D<' in client.get(PROFILE).content.decode()
    assert _grade_shown(client) == "D"
    clock[0] += 0.2
    assert 'grade-chip grade-C">C<' in client.get(PROFILE).content.decode()
    assert _grade_shown(client) == "C"


def test_with_the_state_memo_off_a_new_version_shows_at_once(client, published, settings, clock):
    settings.RESULTS_STATE_SECONDS = 0
    assert _grade_shown(client) == "D"
    _rewrite_result(published, "C", bump_version=True)
    assert _grade_shown(client) == "C"


def test_a_round_that_is_not_public_is_looked_up_until_its_publication_shows_at_once(
    client, published, party, other_party, focal_point, round_admin, clock,
    django_assert_num_queries,
):  # fmt: skip
    later = round_with_methodology(
        slug="2026", name="Assessment 2026", status=RoundStatus.REVIEW,
        parties=[party, other_party],
    )  # fmt: skip
    make_evidence(assessment_round=later, party=party, author=focal_point,
                  status="approved", code="REG-1", claimed_level=3)  # fmt: skip
    recompute(later.pk)
    assert "Assessment 2026" not in client.get(PROFILE).content.decode()
    for slug in ("2026", "no-such-round"):
        for _ in range(2):
            assert client.get(f"/results/{slug}/").status_code == 404
            assert client.get(f"/api/v1/rounds/{slug}/results/").status_code == 404
        with django_assert_num_queries(1):  # never from the memo
            state = results_cache.round_state(slug)
        assert state is None or state.status == RoundStatus.REVIEW
        assert slug not in results_cache._states

    round_transition(actor=round_admin, assessment_round=later, target="published")
    assert "(GHA)" in client.get("/results/2026/parties/GHA/").content.decode()  # at once
    assert client.get("/api/v1/rounds/2026/results/").status_code == 200
    # The 2025 profile lists the grade across the public rounds: its state (and with it the
    # list of public rounds) is the memo's for up to RESULTS_STATE_SECONDS, then the new one.
    assert "Assessment 2026" not in client.get(PROFILE).content.decode()
    clock[0] += 2
    assert "Assessment 2026" in client.get(PROFILE).content.decode()


def test_staff_never_read_the_memo(client, published, reviewer):
    client.get(PROFILE)  # the public's copy and state, memoised
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        assert "(GHA)" in client.get(PROFILE).content.decode()
    assert len(queries) > 4  # drawn for them, query by query


def test_each_response_from_the_local_copy_carries_its_own_token(published):
    Client().get("/results/2025/")  # the page is stored (and kept locally)
    tokens = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_ENCODING="gzip")
        response = browser.get("/results/2025/")
        token = TOKEN.search(gzip.decompress(response.content).decode()).group(1)
        assert _unmask_cipher_token(token) == response.cookies["csrftoken"].value
        switched = browser.post(
            reverse("set_language"),
            {"language": "zh-hans", "next": "/results/2025/", "csrfmiddlewaretoken": token},
        )
        assert switched.status_code == 302
        tokens.append(token)
    assert tokens[0] != tokens[1]


def _page(size: int) -> precompressed.Page:
    """A stored page of about `size` bytes of hexadecimal (which compresses to about half),
    the same for the same size."""
    text = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(size // 64))
    return precompressed.prepare(text, None)


def test_the_local_copies_keep_to_their_byte_budget_least_recently_used_out_first(settings, clock):
    pages = results_cache.LocalPages()
    one = results_cache.LocalPages.size_of("a", _page(10_000))
    settings.RESULTS_LOCAL_CACHE_BYTES = 3 * one + 10
    for key in "abc":
        pages.put(key, _page(10_000))
    assert pages.held() == ["a", "b", "c"] and pages.size <= settings.RESULTS_LOCAL_CACHE_BYTES
    assert pages.get("a") is not None  # now the most recently used
    pages.put("d", _page(10_000))
    assert pages.held() == ["c", "a", "d"]  # b, the least recently used, went
    assert pages.get("b") is None
    assert pages.size == sum(
        results_cache.LocalPages.size_of(key, pages.get(key)) for key in pages.held()
    )

    pages.put("huge", _page(16 * one))  # larger than the whole budget: not kept, nothing lost
    assert pages.get("huge") is None and len(pages.held()) == 3

    clock[0] += settings.RESULTS_CACHE_SECONDS  # the backstop lifetime holds here too
    assert pages.get("c") is None


def test_the_local_copies_hold_together_under_threads(settings):
    pages = results_cache.LocalPages()
    stored = [_page(1_000) for _ in range(8)]
    settings.RESULTS_LOCAL_CACHE_BYTES = 4 * results_cache.LocalPages.size_of("k0", stored[0])

    def work(offset: int) -> None:
        for index in range(400):
            key = f"k{(index + offset) % 8}"
            if pages.get(key) is None:
                pages.put(key, stored[(index + offset) % 8])

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0 < pages.size <= settings.RESULTS_LOCAL_CACHE_BYTES
    assert pages.size == sum(
        results_cache.LocalPages.size_of(key, stored[int(key[1:])]) for key in pages.held()
    )


def test_changing_the_cache_settings_forgets_the_local_copies(client, published, settings):
    client.get(PROFILE)
    assert results_cache.local_pages.held() and results_cache._states
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert not results_cache.local_pages.held() and not results_cache._states
