"""Reads the reviewed Party register (readiness/data/parties.csv, see data/SOURCES.md)."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

from readiness.models import GroupingKind, Region

PARTY_FILE = Path(__file__).resolve().parent / "data" / "parties.csv"

# code, kind, English name, Chinese name; the CSV column that marks membership
REGIONAL_GROUPS = {
    "african": ("african-group", "African Group", "非洲国家集团"),
    "asia_pacific": ("asia-pacific-group", "Asia-Pacific Group", "亚洲－太平洋国家集团"),
    "eeg": ("eastern-european-group", "Eastern European Group", "东欧国家集团"),
    "grulac": ("grulac", "Latin American and Caribbean Group", "拉丁美洲和加勒比国家集团"),
    "weog": ("weog", "Western European and Others Group", "西欧和其他国家集团"),
}
CATEGORIES = {
    "ldc": ("ldc", "Least developed countries (LDCs)", "最不发达国家"),
    "sids": ("sids", "Small island developing States (SIDS)", "小岛屿发展中国家"),
    "annex_i": ("annex-i", "Annex I Parties", "附件一缔约方"),
    "eu_member": ("eu-member", "EU member States", "欧盟成员国"),
}


@dataclass(frozen=True)
class GroupingRow:
    code: str
    kind: str
    name_en: str
    name_zh: str
    order: int


@dataclass(frozen=True)
class PartyRow:
    code: str
    iso2: str
    iso_numeric: str
    name_en: str
    name_zh: str
    region: str
    subregion_en: str
    subregion_zh: str
    is_supranational: bool
    grouping_codes: frozenset[str]


def grouping_rows() -> list[GroupingRow]:
    rows = [
        GroupingRow(code, GroupingKind.REGIONAL_GROUP, name_en, name_zh, order)
        for order, (code, name_en, name_zh) in enumerate(REGIONAL_GROUPS.values())
    ]
    rows += [
        GroupingRow(code, GroupingKind.CATEGORY, name_en, name_zh, order)
        for order, (code, name_en, name_zh) in enumerate(CATEGORIES.values())
    ]
    return rows


def _flag(record: dict, column: str, line: int) -> bool:
    value = record[column].strip()
    if value not in {"0", "1"}:
        raise ValidationError(f"Line {line}: column {column} must be 0 or 1, not “{value}”.")
    return value == "1"


def _party_row(record: dict, line: int) -> PartyRow:
    code = record["code"].strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(f"Line {line}: “{code}” is not an alpha-3 code.")
    if record["region"] not in Region.values:
        raise ValidationError(f"Line {line}: unknown region “{record['region']}”.")
    groupings = {code for column, (code, *_) in CATEGORIES.items() if _flag(record, column, line)}
    regional_group = record["unfccc_group"].strip()
    if regional_group:
        if regional_group not in REGIONAL_GROUPS:
            raise ValidationError(f"Line {line}: unknown UNFCCC group “{regional_group}”.")
        groupings.add(REGIONAL_GROUPS[regional_group][0])
    return PartyRow(
        code=code,
        iso2=record["iso2"].strip(),
        iso_numeric=record["iso_numeric"].strip(),
        name_en=record["name_en"].strip(),
        name_zh=record["name_zh"].strip(),
        region=record["region"],
        subregion_en=record["subregion"].strip(),
        subregion_zh=record["subregion_zh"].strip(),
        is_supranational=_flag(record, "supranational", line),
        grouping_codes=frozenset(groupings),
    )


def read_party_file(path: Path = PARTY_FILE) -> list[PartyRow]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [_party_row(record, line) for line, record in enumerate(csv.DictReader(handle), 2)]
    codes = [row.code for row in rows]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValidationError(f"Duplicate Party codes: {', '.join(duplicates)}.")
    return rows
