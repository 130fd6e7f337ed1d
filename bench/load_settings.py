"""Settings for bench/load.py only: the production settings with a URL configuration that adds
the minimal view the pages are compared with. Never used by a deployment."""

from readiness.settings_production import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
