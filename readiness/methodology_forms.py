"""Forms of the methodology editor: one per kind of row, and the two sets edited as a whole
(a sub-pillar's levels, a round's grade bands). They check types; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from readiness.models import FactField, Pillar, SubPillar


class PillarForm(forms.ModelForm):
    class Meta:
        model = Pillar
        fields = ["code", "name_en", "name_zh", "weight", "order"]
        labels = {
            "code": _("Code"),
            "name_en": _("Name (English)"),
            "name_zh": _("Name (Chinese)"),
            "weight": _("Weight"),
            "order": _("Position"),
        }
        help_texts = {"weight": _("Pillars' weights are relative: equal weights count equally.")}


class SubPillarForm(forms.ModelForm):
    class Meta:
        model = SubPillar
        fields = ["code", "name_en", "name_zh", "guidance_en", "guidance_zh", "order"]
        labels = {
            "code": _("Code"),
            "name_en": _("Name (English)"),
            "name_zh": _("Name (Chinese)"),
            "guidance_en": _("Guidance for focal points (English)"),
            "guidance_zh": _("Guidance for focal points (Chinese)"),
            "order": _("Position"),
        }
        widgets = {
            "guidance_en": forms.Textarea(attrs={"rows": 3}),
            "guidance_zh": forms.Textarea(attrs={"rows": 3}),
        }


def choices_as_text(choices: list) -> str:
    return "\n".join(
        " | ".join([str(c.get("value", "")), c.get("label_en", ""), c.get("label_zh", "")])
        for c in choices
    )


class FactFieldForm(forms.ModelForm):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "For choice facts only: one choice a line, as value | English label | Chinese label, "
            "e.g. own | Own standard | 自有标准."
        ),
    )

    class Meta:
        model = FactField
        fields = ["key", "label_en", "label_zh", "kind", "choices", "min_level", "required",
                  "order"]  # fmt: skip
        labels = {
            "key": _("Key"),
            "label_en": _("Label (English)"),
            "label_zh": _("Label (Chinese)"),
            "kind": _("Kind"),
            "min_level": _("Applies from level"),
            "required": _("Required"),
            "order": _("Position"),
        }
        help_texts = {
            "key": _("Letters, digits, hyphens and underscores; the column name in imports."),
            "min_level": _("Evidence claiming at least this level fills the fact in."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["choices"] = choices_as_text(self.instance.choices)

    def clean_choices(self) -> list:
        choices = []
        for number, line in enumerate(self.cleaned_data["choices"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) > 3:
                raise forms.ValidationError(
                    _("Line %(n)s: at most three parts, separated by “|”.") % {"n": number}
                )
            value, label_en, label_zh = (parts + ["", ""])[:3]
            choices.append({"value": value, "label_en": label_en or value, "label_zh": label_zh})
        return choices


class LevelForm(forms.Form):
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=20)
    label_en = forms.CharField(label=_("What qualifies (English)"), max_length=200)
    label_zh = forms.CharField(label=_("What qualifies (Chinese)"), max_length=200, required=False)


class BandForm(forms.Form):
    grade = forms.CharField(label=_("Grade"), max_length=2)
    label_en = forms.CharField(label=_("Label (English)"), max_length=60)
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=60, required=False)
    min_total_rate = forms.DecimalField(
        label=_("Minimum total rate"), max_digits=5, decimal_places=4, min_value=0, max_value=1
    )
    min_pillar_rate = forms.DecimalField(
        label=_("Minimum rate in every pillar"),
        max_digits=5,
        decimal_places=4,
        min_value=0,
        max_value=1,
        required=False,
    )

    def clean_grade(self) -> str:
        return self.cleaned_data["grade"].strip().upper()


class RowsFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The rows kept: the existing ones and the filled-in new ones, less those marked for
        removal."""
        return [
            {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        ]


LevelFormSet = forms.formset_factory(LevelForm, formset=RowsFormSet, extra=2, can_delete=True)
BandFormSet = forms.formset_factory(BandForm, formset=RowsFormSet, extra=1, can_delete=True)
