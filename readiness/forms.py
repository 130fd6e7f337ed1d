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


def _codes(text: str) -> list[str]:
    return sorted({code.strip().upper() for code in text.replace(",", " ").split() if code.strip()})


class RoundCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(label=_("Short name in addresses"), max_length=60)
    copy_from = forms.ModelChoiceField(
        label=_("Copy methodology and Parties from"),
        queryset=None,
        required=False,
        empty_label=_("Nothing: start from methodology v1 with every Party"),
    )
    exclude = forms.CharField(
        label=_("Leave out these Parties"),
        required=False,
        help_text=_("Alpha-3 codes separated by spaces or commas, e.g. USA."),
    )
    data_cutoff = forms.DateField(
        label=_("Data cut-off date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submission_deadline = forms.DateTimeField(
        label=_("Submission deadline (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, **kwargs):
        from readiness.models import AssessmentRound

        super().__init__(*args, **kwargs)
        self.fields["copy_from"].queryset = AssessmentRound.objects.order_by("-slug")

    def clean_exclude(self):
        from readiness.models import Party

        codes = _codes(self.cleaned_data["exclude"])
        found = list(Party.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {party.code for party in found})
        if unknown:
            raise forms.ValidationError(
                _("Unknown Party codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return found


class MembershipForm(forms.Form):
    add = forms.CharField(label=_("Add these Parties"), required=False)
    remove = forms.CharField(label=_("Remove these Parties"), required=False)
    reason = forms.CharField(label=_("Reason (kept in the history)"), max_length=200)

    def clean(self):
        from readiness.models import Party

        cleaned = super().clean()
        for field in ("add", "remove"):
            codes = _codes(cleaned.get(field, ""))
            found = list(Party.objects.filter(code__in=codes))
            unknown = sorted(set(codes) - {party.code for party in found})
            if unknown:
                self.add_error(
                    field, _("Unknown Party codes: %(codes)s.") % {"codes": ", ".join(unknown)}
                )
            cleaned[field] = found
        return cleaned
