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

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache as django_cache
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from readiness import policy, precompressed
from readiness.models import AssessmentRound, RoundStatus

PUBLIC = (RoundStatus.PUBLISHED, RoundStatus.ARCHIVED)
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


def round_state(assessment_round, *, other_rounds: bool = False) -> str:
    """The round's status and versions (read with the round itself: no query) and, with
    `other_rounds`, the status of every public round (one query)."""
    try:
        computation = assessment_round.computation
        versions = f"e{computation.evidence_version}.v{computation.results_version}"
    except ObjectDoesNotExist:
        versions = "e0.v0"
    state = f"r{assessment_round.pk}.{assessment_round.status}.{versions}"
    if other_rounds:
        others = AssessmentRound.objects.filter(status__in=PUBLIC).order_by("pk")
        listed = ",".join(f"{pk}.{status}" for pk, status in others.values_list("pk", "status"))
        state += ":" + hashlib.sha256(listed.encode()).hexdigest()[:8]
    return state


def key_for(assessment_round, page: str, vary: str = "", *, other_rounds: bool = False) -> str:
    varying = hashlib.sha256(vary.encode()).hexdigest()[:16] if vary else "-"
    return ":".join(
        [
            "results",
            code_fingerprint(),
            page,
            round_state(assessment_round, other_rounds=other_rounds),
            translation.get_language() or settings.LANGUAGE_CODE,
            varying,
        ]
    )


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
    if not cacheable(request, assessment_round, preview):
        return mark_safe(build())  # noqa: S308  (rendered by our own templates)
    key = key_for(assessment_round, page, vary, other_rounds=other_rounds)
    content = django_cache.get(key)
    if content is None:
        content = build()
        django_cache.set(key, str(content), settings.RESULTS_CACHE_SECONDS)
    return mark_safe(content)  # noqa: S308  (rendered by our own templates)


def page_response(
    request,
    assessment_round,
    preview: bool,
    page: str,
    render_page: Callable[..., str],
    *,
    other_rounds: bool = False,
) -> HttpResponse:
    """The whole page. An anonymous visitor's is the same for everyone but the CSRF token of
    the language switch: it is cached compressed, and each response gets its own token."""
    if (
        request.user.is_authenticated
        or not cacheable(request, assessment_round, preview)
        or len(messages.get_messages(request))
    ):
        return HttpResponse(render_page())
    key = key_for(
        assessment_round, f"page-{page}", request.get_full_path(), other_rounds=other_rounds
    )
    stored = django_cache.get(key)
    if stored is None:
        stored = precompressed.prepare(render_page(csrf_token=CSRF_HOLE), CSRF_HOLE)
        django_cache.set(key, stored, settings.RESULTS_CACHE_SECONDS)
    return precompressed.response(request, stored, get_token(request))


def api_list(request, slug: str, name: str, build):
    """A read-API list of a round's results, for the public as JSON from the cache, stored
    compressed (the browsable API is always built). The key varies on the whole URL, which
    the pagination links repeat."""
    from rest_framework.renderers import JSONRenderer

    from readiness.results import results_round

    try:
        assessment_round, preview = results_round(request.user, slug)
    except Http404:
        return build()  # answers "not found" the API's way
    if (
        not cacheable(request, assessment_round, preview)
        or request.accepted_renderer.format != "json"
    ):
        return build()
    key = key_for(assessment_round, f"api-{name}", request.build_absolute_uri())
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
