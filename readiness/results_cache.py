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
from django.core.cache import cache as django_cache
from django.db.models import Q
from django.http import Http404
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from readiness import policy
from readiness.models import AssessmentRound, RoundStatus

PUBLIC = (RoundStatus.PUBLISHED, RoundStatus.ARCHIVED)
ROOT = Path(__file__).resolve().parent.parent
CODE = [
    "readiness/results.py",
    "readiness/findings.py",
    "readiness/public_views.py",
    "readiness/api.py",
    "readiness/results_cache.py",
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


def round_state(assessment_round) -> str:
    """One query: this round's status and versions, and the status of every public round."""
    rows = (
        AssessmentRound.objects.filter(Q(pk=assessment_round.pk) | Q(status__in=PUBLIC))
        .order_by("pk")
        .values_list(
            "pk", "status", "computation__evidence_version", "computation__results_version"
        )
    )
    this, others = None, []
    for pk, status, evidence_version, results_version in rows:
        if pk == assessment_round.pk:
            this = f"r{pk}.{status}.e{evidence_version or 0}.v{results_version or 0}"
        else:
            others.append(f"{pk}.{status}")
    return f"{this}:{hashlib.sha256(','.join(others).encode()).hexdigest()[:8]}"


def key_for(assessment_round, page: str, vary: str = "") -> str:
    varying = hashlib.sha256(vary.encode()).hexdigest()[:16] if vary else "-"
    return ":".join(
        [
            "results",
            code_fingerprint(),
            page,
            round_state(assessment_round),
            translation.get_language() or settings.LANGUAGE_CODE,
            varying,
        ]
    )


def cacheable(request, assessment_round, preview: bool) -> bool:
    return enabled() and not preview and is_public_audience(request.user)


def page_content(
    request, assessment_round, preview: bool, page: str, build: Callable[[], str], vary: str = ""
) -> SafeString:
    """The page's content (HTML): from the cache for the public, else `build()`."""
    if not cacheable(request, assessment_round, preview):
        return mark_safe(build())  # noqa: S308  (rendered by our own templates)
    key = key_for(assessment_round, page, vary)
    content = django_cache.get(key)
    if content is None:
        content = build()
        django_cache.set(key, str(content), settings.RESULTS_CACHE_SECONDS)
    return mark_safe(content)  # noqa: S308  (rendered by our own templates)


def api_list(request, slug: str, name: str, build):
    """The JSON body of a read-API list of a round's results, from the cache for the public.
    The key varies on the whole URL, which the pagination links repeat."""
    from rest_framework.response import Response

    from readiness.results import results_round

    try:
        assessment_round, preview = results_round(request.user, slug)
    except Http404:
        return build()  # answers "not found" the API's way
    if not cacheable(request, assessment_round, preview):
        return build()
    key = key_for(assessment_round, f"api-{name}", request.build_absolute_uri())
    data = django_cache.get(key)
    if data is None:
        response = build()
        if response.status_code == 200:
            django_cache.set(key, response.data, settings.RESULTS_CACHE_SECONDS)
        return response
    return Response(data)
