from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from readiness.api_tokens.models import NAME_MAX_LENGTH


class ApiTokenForm(forms.Form):
    """A new token's name and lifetime (1 to API_TOKEN_DAYS days, read at each request). The
    service checks the same rules again for other callers."""

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What the token is for, e.g. “nightly export script”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"] = forms.IntegerField(
            label=_("Valid for (days)"),
            min_value=1,
            max_value=settings.API_TOKEN_DAYS,
            initial=settings.API_TOKEN_DAYS,
        )
