"""The gunicorn master's warm-up before it forks the workers (readiness/warmup.py)."""

from django.db import connections
from django.template import engines

from readiness.warmup import template_names, warm


def test_the_warm_up_compiles_every_template_of_the_project_and_leaves_no_connection_open():
    names = template_names()
    assert "base.html" in names and "results/overview.html" in names
    assert "reviews/queue.html" in names

    figures = warm()

    assert figures["templates"] == len(names)
    loader = engines["django"].engine.template_loaders[0]  # the cached loader
    assert {"base.html", "results/overview.html"} <= set(loader.get_template_cache)
    # (Django keeps an in-memory SQLite database open: closing it would destroy it.)
    left_open = [
        c.alias
        for c in connections.all()
        if c.connection is not None and not (c.vendor == "sqlite" and c.is_in_memory_db())
    ]
    assert left_open == []
