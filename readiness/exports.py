"""Open data for a published round: results per Party, aggregates, the evidence register
(approved, non-confidential evidence only) and the methodology, as CSV, XLSX and JSON, and a
data package (zip) with a datapackage.json descriptor, a README and SHA-256 checksums."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from readiness import result_rates, spreadsheet_cells
from readiness.models import AggregateResult, GradeBand, PartyResult
from readiness.results import pillars_of, with_listed
from readiness.selectors import listed_parties, pillars_with_methodology

FORMATS = ("csv", "xlsx", "json")


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    columns: list[str]
    rows: Iterator[list]
    descriptions: dict[str, str] = field(default_factory=dict)


def _party_result_columns(shape: result_rates.Structure) -> dict[str, str]:
    """Column → description; the API's pillar and sub-pillar fields, one column per code."""
    columns = {"code": "", "name_en": "", "name_zh": "", "region": "", "subregion": "",
               "grade": "", "total_rate": ""}  # fmt: skip
    for pillar, subs in shape.pillars.items():
        listed = ", ".join(code for code, _top in subs)
        columns[f"rate_{pillar}"] = f"{result_rates.PILLAR_RATE} Sub-pillars: {listed}."
        columns[f"points_{pillar}"] = result_rates.PILLAR_POINTS
        columns[f"max_points_{pillar}"] = result_rates.PILLAR_MAX_POINTS
    for subs in shape.pillars.values():
        for code, top in subs:
            columns[f"level_{code}"] = f"{result_rates.SUB_PILLAR_LEVEL} max_level: {top}."
            columns[f"rate_{code}"] = f"{result_rates.SUB_PILLAR_RATE} max_level: {top}."
    return columns


def _party_results(assessment_round) -> Dataset:
    shape = result_rates.structure(assessment_round)
    described = _party_result_columns(shape)

    def rows():
        # names and region as the round shows them: its snapshot once it is published
        listed = listed_parties(assessment_round)
        results = PartyResult.objects.filter(round=assessment_round).select_related("party")
        shown = with_listed(assessment_round, results.order_by("party__code"), listed)
        for r in result_rates.with_rates(assessment_round, shown, shape):
            party = r.listed
            row = {"code": party.code, "name_en": party.name_en, "name_zh": party.name_zh,
                   "region": party.region, "subregion": party.subregion_en, "grade": r.grade,
                   "total_rate": str(r.total_rate)}  # fmt: skip
            for pillar, subs in shape.pillars.items():
                published = r.pillar_results.get(pillar, {})
                row[f"rate_{pillar}"] = published.get("rate")
                row[f"points_{pillar}"] = published.get("points")
                row[f"max_points_{pillar}"] = published.get("max_points")
                for code, top in subs:
                    level = r.sub_pillar_results.get(code, {}).get("level", 0)
                    row[f"level_{code}"] = level
                    row[f"rate_{code}"] = result_rates.six_places(level, top)
            yield [row[column] for column in described]

    return Dataset("party-results", "Results per Party", list(described), rows(),
                   {column: text for column, text in described.items() if text})  # fmt: skip


def _aggregates(assessment_round) -> Dataset:
    pillar_codes = [p.code for p in pillars_of(assessment_round)]
    grades = list(
        GradeBand.objects.filter(round=assessment_round)
        .order_by("-min_total_rate")
        .values_list("grade", flat=True)
    )
    columns = ["set", "party_count", "total_asr", *[f"asr_{c}" for c in pillar_codes]]
    columns += [f"grade_{grade}" for grade in grades]

    def rows():
        for a in AggregateResult.objects.filter(round=assessment_round).order_by("key"):
            yield [
                a.key, a.party_count, str(a.total_asr) if a.total_asr is not None else None,
                *[a.pillar_asr.get(code) for code in pillar_codes],
                *[a.grade_counts.get(grade, 0) for grade in grades],
            ]  # fmt: skip

    return Dataset("aggregates", "Pillar ASR and grade counts per set of Parties", columns, rows())


def _evidence_register(assessment_round) -> Dataset:
    from submissions.models import Evidence, EvidenceStatus

    columns = ["evidence_id", "party", "sub_pillar", "awarded_level", "narrative",
               "source_urls", "facts", "documents", "approved_version"]  # fmt: skip

    def rows():
        evidence = (
            Evidence.objects.filter(
                round=assessment_round, status=EvidenceStatus.APPROVED, is_confidential=False
            )
            .select_related("party", "sub_pillar")
            .prefetch_related("documents")
            .order_by("party__code", "sub_pillar__code")
        )
        for e in evidence.iterator(chunk_size=500):
            documents = "; ".join(f"{d.original_name} sha256:{d.sha256}" for d in e.documents.all())
            yield [
                e.pk, e.party.code, e.sub_pillar.code, e.awarded_level, e.narrative,
                " ".join(e.source_urls), json.dumps(e.facts, ensure_ascii=False, sort_keys=True),
                documents, e.version,
            ]  # fmt: skip

    return Dataset("evidence", "Evidence register (approved, non-confidential)", columns, rows())


def _methodology(assessment_round) -> Dataset:
    columns = ["pillar", "pillar_name_en", "pillar_name_zh", "weight", "sub_pillar"]
    columns += ["sub_pillar_name_en", "sub_pillar_name_zh", "score", "label_en", "label_zh"]

    def rows():
        for pillar in pillars_with_methodology(assessment_round):
            for sub in pillar.sub_pillars.all():
                for level in sub.levels.all():
                    yield [
                        pillar.code, pillar.name_en, pillar.name_zh, str(pillar.weight), sub.code,
                        sub.name_en, sub.name_zh, level.score, level.label_en, level.label_zh,
                    ]  # fmt: skip
        for band in GradeBand.objects.filter(round=assessment_round).order_by("-min_total_rate"):
            yield [
                "GRADE", band.grade, "", "", "", band.label_en, band.label_zh,
                str(band.min_total_rate),
                str(band.min_pillar_rate) if band.min_pillar_rate is not None else "", "",
            ]  # fmt: skip

    return Dataset("methodology", "Methodology: levels per sub-pillar, then grade bands", columns,
                   rows())  # fmt: skip


DATASETS = {
    "party-results": _party_results,
    "aggregates": _aggregates,
    "evidence": _evidence_register,
    "methodology": _methodology,
}


def csv_lines(dataset: Dataset) -> Iterator[str]:
    """The dataset as CSV, line by line (for streaming), UTF-8 with a BOM for spreadsheets."""
    return spreadsheet_cells.csv_lines(dataset.columns, dataset.rows)


def xlsx_bytes(dataset: Dataset) -> bytes:
    return spreadsheet_cells.xlsx_bytes(dataset.name, dataset.columns, dataset.rows)


def json_bytes(dataset: Dataset) -> bytes:
    records = [dict(zip(dataset.columns, row, strict=True)) for row in dataset.rows]
    return json.dumps(records, ensure_ascii=False, indent=1).encode()


README = """# {name}: open data

Published results of the Article 6 readiness assessment "{name}" (round `{slug}`).

Files (CSV, UTF-8; the same tables as JSON):
{files}

Rates are fractions between 0 and 1 with six decimals. Levels are the awarded score of each
sub-pillar (0 = none). Only approved, non-confidential evidence is included. SHA256SUMS lists
the checksum of every file; datapackage.json describes the tables and each column.

In party-results, `rate_<sub-pillar>` is `level_<sub-pillar>` over the sub-pillar's maximum
level (its highest score in methodology), and `rate_<pillar>` is the mean of its sub-pillars'
rates: the pillar's figure. `points_<pillar>` and `max_points_<pillar>` are the sums of its
sub-pillars' awarded and maximum levels; the pillar's rate is the mean of its sub-pillar
rates, not points/max_points (the two differ where the sub-pillars' maxima differ: in
methodology v1, a level 1 of 2 in IMP-1 alone is 1/9 of IMP's points but an IMP rate of 1/12).
"""


def _field(column: str, dataset: Dataset) -> dict:
    description = dataset.descriptions.get(column)
    return {"name": column, "description": description} if description else {"name": column}


def data_package(assessment_round) -> bytes:
    """A zip: one CSV and one JSON per dataset, datapackage.json, README.md and SHA256SUMS."""
    files: dict[str, bytes] = {}
    resources = []
    for name, build in DATASETS.items():
        dataset = build(assessment_round)
        rows = list(dataset.rows)
        table = Dataset(dataset.name, dataset.title, dataset.columns, iter(rows))
        files[f"{name}.csv"] = "".join(csv_lines(table)).encode()
        files[f"{name}.json"] = json_bytes(
            Dataset(name, dataset.title, dataset.columns, iter(rows))
        )
        resources.append(
            {
                "name": name,
                "title": dataset.title,
                "path": f"{name}.csv",
                "format": "csv",
                "encoding": "utf-8-sig",
                "hash": "sha256:" + hashlib.sha256(files[f"{name}.csv"]).hexdigest(),
                "schema": {"fields": [_field(column, dataset) for column in dataset.columns]},
            }
        )
    descriptor = {
        "profile": "tabular-data-package",
        "name": f"article6-readiness-{assessment_round.slug}",
        "title": assessment_round.name,
        "created": assessment_round.published_at.isoformat() if assessment_round.published_at
        else None,
        "resources": resources,
    }  # fmt: skip
    files["datapackage.json"] = json.dumps(descriptor, ensure_ascii=False, indent=1).encode()
    files["README.md"] = README.format(
        name=assessment_round.name,
        slug=assessment_round.slug,
        files="\n".join(f"- {r['path']}: {r['title']}" for r in resources),
    ).encode()
    manifest = "".join(
        f"{hashlib.sha256(content).hexdigest()}  {path}\n"
        for path, content in sorted(files.items())
    )
    files["SHA256SUMS"] = manifest.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    return buffer.getvalue()
