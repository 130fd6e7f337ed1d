"""Work every web process would otherwise do on its first requests, done once in the gunicorn
master before it forks the workers (gunicorn.conf.py, `when_ready`), so that the workers
inherit it: compiled templates, both languages' translation catalogues and URL tables, the
results cache's code fingerprint. Without it the first requests of every new or recycled
worker took hundreds of milliseconds, which was most of the public pages' p99 under load."""

import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger(__name__)


def template_names() -> list[str]:
    """Every template of the project's own directories and apps (not third-party ones)."""
    roots = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    base = Path(settings.BASE_DIR)
    roots += [base / app / "templates" for app in ("readiness", "submissions", "reviews")]
    names = set()
    for root in roots:
        if root.is_dir():
            names.update(
                str(path.relative_to(root)) for path in root.rglob("*") if path.suffix == ".html"
            )
    return sorted(names)


def warm() -> dict:
    started = time.perf_counter()
    compiled = 0
    for name in template_names():
        try:
            get_template(name)
            compiled += 1
        except (TemplateDoesNotExist, TemplateSyntaxError):
            logger.warning("warm-up: template %s could not be compiled", name, exc_info=True)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Results")  # loads the catalogue
            reverse("home")  # fills this language's URL table
    from readiness.release import code_fingerprint

    code_fingerprint()
    for alias in settings.CACHES:
        caches[alias]  # imports the backend (redis-py alone takes half a second); no connection
    import redis  # noqa: F401  (Django's Redis backend imports it at the first operation)

    connections.close_all()  # nothing of the master's may be shared with the workers
    return {"templates": compiled, "seconds": round(time.perf_counter() - started, 2)}
