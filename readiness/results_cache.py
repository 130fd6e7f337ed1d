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
"""

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache as django_cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from readiness import policy, precompressed
from readiness.models import RoundStatus

CSRF_HOLE = "csrf-token-hole-5f0c2e9b7d4a"  # where each response's own token goes
ROOT = Path(__file__).resolve().parent.parent
CODE = [
    "readiness/results.py",
    "readiness/findings.py",
    "readiness/public_views.py",
    "readiness/api.py",
    "readiness/results_cache.py",
    "readiness/precompressed.py",
    "templates/base.html",
    "templates/results",
    "locale",
]


@cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for entry in CODE:
        path = ROOT / entry
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in {".py", ".html", ".mo"}:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


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


def round_state(slug: str) -> RoundState | None:
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL.format(concat=CONCAT[connection.vendor]), [*PUBLIC, slug])
        row = cursor.fetchone()
    return RoundState(*row) if row else None


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
    cached page costs one query (the round's state); `render_page` does the rest, including
    the visibility check, only on a miss."""
    if request.user.is_authenticated or not enabled() or len(messages.get_messages(request)):
        return HttpResponse(render_page())
    state = round_state(slug)
    if state is None or not state.is_public:
        return HttpResponse(render_page())  # "not found" for the public, from the view
    key = key_for(state, f"page-{page}", request.get_full_path(), other_rounds=other_rounds)
    stored = django_cache.get(key)
    if stored is None:
        stored = precompressed.prepare(render_page(csrf_token=CSRF_HOLE), CSRF_HOLE)
        django_cache.set(key, stored, settings.RESULTS_CACHE_SECONDS)
    return precompressed.response(request, stored, get_token(request))


def api_list(request, slug: str, name: str, build):
    """A read-API list of a round's results, for the public as JSON from the cache, stored
    compressed (the browsable API is always built). The key varies on the whole URL, which
    the pagination links repeat. A hit costs one query."""
    from rest_framework.renderers import JSONRenderer

    if not enabled() or not is_public_audience(request.user):
        return build()
    if request.accepted_renderer.format != "json":
        return build()
    state = round_state(slug)
    if state is None or not state.is_public:
        return build()  # answers "not found" the API's way
    key = key_for(state, f"api-{name}", request.build_absolute_uri())
    stored = django_cache.get(key)
    if stored is None:
        response = build()
        if response.status_code != 200:
            return response
        body = JSONRenderer().render(response.data).decode()
        stored = precompressed.prepare(body, None, content_type="application/json")
        django_cache.set(key, stored, settings.RESULTS_CACHE_SECONDS)
        return response
    return precompressed.response(request, stored)
