"""Validation of the typed facts that evidence records for a sub-pillar (its FactFields), and the
strict reading of the yes/no answers that the import accepts. Every wrong value is a validation
error naming the fact, whatever its type (a number for a list of Parties, a dict, a bool for a
number, a NUL byte): never a server error, never a value quietly dropped."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from readiness.models import FactField, FactKind, Party

MAX_SOURCE_URLS = 20
MAX_FACT_INTEGER = 1_000_000
MAX_PARTY_LIST = 250  # more than there are Parties
WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PARTY_CODE = re.compile(r"[A-Z]{3}")

# The answers a yes/no cell may hold, in English and Chinese, compared case-insensitively.
TRUE_WORDS = frozenset({"yes", "true", "1", "是", "真"})
FALSE_WORDS = frozenset({"no", "false", "0", "否", "假"})


def parse_yes_no(text: str) -> bool | None:
    """True or False for a recognised answer, None for anything else (empty included)."""
    word = (text or "").strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def has_nul(value) -> bool:
    """Whether a text, or any text inside a list or dict, holds a NUL byte (which PostgreSQL
    cannot store in text or JSON)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return False


def _whole_number(label: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(_("{label}: enter a whole number.").format(label=label))
    if isinstance(value, str):
        text = value.strip()
        if not WHOLE_NUMBER.fullmatch(text):
            raise ValidationError(_("{label}: enter a whole number.").format(label=label))
        value = int(text)
    if value < 0:
        raise ValidationError(_("{label}: the number cannot be negative.").format(label=label))
    if value > MAX_FACT_INTEGER:
        raise ValidationError(
            _("{label}: at most {n}.").format(label=label, n=f"{MAX_FACT_INTEGER:,}")
        )
    return value


def _date(label: str, value) -> str:
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValidationError(_("{label}: enter a date as YYYY-MM-DD.").format(label=label))


def _party_codes(label: str, value) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(code, str) for code in value):
        raise ValidationError(
            _("{label}: give a list of Party codes, e.g. JPN, CHE.").format(label=label)
        )
    if len(value) > MAX_PARTY_LIST or has_nul(value):
        raise ValidationError(_("{label}: not a list of Party codes.").format(label=label))
    codes = sorted({code.strip().upper() for code in value if code.strip()})
    well_formed = [code for code in codes if PARTY_CODE.fullmatch(code)]
    known = set(Party.objects.filter(code__in=well_formed).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError(
            _("{label}: unknown Party codes {codes}.").format(label=label, codes=unknown)
        )
    return codes


def _clean_value(field: FactField, value):
    label = field.label
    if field.kind == FactKind.CHOICE:
        allowed = [choice["value"] for choice in field.choices]
        if not isinstance(value, str) or value not in allowed:
            raise ValidationError(
                _("{label}: choose one of {allowed}.").format(label=label, allowed=allowed)
            )
        return value
    if field.kind == FactKind.INTEGER:
        return _whole_number(label, value)
    if field.kind == FactKind.BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError(_("{label}: answer yes or no.").format(label=label))
        return value
    if field.kind == FactKind.DATE:
        return _date(label, value)
    if field.kind == FactKind.PARTY_LIST:
        return _party_codes(label, value)
    raise ValidationError(_("{label}: unsupported fact type.").format(label=label))


def clean_facts(fields: list[FactField], raw: dict, claimed_level: int | None) -> dict:
    """The facts, typed and checked, with every problem at once (per fact: `fact_<key>`).
    Unknown keys are refused, and so is a fact given at a level it does not apply to (it
    would otherwise be lost without a word). `claimed_level` None: the level itself is
    wrong, so only the values are checked."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"facts": _("Facts must be an object of fact names and values.")})
    errors, cleaned = {}, {}
    unknown = set(raw) - {field.key for field in fields}
    if unknown:
        names = sorted(str(key).replace("\x00", "") for key in unknown)
        errors["facts"] = [_("Unknown facts: {keys}.").format(keys=names)]
    for field in fields:
        value = raw.get(field.key)
        if value in (None, "", []):
            continue
        try:
            cleaned[field.key] = _clean_value(field, value)
        except ValidationError as error:
            errors[f"fact_{field.key}"] = error.messages
            continue
        if claimed_level is not None and claimed_level < field.min_level:
            errors[f"fact_{field.key}"] = [
                _("{label} applies from level {min} up; leave it empty for level {level}.").format(
                    label=field.label, min=field.min_level, level=claimed_level
                )
            ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def missing_required_facts(fields: list[FactField], facts: dict, claimed_level: int) -> list[str]:
    return [
        field.label
        for field in fields
        if field.required and claimed_level >= field.min_level and field.key not in facts
    ]


def clean_source_urls(urls: list[str]) -> list[str]:
    validate = URLValidator(schemes=["http", "https"])
    cleaned, bad = [], []
    for url in urls or []:
        if not isinstance(url, str):
            bad.append(str(url))
            continue
        url = url.strip()
        if not url:
            continue
        try:
            if has_nul(url):
                raise ValidationError("NUL")
            validate(url)
        except ValidationError:
            bad.append(url.replace("\x00", ""))
            continue
        if url not in cleaned:
            cleaned.append(url)
    messages = [_("“{url}” is not a valid http(s) link.").format(url=url) for url in bad]
    if len(cleaned) > MAX_SOURCE_URLS:
        messages.append(_("At most {n} source links.").format(n=MAX_SOURCE_URLS))
    if messages:
        raise ValidationError({"source_urls": messages})
    return cleaned
