from django import forms
from django.utils.translation import gettext_lazy as _

from readiness.models import Region
from readiness.selectors import groupings


class PartyFilterForm(forms.Form):
    SORTS = {
        "name": "name_en",
        "-name": "-name_en",
        "code": "code",
        "-code": "-code",
        "region": "region",
        "-region": "-region",
    }

    q = forms.CharField(label=_("Search"), required=False, max_length=80)
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices]
    )
    grouping = forms.ChoiceField(label=_("Grouping"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("code", _("Code")),
            ("region", _("Region")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grouping"].choices = [("", _("All groupings"))] + [
            (grouping.code, grouping.name) for grouping in groupings()
        ]

    def ordering(self) -> str:
        return self.SORTS.get(self.cleaned_data.get("sort") or "name", "name_en")


class RoundTransitionForm(forms.Form):
    target = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Note for the history (optional)"), required=False, max_length=500
    )
