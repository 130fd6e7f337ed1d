"""Bulk import of evidence from a CSV or XLSX file built on the template: every row is checked
and every problem reported (row, column, reason) before anything is saved; then all rows are
saved, as submitted evidence with the importer as submitter, or none."""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from readiness import policy, spreadsheet_cells
from readiness.exceptions import Conflict
from readiness.history import tracked_bulk_create, tracked_save
from readiness.models import AssessmentRound, FactField, FactKind, Party, SubPillar, User
from submissions import facts as fact_rules
from submissions import rules
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


EXAMPLE_ROW = ["GHA", "REG-1", 2, "Draft regulations published in March.",
               "https://example.org/source", "no"]  # fmt: skip


def template_csv(assessment_round: AssessmentRound) -> bytes:
    columns = template_columns(assessment_round)
    return "".join(spreadsheet_cells.csv_lines(columns, [EXAMPLE_ROW])).encode()


def template_xlsx(assessment_round: AssessmentRound) -> bytes:
    columns = template_columns(assessment_round)
    return spreadsheet_cells.xlsx_bytes("evidence", columns, [EXAMPLE_ROW])


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    reason: str


@dataclass
class ImportOutcome:
    created: int = 0
    withdrawn: int = 0
    problems: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class SheetRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, str]


@dataclass
class ImportPlan:
    """What a checked file would do: the evidence to create, and the evidence waiting for
    review that the importer chose to withdraw because a row replaces it."""

    rows: list[Evidence] = field(default_factory=list)
    to_withdraw: list[Evidence] = field(default_factory=list)


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV would hold: whole numbers without ".0", dates as
    YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _rows(uploaded_file, extension: str) -> tuple[list[str], list[SheetRow]]:
    """The header and the non-blank rows, each with its spreadsheet row number. Cells beyond
    the header are kept under the column name "" (a problem of their row)."""
    if extension == "csv":
        text = uploaded_file.read().decode("utf-8-sig")
        raw_rows = list(csv.reader(io.StringIO(text)))
    else:
        sheet = load_workbook(uploaded_file, read_only=True, data_only=True).worksheets[0]
        raw_rows = [
            [_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)
        ]
    if not raw_rows:
        return [], []
    header = [name.strip() for name in raw_rows[0]]
    rows = []
    for number, values in enumerate(raw_rows[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        cells = {name: "" for name in header if name}
        for position, value in enumerate(values):
            name = header[position] if position < len(header) else ""
            if name:
                cells[name] = value
            elif value.strip():
                cells[""] = value
        rows.append(SheetRow(number, cells))
    return header, rows


def read_records(
    uploaded_file, extension: str, assessment_round: AssessmentRound
) -> list[SheetRow]:
    """The file's rows, after the checks that concern the whole file (rows, size, columns)."""
    try:
        header, records = _rows(uploaded_file, extension)
    except (UnicodeDecodeError, csv.Error, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ValidationError(
            {"file": _("The file cannot be read as %(kind)s.") % {"kind": extension.upper()}}
        ) from error
    missing = [c for c in BASE_COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            {"file": _("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)}}
        )
    named = [name for name in header if name]
    doubled = sorted({name for name in named if named.count(name) > 1})
    if doubled:
        raise ValidationError(
            {"file": _("Columns given twice: %(columns)s.") % {"columns": ", ".join(doubled)}}
        )
    unknown = [name for name in named if name not in template_columns(assessment_round)]
    if unknown:
        raise ValidationError(
            {"file": _("Columns not in this round's template: %(columns)s.")
             % {"columns": ", ".join(unknown)}}
        )  # fmt: skip
    if not records:
        raise ValidationError({"file": _("The file has no rows under its header.")})
    if len(records) > MAX_ROWS:
        raise ValidationError({"file": _("At most %(n)s rows per file.") % {"n": MAX_ROWS}})
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


PARTY_SEPARATORS = re.compile(r"[\s,;，、；]+")


def _fact_value(fact: FactField, text: str):
    """A fact cell as the form would send it; None for a yes/no cell that is neither."""
    if fact.kind == FactKind.PARTY_LIST:
        return [code for code in PARTY_SEPARATORS.split(text) if code]
    if fact.kind == FactKind.BOOLEAN:
        return fact_rules.parse_yes_no(text)
    return text


def _column(key: str) -> str:
    """The import column of a rules error key (`fact_<key>` is the column `fact:<key>`)."""
    return "fact:" + key[len("fact_") :] if key.startswith("fact_") else key


class _RowChecker:
    """Checks the rows of one file against one round, for one importer."""

    def __init__(self, *, actor: User, assessment_round: AssessmentRound, withdraw_pending: bool):
        self.actor = actor
        self.round = assessment_round
        self.withdraw_pending = withdraw_pending
        self.parties = {p.code: p for p in Party.objects.filter(rounds=assessment_round)}
        self.sub_pillars = {
            s.code: s
            for s in SubPillar.objects.filter(pillar__round=assessment_round).prefetch_related(
                "levels", "facts"
            )
        }
        self.rivals: dict[tuple[int, int], list[Evidence]] = {}
        for rival in rules.pending_in_round(assessment_round):
            self.rivals.setdefault((rival.party_id, rival.sub_pillar_id), []).append(rival)
        self.seen: set[tuple[int, int]] = set()
        self.plan = ImportPlan()
        self.problems: list[RowProblem] = []

    def check(self, row: SheetRow) -> None:
        found: list[RowProblem] = []

        def problem(column: str, reason: str) -> None:
            found.append(RowProblem(row.number, column, reason))

        cells = {}
        for column, text in row.cells.items():
            if "\x00" in text:
                problem(column or "—", _("contains a NUL character"))
                text = text.replace("\x00", "")
            cells[column] = text.strip()
        if cells.get(""):
            problem("—", _("more cells than the header has columns"))
        party = self.parties.get(cells["party"].upper())
        if party is None:
            problem("party", _("not a Party of this round"))
        elif not policy.can_import_for(self.actor, party):
            problem("party", _("you may not submit evidence for this Party"))
            party = None
        sub = self.sub_pillars.get(cells["sub_pillar"].upper())
        if sub is None:
            problem("sub_pillar", _("not a sub-pillar of this round"))
        confidential = fact_rules.parse_yes_no(cells["confidential"])
        if confidential is None:
            problem("confidential", _("answer yes or no (是 or 否)"))
        level_text = cells["claimed_level"]
        level = int(level_text) if level_text.isascii() and level_text.isdigit() else None
        raw_facts = self._facts(cells, sub, problem)
        content = None
        if sub is None:  # the level and facts depend on the sub-pillar; the rest does not
            if level is None:
                problem("claimed_level", _("enter the level as a whole number"))
            if not cells["narrative"]:
                problem("narrative", _("Write a narrative that explains the claimed level."))
            try:
                fact_rules.clean_source_urls(cells["source_urls"].split())
            except ValidationError as error:
                for message in error.message_dict["source_urls"]:
                    problem("source_urls", message)
        else:
            content = self._content(sub, level, cells, raw_facts, problem)
        if party is not None and sub is not None:
            key = (party.pk, sub.pk)
            if key in self.seen:
                problem("sub_pillar", _("a second row for the same Party and sub-pillar"))
            self.seen.add(key)
            rivals = self.rivals.get(key, [])
            if rivals and not self.withdraw_pending:
                for rival in rivals:
                    problem("sub_pillar", rules.rival_message(rival))
        self.problems.extend(found)
        if found:
            return
        self.plan.to_withdraw.extend(self.rivals.get((party.pk, sub.pk), []))
        self.plan.rows.append(
            Evidence(
                round=self.round, party=party, sub_pillar=sub, is_confidential=confidential,
                status=EvidenceStatus.SUBMITTED, created_by=self.actor, submitted_by=self.actor,
                submitted_at=timezone.now(), **content,
            )
        )  # fmt: skip

    def _content(self, sub: SubPillar, level, cells: dict, raw_facts: dict, problem):
        """The row's content checked by the rules of the form and the API, then what submitting
        needs (also when the content has problems of its own: the cells as they are stand in
        for it). None when there is a problem."""
        content, reported = None, set()
        try:
            content = rules.clean_content(
                sub,
                claimed_level=level,
                narrative=cells["narrative"],
                facts=raw_facts,
                source_urls=cells["source_urls"].split(),
            )
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                reported.add(_column(key))
                for message in messages:
                    problem(_column(key), message)
        checked = content or {
            "claimed_level": 0 if "claimed_level" in reported else level,
            "narrative": cells["narrative"],
            "facts": raw_facts,
            "source_urls": cells["source_urls"].split(),
        }
        missing = rules.submit_problems(sub, checked, has_documents=False)
        for key, messages in missing.items():
            if _column(key) not in reported:
                for message in messages:
                    problem(_column(key), message)
        return None if missing else content

    def _facts(self, cells: dict, sub: SubPillar | None, problem) -> dict:
        """The row's fact cells as values for the rules; a value in a column that is not a fact
        of the row's sub-pillar is a problem, not ignored."""
        facts = {fact.key: fact for fact in sub.facts.all()} if sub else {}
        raw = {}
        for column, text in cells.items():
            if not column.startswith("fact:") or not text:
                continue
            fact = facts.get(column[len("fact:") :])
            if fact is None:
                if sub is not None:
                    problem(
                        column,
                        _("{code} has no such fact; leave this cell empty").format(code=sub.code),
                    )
                continue
            value = _fact_value(fact, text)
            if value is None:
                problem(column, _("answer yes or no (是 or 否)"))
                continue
            raw[fact.key] = value
        return raw


def check_rows(
    *,
    actor: User,
    assessment_round: AssessmentRound,
    records: list[SheetRow],
    withdraw_pending: bool = False,
    progress=None,
) -> tuple[ImportPlan, list[RowProblem]]:
    """Checks every row by the rules of the form and the API (submissions.rules), reporting
    every problem of every row; returns what saving would do and the problems. A row for a
    Party and sub-pillar with evidence waiting for review is refused, unless `withdraw_pending`:
    then that evidence is withdrawn when the rows are saved. `progress`, if given, is called now
    and then with the number of rows checked so far."""
    checker = _RowChecker(
        actor=actor, assessment_round=assessment_round, withdraw_pending=withdraw_pending
    )
    step = max(len(records) // 50, 1)
    for index, row in enumerate(records):
        if progress and index and index % step == 0:
            progress(index)
        checker.check(row)
    if progress:
        progress(len(records))
    return checker.plan, checker.problems


def _withdraw_replaced(*, actor: User, plan: ImportPlan, source_name: str) -> int:
    """Withdraws the pending evidence that the importer chose to replace, each with a history
    row saying who did it and why. Refuses if one was decided since the rows were checked."""
    ids = [rival.pk for rival in plan.to_withdraw]
    locked = Evidence.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    for rival in locked:
        if rival.status != EvidenceStatus.SUBMITTED:
            raise Conflict(
                _("Evidence #{pk} was decided or withdrawn while the file was checked; import "
                  "the file again.").format(pk=rival.pk)
            )  # fmt: skip
        rival.status = EvidenceStatus.WITHDRAWN
        rival.version += 1
        tracked_save(
            rival,
            actor=actor,
            reason=f"withdrawn: replaced by the import of {source_name} by {actor.get_username()}",
        )
    return len(ids)


def save_rows(
    *, actor: User, assessment_round: AssessmentRound, plan: ImportPlan, source_name: str
) -> tuple[int, int]:
    """Saves a checked file (in the caller's transaction, with the round locked): withdraws
    the pending evidence it replaces, creates its rows as submitted evidence, and tells the
    reviewers once, after commit. Returns (created, withdrawn)."""
    withdrawn = _withdraw_replaced(actor=actor, plan=plan, source_name=source_name)
    created = tracked_bulk_create(
        Evidence, plan.rows, actor=actor, reason=f"imported from {source_name}"
    )
    notify_reviewers_of_import(assessment_round, len(created))  # an outbox row, same transaction
    return len(created), withdrawn


@transaction.atomic
def evidence_import(
    *, actor: User, assessment_round: AssessmentRound, uploaded_file, withdraw_pending=False
) -> ImportOutcome:
    """Checks every row; saves all of them as submitted evidence, or nothing. In the request:
    for files up to settings.EVIDENCE_IMPORT_BACKGROUND_ROWS (larger ones go through
    submissions.import_jobs). `withdraw_pending`: the importer's explicit choice to withdraw
    evidence waiting for review that a row replaces (otherwise such a row is refused)."""
    upload = validate_upload(uploaded_file)
    if upload.extension not in ("csv", "xlsx"):
        raise ValidationError({"file": _("Import a CSV or XLSX file built on the template.")})
    assessment_round = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    require_round_accepts(assessment_round, review_too=False)
    records = read_records(uploaded_file, upload.extension, assessment_round)
    plan, problems = check_rows(actor=actor, assessment_round=assessment_round,
                                records=records, withdraw_pending=withdraw_pending)  # fmt: skip
    if problems:
        return ImportOutcome(problems=problems)
    created, withdrawn = save_rows(actor=actor, assessment_round=assessment_round, plan=plan,
                                   source_name=upload.original_name)  # fmt: skip
    return ImportOutcome(created=created, withdrawn=withdrawn)
