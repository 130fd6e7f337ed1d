"""Query filters of the API that refuse what they cannot read (a 400 naming the parameter)
instead of ignoring it, as django-filter's own boolean filter does with ?flag=maybe."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TRUE, FALSE = ("true", "True", "1"), ("false", "False", "0")


class StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput  # NullBooleanSelect reads anything unknown as "no filter"

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ValidationError(_("Enter true or false."), code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
