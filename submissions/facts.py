"""Validation of the typed facts that evidence records for a sub-pillar (its FactFields)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from readiness.models import FactField, FactKind, Party

MAX_SOURCE_URLS = 20


def _clean_value(field: FactField, value):
    label = field.label
    if field.kind == FactKind.CHOICE:
        allowed = [choice["value"] for choice in field.choices]
        if value not in allowed:
            raise ValidationError(
                _("{label}: choose one of {allowed}.").format(label=label, allowed=allowed)
            )
        return value
    if field.kind == FactKind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError(_("{label}: enter a whole number.").format(label=label))
        try:
            number = int(value)
        except ValueError:
            raise ValidationError(_("{label}: enter a whole number.").format(label=label)) from None
        if number < 0:
            raise ValidationError(_("{label}: the number cannot be negative.").format(label=label))
        return number
    if field.kind == FactKind.BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError(_("{label}: answer yes or no.").format(label=label))
        return value
    if field.kind == FactKind.DATE:
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationError(
                _("{label}: enter a date as YYYY-MM-DD.").format(label=label)
            ) from None
    if field.kind == FactKind.PARTY_LIST:
        codes = sorted({str(code).strip().upper() for code in value or [] if str(code).strip()})
        known = set(Party.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValidationError(
                _("{label}: unknown Party codes {codes}.").format(label=label, codes=unknown)
            )
        return codes
    raise ValidationError(_("{label}: unsupported fact type.").format(label=label))


def clean_facts(fields: list[FactField], raw: dict, claimed_level: int) -> dict:
    """The facts that apply at the claimed level, typed and checked. Facts of a higher level
    than claimed are dropped; unknown keys are refused."""
    raw = raw or {}
    unknown = set(raw) - {field.key for field in fields}
    if unknown:
        raise ValidationError({"facts": _("Unknown facts: {keys}.").format(keys=sorted(unknown))})
    errors, cleaned = {}, {}
    for field in fields:
        value = raw.get(field.key)
        if claimed_level < field.min_level or value in (None, "", []):
            continue
        try:
            cleaned[field.key] = _clean_value(field, value)
        except ValidationError as error:
            errors[field.key] = error.messages
    if errors:
        raise ValidationError({f"fact_{key}": messages for key, messages in errors.items()})
    return cleaned


def missing_required_facts(fields: list[FactField], facts: dict, claimed_level: int) -> list[str]:
    return [
        field.label
        for field in fields
        if field.required and claimed_level >= field.min_level and field.key not in facts
    ]


def clean_source_urls(urls: list[str]) -> list[str]:
    validate = URLValidator(schemes=["http", "https"])
    cleaned = []
    for url in urls or []:
        url = url.strip()
        if not url:
            continue
        try:
            validate(url)
        except ValidationError:
            raise ValidationError(
                {"source_urls": _("“{url}” is not a valid http(s) link.").format(url=url)}
            ) from None
        if url not in cleaned:
            cleaned.append(url)
    if len(cleaned) > MAX_SOURCE_URLS:
        raise ValidationError(
            {"source_urls": _("At most {n} source links.").format(n=MAX_SOURCE_URLS)}
        )
    return cleaned
