"""A cache for the public results: the rendered content of the results pages and the JSON of the
read API's results lists, for visitors without a role (what everyone sees).

Keys carry what the output depends on, so that nothing stale can be served:
- the round, its status and its evidence and results versions (`RoundComputation`: every
  approval, revocation, methodology or membership change bumps the evidence version, and the
  recompute stamps the results version in the same transaction as the new figures);
- the status of the other public rounds (a Party profile lists the grade across rounds);
- the active language, the page and what varies it (Party, filters, URL);
- a fingerprint of the code and templates that draw the pages (a deployment changes it).
Staff see unpublished rounds as previews and may see confidential evidence: their pages are
never cached, so nothing of theirs can reach the public.

Two process-local layers sit in front of the shared cache and the database, so that a hit
costs neither a query nor a Redis round trip:
- `LocalPages`: the stored (compressed) pages and API lists recently used by this process, by
  key, least recently used out first, bounded by `RESULTS_LOCAL_CACHE_BYTES` (0: off). The
  value stored under a key never changes (the key names everything it depends on), so a local
  copy is as good as the shared one; it is dropped after `RESULTS_CACHE_SECONDS` all the same,
  like the shared copy (that lifetime stays the backstop).
- `round_state`'s memo, see there (`RESULTS_STATE_SECONDS`).
"""

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache as django_cache
from django.core.signals import setting_changed
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from readiness import policy, precompressed
from readiness.models import RoundStatus
from readiness.release import code_fingerprint


def enabled() -> bool:
    return settings.RESULTS_CACHE_SECONDS > 0


def is_public_audience(user) -> bool:
    """Visitors who see exactly what the public sees (no role in the assessment)."""
    return not policy.is_staff_role(user)


PUBLIC = (RoundStatus.PUBLISHED, RoundStatus.ARCHIVED)

# One statement: the round's status and versions and the status of every public round.
# Hand-written because compiling the ORM's equivalent cost more than the rest of a cached
# request, and a hit needs nothing else from the database.
STATE_SQL = """
SELECT r.id, r.status, COALESCE(c.evidence_version, 0), COALESCE(c.results_version, 0),
       (SELECT COALESCE({concat}, '') FROM (
          SELECT o.id || '.' || o.status AS entry FROM readiness_assessmentround o
          WHERE o.status IN (%s, %s) ORDER BY o.id) AS public)
FROM readiness_assessmentround r
LEFT JOIN readiness_roundcomputation c ON c.round_id = r.id
WHERE r.slug = %s
"""
CONCAT = {
    "postgresql": "string_agg(entry, ',' ORDER BY entry)",
    "sqlite": "group_concat(entry, ',')",
}


class RoundState(NamedTuple):
    pk: int
    status: str
    evidence_version: int
    results_version: int
    public_rounds: str  # "id.status,…" of every published or archived round

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC


clock = time.monotonic  # the memos' clock (tests move it on)

_states: dict[str, tuple[float, RoundState]] = {}  # slug -> (good until, state): public only


def round_state(slug: str) -> RoundState | None:
    """The round's state as the cache keys need it, from the database or, for a public round,
    from this process's memo of the last `RESULTS_STATE_SECONDS` (0: always the database).

    Why a public round's state may be reused for a while: a published round is frozen (on
    PostgreSQL the database itself refuses any change to it, its results and its
    `RoundComputation`: the triggers of migration 0004 and its successors; elsewhere the
    services refuse), so its id and its evidence and results versions cannot change and its
    slug cannot go to another round. What the memo can delay is only its archiving and another
    round's publication or archiving (`public_rounds`), each by at most that many seconds. A
    state that is not public (a draft, a round in review, an unknown slug) is never kept: a
    round being published shows at once, since its slug is looked up on every request until it
    is public. Staff never come here (their pages are not cached)."""
    seconds = settings.RESULTS_STATE_SECONDS
    if seconds > 0:
        memo = _states.get(slug)
        if memo is not None and clock() < memo[0]:
            return memo[1]
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL.format(concat=CONCAT[connection.vendor]), [*PUBLIC, slug])
        row = cursor.fetchone()
    state = RoundState(*row) if row else None
    if seconds > 0 and state is not None and state.is_public:
        _states[slug] = (clock() + seconds, state)  # as many entries as public rounds
    return state


class LocalPages:
    """Stored pages by key, in this process: bounded by their total size in bytes, least
    recently used out first, each for at most `RESULTS_CACHE_SECONDS`. One lock around the
    dictionary (gthread workers serve requests on several threads)."""

    OVERHEAD = 200  # bytes counted per entry and per piece beyond the compressed bytes

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[precompressed.Page, int, float]] = OrderedDict()
        self.size = 0  # the bytes counted for the entries held

    @classmethod
    def size_of(cls, key: str, page: precompressed.Page) -> int:
        return (
            len(key)
            + cls.OVERHEAD
            + sum(len(piece.compressed) + cls.OVERHEAD for piece in page.pieces)
        )

    def get(self, key: str) -> precompressed.Page | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if clock() >= entry[2]:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, page: precompressed.Page) -> None:
        limit, size = settings.RESULTS_LOCAL_CACHE_BYTES, self.size_of(key, page)
        expires = clock() + settings.RESULTS_CACHE_SECONDS
        with self._lock:
            if key in self._entries:
                self._drop(key)
            if size > limit:
                return  # larger than the whole budget (or the layer is off): not kept
            self._entries[key] = (page, size, expires)
            self.size += size
            while self.size > limit:
                self._drop(next(iter(self._entries)))  # the least recently used

    def _drop(self, key: str) -> None:
        self.size -= self._entries.pop(key)[1]

    def held(self) -> list[str]:
        """Least recently used first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


local_pages = LocalPages()


def clear_local() -> None:
    """Forget this process's copies and states (tests; another cache or other settings)."""
    local_pages.clear()
    _states.clear()


SETTINGS_OF_THE_MEMOS = {
    "CACHES",
    "DATABASES",
    "RESULTS_CACHE_SECONDS",
    "RESULTS_LOCAL_CACHE_BYTES",
    "RESULTS_STATE_SECONDS",
}


def _on_setting_changed(*, setting, **kwargs) -> None:
    if setting in SETTINGS_OF_THE_MEMOS:  # another cache or database: nothing local holds
        clear_local()


setting_changed.connect(_on_setting_changed)


def _stored(key: str, make: Callable[[], precompressed.Page | None]):
    """The stored page under `key`: this process's copy, else the shared cache's, else
    `make()`'s (None: nothing to store), kept in both."""
    if settings.RESULTS_LOCAL_CACHE_BYTES > 0:
        stored = local_pages.get(key)
        if stored is not None:
            return stored
    stored = django_cache.get(key)
    if stored is None:
        stored = make()
        if stored is None:
            return None
        django_cache.set(key, stored, settings.RESULTS_CACHE_SECONDS)
    if settings.RESULTS_LOCAL_CACHE_BYTES > 0:
        local_pages.put(key, stored)
    return stored


def key_for(state: RoundState, page: str, vary: str = "", *, other_rounds: bool = False) -> str:
    parts = [
        "results",
        code_fingerprint(),
        page,
        f"r{state.pk}.{state.status}.e{state.evidence_version}.v{state.results_version}",
    ]
    if other_rounds:  # a Party profile lists the grade across the public rounds
        parts.append(hashlib.sha256(state.public_rounds.encode()).hexdigest()[:8])
    parts += [
        translation.get_language() or settings.LANGUAGE_CODE,
        hashlib.sha256(vary.encode()).hexdigest()[:16] if vary else "-",
    ]
    return ":".join(parts)


def cacheable(request, assessment_round, preview: bool) -> bool:
    return enabled() and not preview and is_public_audience(request.user)


def page_content(
    request,
    assessment_round,
    preview: bool,
    page: str,
    build: Callable[[], str],
    vary: str = "",
    *,
    other_rounds: bool = False,
) -> SafeString:
    """The page's content (HTML): from the cache for the public, else `build()`."""
    state = (
        round_state(assessment_round.slug)
        if cacheable(request, assessment_round, preview)
        else None
    )
    if state is None:
        return mark_safe(build())  # noqa: S308  (rendered by our own templates)
    key = key_for(state, page, vary, other_rounds=other_rounds)
    content = django_cache.get(key)
    if content is None:
        content = build()
        django_cache.set(key, str(content), settings.RESULTS_CACHE_SECONDS)
    return mark_safe(content)  # noqa: S308  (rendered by our own templates)


def page_response(
    request, slug: str, page: str, render_page: Callable[..., str], *, other_rounds: bool = False
) -> HttpResponse:
    """The whole page. An anonymous visitor's is the same for everyone but the CSRF token of
    the language switch: it is cached compressed, and each response gets its own token. A
    cached page costs at most one query (the round's state, none while it is memoised) and,
    when this process has no copy, one read of the shared cache; `render_page` does the rest,
    including the visibility check, only on a miss."""
    if request.user.is_authenticated or not enabled() or len(messages.get_messages(request)):
        return HttpResponse(render_page())
    state = round_state(slug)
    if state is None or not state.is_public:
        return HttpResponse(render_page())  # "not found" for the public, from the view
    key = key_for(state, f"page-{page}", request.get_full_path(), other_rounds=other_rounds)
    stored = _stored(key, lambda: _prepare_with_token_holes(render_page))
    return precompressed.response(request, stored, get_token(request))


def _prepare_with_token_holes(render_page: Callable[..., str]) -> precompressed.Page:
    """The page, split where its {% csrf_token %} tags drew the token, and nowhere else.

    The tags are given a marker made up for this one rendering, which nothing stored before it
    (evidence, a URL asked for) can contain: so no text of a user's is ever taken for a hole
    and handed a visitor's token. A fixed marker was: evidence quoting it got every visitor's
    token spliced into its text and links."""
    hole = f"csrf-hole-{secrets.token_hex(16)}"
    return precompressed.prepare(render_page(csrf_token=hole), hole)


def api_list(request, slug: str, name: str, build):
    """A read-API list of a round's results, for the public as JSON from the cache, stored
    compressed (the browsable API is always built). The key varies on the whole URL, which
    the pagination links repeat. A hit costs what a page's does (see `page_response`)."""
    from rest_framework.renderers import JSONRenderer

    if not enabled() or not is_public_audience(request.user):
        return build()
    if request.accepted_renderer.format != "json":
        return build()
    state = round_state(slug)
    if state is None or not state.is_public:
        return build()  # answers "not found" the API's way
    key = key_for(state, f"api-{name}", request.build_absolute_uri())
    built = []  # on a miss, the response built (sent as it is)

    def make() -> precompressed.Page | None:
        built.append(build())
        if built[0].status_code != 200:
            return None
        body = JSONRenderer().render(built[0].data).decode()
        return precompressed.prepare(body, None, content_type="application/json")

    stored = _stored(key, make)
    return built[0] if built else precompressed.response(request, stored)
