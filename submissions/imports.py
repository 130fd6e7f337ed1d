"""Bulk import of evidence from a CSV or XLSX file built on the template: every row is checked
and every problem reported (row, column, reason) before anything is saved; then all rows are
saved, as submitted evidence with the importer as submitter, or none."""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from readiness import policy
from readiness.history import tracked_bulk_create
from readiness.models import AssessmentRound, FactField, Party, SubPillar, User
from submissions import facts as fact_rules
from submissions.models import Evidence, EvidenceStatus
from submissions.notifications import notify_reviewers_of_import
from submissions.services import require_round_accepts
from submissions.uploads import validate_upload

BASE_COLUMNS = ["party", "sub_pillar", "claimed_level", "narrative", "source_urls", "confidential"]
MAX_ROWS = 5000


def template_columns(assessment_round: AssessmentRound) -> list[str]:
    keys = FactField.objects.filter(sub_pillar__pillar__round=assessment_round).values_list(
        "key", flat=True
    )
    return BASE_COLUMNS + [f"fact:{key}" for key in sorted(set(keys))]


def template_csv(assessment_round: AssessmentRound) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(template_columns(assessment_round))
    writer.writerow(["GHA", "REG-1", "2", "Draft regulations published in March.",
                     "https://example.org/source", "no"])  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode()


def template_xlsx(assessment_round: AssessmentRound) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "evidence"
    sheet.append(template_columns(assessment_round))
    sheet.append(["GHA", "REG-1", 2, "Draft regulations published in March.",
                  "https://example.org/source", "no"])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    reason: str


@dataclass
class ImportOutcome:
    created: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def _records(uploaded_file, extension: str) -> list[dict]:
    """The file's rows as {column: text}; row numbers as a spreadsheet shows them."""
    if extension == "csv":
        text = uploaded_file.read().decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))
    sheet = load_workbook(uploaded_file, read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(cell or "").strip() for cell in next(rows, [])]
    return [
        {
            name: ("" if value is None else str(value))
            for name, value in zip(header, row, strict=False)
        }
        for row in rows
        if any(value not in (None, "") for value in row)
    ]


def _fact_value(field: FactField, text: str):
    if field.kind == "party_list":
        return [code for code in text.replace(",", " ").split() if code]
    if field.kind == "boolean":
        return text.lower() in {"yes", "true", "1"}
    return text


def read_records(uploaded_file, extension: str) -> list[dict]:
    """The file's rows, after the checks that concern the whole file (rows, size, columns)."""
    try:
        records = _records(uploaded_file, extension)
    except (UnicodeDecodeError, csv.Error, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ValidationError(
            {"file": _("The file cannot be read as %(kind)s.") % {"kind": extension.upper()}}
        ) from error
    if not records:
        raise ValidationError({"file": _("The file has no rows under its header.")})
    if len(records) > MAX_ROWS:
        raise ValidationError({"file": _("At most %(n)s rows per file.") % {"n": MAX_ROWS}})
    missing = [c for c in BASE_COLUMNS if c not in records[0]]
    if missing:
        raise ValidationError(
            {"file": _("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)}}
        )
    return records


def count_rows(uploaded_file) -> int:
    """About how many rows a CSV or XLSX upload has (0 when it cannot tell), to choose between
    importing in the request and in the background. Leaves the file at position 0."""
    extension = (uploaded_file.name or "").rsplit(".", 1)[-1].lower()
    try:
        if extension == "csv":
            text = uploaded_file.read().decode("utf-8-sig")
            return max(sum(1 for _row in csv.reader(io.StringIO(text))) - 1, 0)
        if extension == "xlsx":
            sheet = load_workbook(uploaded_file, read_only=True, data_only=True).worksheets[0]
            rows = sheet.max_row or sum(1 for _row in sheet.iter_rows(values_only=True))
            return max(rows - 1, 0)
    except (UnicodeDecodeError, csv.Error, KeyError, ValueError, zipfile.BadZipFile):
        return 0
    finally:
        uploaded_file.seek(0)
    return 0


def check_rows(
    *, actor: User, assessment_round: AssessmentRound, records: list[dict], progress=None
) -> tuple[list[Evidence], list[RowProblem]]:
    """Checks every row; returns the evidence to create and every problem found. `progress`,
    if given, is called now and then with the number of rows checked so far."""
    parties = {p.code: p for p in Party.objects.filter(rounds=assessment_round)}
    sub_pillars = {
        s.code: s
        for s in SubPillar.objects.filter(pillar__round=assessment_round).prefetch_related(
            "levels", "facts"
        )
    }
    problems, rows, seen = [], [], set()
    step = max(len(records) // 50, 1)
    for index, record in enumerate(records):
        if progress and index and index % step == 0:
            progress(index)
        number = index + 2  # as a spreadsheet numbers it, under the header
        problems_before = len(problems)

        def problem(column: str, reason: str, number=number) -> None:
            problems.append(RowProblem(number, column, reason))

        party = parties.get(record.get("party", "").strip().upper())
        if party is None:
            problem("party", _("not a Party of this round"))
        elif not policy.can_import_for(actor, party):
            problem("party", _("you may not submit evidence for this Party"))
        sub = sub_pillars.get(record.get("sub_pillar", "").strip().upper())
        if sub is None:
            problem("sub_pillar", _("not a sub-pillar of this round"))
        level_text = record.get("claimed_level", "").strip()
        if not level_text.isdigit() or (sub and int(level_text) not in
                                         {lvl.score for lvl in sub.levels.all()}):  # fmt: skip
            problem("claimed_level", _("not a level of this sub-pillar"))
        if not record.get("narrative", "").strip():
            problem("narrative", _("required"))
        if party and sub and (party.pk, sub.pk) in seen:
            problem("sub_pillar", _("a second row for the same Party and sub-pillar"))
        if len(problems) > problems_before:
            continue
        seen.add((party.pk, sub.pk))
        level = int(level_text)
        raw_facts = {
            f.key: _fact_value(f, record.get(f"fact:{f.key}", "").strip())
            for f in sub.facts.all()
            if record.get(f"fact:{f.key}", "").strip()
        }
        try:
            facts = fact_rules.clean_facts(list(sub.facts.all()), raw_facts, level)
            urls = fact_rules.clean_source_urls(record.get("source_urls", "").split())
        except ValidationError as error:
            for column, messages in error.message_dict.items():
                name = column.replace("fact_", "fact:") if column.startswith("fact_") else column
                problem(name, " ".join(messages))
            continue
        rows.append(
            Evidence(
                round=assessment_round, party=party, sub_pillar=sub, claimed_level=level,
                narrative=record["narrative"].strip(), facts=facts, source_urls=urls,
                is_confidential=record.get("confidential", "").strip().lower() in {"yes", "1"},
                status=EvidenceStatus.SUBMITTED, created_by=actor, submitted_by=actor,
                submitted_at=timezone.now(),
            )
        )  # fmt: skip
    if progress:
        progress(len(records))
    return rows, problems


def save_rows(
    *, actor: User, assessment_round: AssessmentRound, rows: list[Evidence], source_name: str
) -> int:
    """Saves checked rows as submitted evidence (in the caller's transaction, with the round
    locked) and tells the reviewers once, through the outbox."""
    created = tracked_bulk_create(
        Evidence, rows, actor=actor, reason=f"imported from {source_name}"
    )
    notify_reviewers_of_import(assessment_round, len(created))
    return len(created)


@transaction.atomic
def evidence_import(
    *, actor: User, assessment_round: AssessmentRound, uploaded_file
) -> ImportOutcome:
    """Checks every row; saves all of them as submitted evidence, or nothing. In the request:
    for files up to settings.EVIDENCE_IMPORT_BACKGROUND_ROWS (larger ones go through
    submissions.import_jobs)."""
    upload = validate_upload(uploaded_file)
    if upload.extension not in ("csv", "xlsx"):
        raise ValidationError({"file": _("Import a CSV or XLSX file built on the template.")})
    assessment_round = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    require_round_accepts(assessment_round, review_too=False)
    records = read_records(uploaded_file, upload.extension)
    rows, problems = check_rows(actor=actor, assessment_round=assessment_round, records=records)
    if problems:
        return ImportOutcome(problems=problems)
    created = save_rows(actor=actor, assessment_round=assessment_round, rows=rows,
                        source_name=upload.original_name)  # fmt: skip
    return ImportOutcome(created=created)
