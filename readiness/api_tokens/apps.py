from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiTokensConfig(AppConfig):
    name = "readiness.api_tokens"
    label = "api_tokens"
    verbose_name = _("API tokens")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from readiness.api_tokens import schema  # noqa: F401  (registers the OpenAPI scheme)
