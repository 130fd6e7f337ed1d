from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = _("Readiness assessment")

    def ready(self):
        # Loaded here rather than in the package's __init__ so that the pure modules
        # (readiness.grading, readiness.methodology_v1) import without Celery or Django.
        from readiness import celery  # noqa: F401


class ReadinessAdminConfig(AdminConfig):
    default_site = "readiness.admin_site.ReadinessAdminSite"
