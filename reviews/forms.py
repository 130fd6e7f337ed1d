import copy

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from readiness.models import Region
from readiness.process_memo import ProcessMemo
from reviews.models import Decision
from reviews.selectors import QueueMenus, queue_menus
from reviews.services import check_decision
from submissions.models import EvidenceStatus


class DecisionForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(value, label) for value, label in Decision.choices if value != Decision.REVOKE],
        widget=forms.RadioSelect,
    )
    awarded_level = forms.TypedChoiceField(
        label=_("Awarded level (for an approval)"), coerce=int, required=False, empty_value=None
    )
    comment = forms.CharField(
        label=_("Comment to the submitter"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("Required when requesting changes or rejecting; it is sent by e-mail."),
    )

    def __init__(self, *args, evidence, **kwargs):
        kwargs.setdefault(
            "initial",
            {"expected_version": evidence.version, "awarded_level": evidence.claimed_level},
        )
        super().__init__(*args, **kwargs)
        self.fields["awarded_level"].choices = [
            (level.score, f"{level.score} · {level.label}")
            for level in evidence.sub_pillar.levels.all()
        ]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Add to the discussion"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking the approval"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class RoundChoiceField(forms.ChoiceField):
    """A round from the menu's choices, validated as a ModelChoiceField over the same rounds
    would be (an id, the same message) without a query of its own; cleans to the round's id."""

    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = None
        if value is None or value not in {pk for pk, _label in self.choices if pk != ""}:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return value

    def validate(self, value):
        forms.Field.validate(self, value)  # to_python checked the choice


_queue_filter_fields = ProcessMemo(size=64)  # choices key -> the form's fields


class QueueFilterForm(forms.Form):
    round = RoundChoiceField(label=_("Round"), required=False)
    pillar = forms.ChoiceField(label=_("Pillar"), required=False)
    sub_pillar = forms.CharField(label=_("Sub-pillar code"), required=False, max_length=10)
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices]
    )
    party = forms.CharField(label=_("Party code"), required=False, max_length=3)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        initial=EvidenceStatus.SUBMITTED,
        choices=[("", _("Any decided or pending"))]
        + [(v, label) for v, label in EvidenceStatus.choices if v != EvidenceStatus.DRAFT],
    )
    older_than_days = forms.IntegerField(
        label=_("Waiting at least (days)"), required=False, min_value=0, max_value=3650
    )
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("oldest", _("Oldest submission first")),
            ("newest", _("Newest submission first")),
            ("party", _("Party")),
            ("sub_pillar", _("Sub-pillar")),
            ("region", _("Region")),
        ],
    )

    def __init__(self, *args, menus: QueueMenus | None = None, **kwargs):
        # The fields, with the menus' choices, are made once per process for each set of
        # menus and shared by the forms made with it (the queue makes one per request, and
        # BaseForm's deep copy of the fields cost more than validating them): nothing changes
        # a field once made — the form, its validation and its fragments only read them.
        # `choices_key` spells out the choices (the other choices are fixed in code); the
        # fragments are keyed by it (reviews/queue_fragments.py).
        menus = menus or queue_menus()
        self.choices_key = (tuple(menus.round_choices), tuple(menus.pillar_codes))
        fields = _queue_filter_fields.get(self.choices_key)
        if fields is None:
            fields = copy.deepcopy(self.base_fields)
            fields["round"].choices = [("", _("All rounds")), *self.choices_key[0]]
            fields["pillar"].choices = [("", _("All pillars"))] + [
                (code, code) for code in self.choices_key[1]
            ]
            _queue_filter_fields.put(self.choices_key, fields)
        self.base_fields = {}  # nothing for BaseForm to copy
        super().__init__(*args, **kwargs)
        self.fields = dict(fields)

    def selector_arguments(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        # Without a status in the query the queue shows what waits for a decision; an empty
        # status means any.
        status = data.get("status", "") if "status" in self.data else EvidenceStatus.SUBMITTED
        return {
            "round_id": data.get("round"),
            "pillar": data.get("pillar", ""),
            "sub_pillar": data.get("sub_pillar", "").upper(),
            "region": data.get("region", ""),
            "party": data.get("party", ""),
            "status": status,
            "older_than_days": data.get("older_than_days"),
            "ordering": data.get("ordering") or "oldest",
        }


class BulkDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision for every selected item"),
        choices=[(value, label) for value, label in Decision.choices if value != Decision.REVOKE],
    )
    comment = forms.CharField(
        label=_("Comment (sent to every submitter)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("Required when requesting changes or rejecting; it is sent by e-mail."),
    )

    def clean(self):
        """The decision's own rules (reviews.services.check_decision), so that the preview
        refuses what the decision would refuse, with the error on the field."""
        data = super().clean()
        if "decision" in data and "comment" in data:
            try:
                data["comment"] = check_decision(data["decision"], data["comment"])
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    party = forms.CharField(label=_("Party code"), required=False, max_length=3)
    source = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        from reviews.audit import SOURCES

        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("All actions")), *SOURCES.items()]


class ReplyForm(forms.Form):
    requested_level = forms.TypedChoiceField(label=_("The level you think is right"), coerce=int)
    statement = forms.CharField(
        label=_("Why"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )

    def __init__(self, *args, sub_pillar, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_level"].choices = [
            (level.score, f"{level.score} · {level.label}") for level in sub_pillar.levels.all()
        ]


class ReplyAnswerForm(forms.Form):
    change = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("no", _("Uphold the awarded level")),
                 ("yes", _("Send the requested level to a new decision"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )  # fmt: skip
    answer = forms.CharField(
        label=_("Answer to the Party"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ReplyWindowForm(forms.Form):
    until = forms.DateTimeField(
        label=_("Right of reply until (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
