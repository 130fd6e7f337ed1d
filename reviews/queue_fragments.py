"""The review queue's form fields, rendered once per language, query and set of choices.

Django draws every select option through its widget templates: the queue's filter and bulk
fields cost more than the rest of the page together. Their HTML depends only on the language,
the query string (values and errors) and the choices, which the key spells out — so a new
round or pillar gives a new key, never a stale menu."""

import hashlib

from django import forms
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from readiness.process_memo import ProcessMemo
from readiness.release import code_fingerprint

TIMEOUT = 3600

# A memo per process in front of the shared cache (one Redis read less per fragment): an entry
# cannot go stale, because its key spells out everything the HTML depends on, the release
# included (a deploy with new templates never reads the old release's fragments from Redis).
_memo = ProcessMemo(size=512)


def _choices(form) -> list:
    return [
        (name, [(str(value), str(label)) for value, label in getattr(field, "choices", [])])
        for name, field in form.fields.items()
    ]


def fields_html(request, template: str, form, *, query: str = "") -> SafeString:
    """`form` is a bound form, keyed by its choices, or a form class whose choices are fixed
    in code (keyed by the language alone), instantiated only when the fields are drawn."""
    if isinstance(form, forms.BaseForm):
        # A form that spells out its choices (QueueFilterForm.choices_key: those not fixed in
        # code) is keyed by that; any other by all its choices, read once per form (the page
        # draws several fragments of the same form).
        choices = form.__dict__.get("_fragment_choices")
        if choices is None:
            choices = form.__dict__["_fragment_choices"] = (
                (type(form).__qualname__, form.choices_key)
                if hasattr(form, "choices_key")
                else _choices(form)
            )
    else:
        choices = form.__qualname__
    signature = repr((code_fingerprint(), template, get_language(), query, choices))
    key = "review-queue-fields:" + hashlib.sha256(signature.encode()).hexdigest()
    html = _memo.get(key)
    if html is None:
        html = cache.get(key)
        if html is None:
            instance = form if isinstance(form, forms.BaseForm) else form()
            html = render_to_string(template, {"form": instance}, request)
            cache.set(key, html, TIMEOUT)
        _memo.put(key, html)
    return mark_safe(html)  # noqa: S308  (rendered by our own template)
