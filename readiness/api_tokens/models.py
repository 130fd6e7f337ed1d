from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

NAME_MAX_LENGTH = 100
PREFIX_SHOWN = 8  # characters of the key the page and the admin show to tell tokens apart


class ApiToken(AbstractAuthToken):
    """A personal API token. Only the key's digest and its first characters (knox's lookup
    prefix) are stored; the key itself is shown once, when it is created. Tokens have no
    history of their own: creating and revoking one is recorded in the account's history."""

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)  # knox's primary key, not ours
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def prefix(self) -> str:
        return self.token_key[:PREFIX_SHOWN]

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self.expiry < timezone.now()
