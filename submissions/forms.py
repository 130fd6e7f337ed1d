from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from readiness.models import FactKind, SubPillar

FACT_PREFIX = "fact_"


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form: per field where the form has that field,
    otherwise at the top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _fact_field(fact) -> forms.Field:
    common = {"label": fact.label, "required": False}
    if fact.kind == FactKind.CHOICE:
        choices = [("", "—")] + [(c["value"], fact.choice_label(c["value"])) for c in fact.choices]
        return forms.ChoiceField(choices=choices, **common)
    if fact.kind == FactKind.INTEGER:
        return forms.IntegerField(min_value=0, **common)
    if fact.kind == FactKind.BOOLEAN:
        return forms.TypedChoiceField(
            choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
            coerce=lambda value: value == "yes",
            empty_value=None,
            **common,
        )
    if fact.kind == FactKind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(
        help_text=_("Alpha-3 codes separated by commas, e.g. JPN, CHE, SGP."), **common
    )


class EvidenceForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    claimed_level = forms.TypedChoiceField(label=_("Claimed level"), coerce=int)
    narrative = forms.CharField(
        label=_("Narrative"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("What exists, since when, and how it meets the claimed level."),
    )
    source_urls = forms.CharField(
        label=_("Source links"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One http(s) link per line."),
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential (never shown to the public)"), required=False
    )

    def __init__(self, *args, sub_pillar: SubPillar, **kwargs):
        super().__init__(*args, **kwargs)
        self.fact_fields = list(sub_pillar.facts.all())
        self.fields["claimed_level"].choices = [
            (level.score, f"{level.score} · {level.label}") for level in sub_pillar.levels.all()
        ]
        for fact in self.fact_fields:
            self.fields[FACT_PREFIX + fact.key] = _fact_field(fact)

    @classmethod
    def initial_from(cls, evidence) -> dict:
        initial = {
            "expected_version": evidence.version,
            "claimed_level": evidence.claimed_level,
            "narrative": evidence.narrative,
            "source_urls": "\n".join(evidence.source_urls),
            "is_confidential": evidence.is_confidential,
        }
        for key, value in evidence.facts.items():
            if isinstance(value, list):
                value = ", ".join(value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            initial[FACT_PREFIX + key] = value
        return initial

    def fact_bound_fields(self):
        return [self[FACT_PREFIX + fact.key] for fact in self.fact_fields]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        facts = {}
        for fact in self.fact_fields:
            value = data.get(FACT_PREFIX + fact.key)
            if fact.kind == FactKind.DATE and value:
                value = value.isoformat()
            if fact.kind == FactKind.PARTY_LIST:
                value = [code.strip() for code in (value or "").split(",") if code.strip()]
            if value not in (None, "", []):
                facts[fact.key] = value
        return {
            "claimed_level": data["claimed_level"],
            "narrative": data["narrative"],
            "source_urls": data["source_urls"].splitlines(),
            "is_confidential": data["is_confidential"],
            "facts": facts,
        }


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Add a document"))

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = filesizeformat(settings.EVIDENCE_UPLOAD_MAX_BYTES)
        self.fields["file"].help_text = _(
            "PDF, DOCX, XLSX, ODT, ODS, CSV, TXT, PNG or JPEG, up to {size}."
        ).format(size=self.limit)
        # The upload handler dropped the file while it streamed in: say so, not "required".
        self.too_large = too_large
        self.fields["file"].required = not too_large

    def clean(self):
        if self.too_large:
            raise ValidationError(
                {"file": _("The file is larger than the limit of {size}.").format(size=self.limit)}
            )
        return super().clean()


class EvidenceActionForm(forms.Form):
    """Submit or withdraw: the version the user saw, and an optional reason."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in template (CSV or XLSX)"),
        help_text=_("One row per Party and sub-pillar; every row is checked before any is saved."),
    )
    withdraw_pending = forms.BooleanField(
        label=_("Withdraw evidence waiting for review that a row replaces"),
        required=False,
        help_text=_(
            "Without this, a row for a Party and sub-pillar whose evidence waits for review is "
            "refused. With it, that evidence is withdrawn in your name (the history says so) and "
            "the row's evidence takes its place in the queue."
        ),
    )
