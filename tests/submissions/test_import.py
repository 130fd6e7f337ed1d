import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from readiness.exceptions import RoundLocked
from readiness.models import RoundStatus
from submissions.imports import evidence_import
from submissions.models import Evidence
from tests.factories import round_with_methodology

pytestmark = pytest.mark.django_db

HEADER = "party,sub_pillar,claimed_level,narrative,source_urls,confidential,fact:instrument_type"


def csv_file(*rows: str, name="import.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode())


def test_a_valid_file_is_imported_as_submitted_evidence(
    round_admin, open_round, mailoutbox, reviewer, django_capture_on_commit_callbacks
):
    upload = csv_file(
        "GHA,REG-1,2,Draft regulations.,https://example.org/a,no,regulation",
        "THA,INF-3,1,Report in preparation.,https://example.org/b,yes,",
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = evidence_import(actor=round_admin, assessment_round=open_round,
                                  uploaded_file=upload)  # fmt: skip
    assert (outcome.created, outcome.problems) == (2, [])
    ghana = Evidence.objects.get(party__code="GHA")
    assert (ghana.status, ghana.submitted_by, ghana.facts) == (
        "submitted", round_admin, {"instrument_type": "regulation"},
    )  # fmt: skip
    assert Evidence.objects.get(party__code="THA").is_confidential
    assert ghana.history.get().history_change_reason == "imported from import.csv"
    assert len(mailoutbox) == 1 and "2 pieces of evidence imported" in mailoutbox[0].subject


def test_every_problem_is_reported_with_row_and_column_and_nothing_is_saved(round_admin,
                                                                          open_round):  # fmt: skip
    upload = csv_file(
        "GHA,REG-1,2,Fine row.,https://example.org/a,no,regulation",
        "ZZZ,REG-9,7,,,no,",
        "GHA,REG-1,2,Same sub-pillar again.,,no,",
        "THA,REG-1,2,Bad fact.,ftp://example.org,no,poem",
    )
    outcome = evidence_import(actor=round_admin, assessment_round=open_round, uploaded_file=upload)
    found = {(p.row, p.column) for p in outcome.problems}
    assert {(3, "party"), (3, "sub_pillar"), (3, "narrative"),
            (4, "sub_pillar"), (5, "fact:instrument_type")} <= found  # fmt: skip
    assert outcome.created == 0 and not Evidence.objects.exists()


def test_analysts_import_only_for_their_parties(analyst, open_round):
    upload = csv_file("THA,REG-1,1,Not mine.,https://example.org/a,no,policy")
    outcome = evidence_import(actor=analyst, assessment_round=open_round, uploaded_file=upload)
    assert [(p.row, p.column) for p in outcome.problems] == [(2, "party")]
    assert not Evidence.objects.exists()


def test_xlsx_files_are_read_too(round_admin, open_round):
    workbook = Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.active.append(["GHA", "REG-1", 3, "Adopted.", "https://example.org/a", "no", "law"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("import.xlsx", buffer.getvalue())
    outcome = evidence_import(actor=round_admin, assessment_round=open_round, uploaded_file=upload)
    assert outcome.created == 1
    assert Evidence.objects.get().facts == {"instrument_type": "law"}


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("import.txt", b"party,sub_pillar\n"), "CSV or XLSX"),
        (SimpleUploadedFile("import.csv", b"party,sub_pillar\nGHA,REG-1\n"), "Columns missing"),
        (SimpleUploadedFile("import.csv", (HEADER + "\n").encode()), "no rows"),
    ],
)
def test_unusable_files_are_refused(round_admin, open_round, upload, message):
    with pytest.raises(ValidationError, match=message):
        evidence_import(actor=round_admin, assessment_round=open_round, uploaded_file=upload)


def test_imports_need_an_open_round(round_admin, party):
    closed = round_with_methodology(status=RoundStatus.REVIEW, parties=[party])
    with pytest.raises(RoundLocked):
        evidence_import(actor=round_admin, assessment_round=closed,
                        uploaded_file=csv_file("GHA,REG-1,1,x,,no,"))  # fmt: skip


def test_the_page_lists_the_problems(client, round_admin, open_round):
    client.force_login(round_admin)
    response = client.post(reverse("evidence-import", args=["2026"]),
                           {"file": csv_file("GHA,REG-1,9,Too high.,,no,")})  # fmt: skip
    assert response.status_code == 400
    assert "1 problem; nothing was saved." in response.content.decode()


def test_the_template_has_the_rounds_fact_columns(client, round_admin, open_round):
    client.force_login(round_admin)
    response = client.get(reverse("evidence-import-template", args=["2026", "xlsx"]))
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert header[:3] == ("party", "sub_pillar", "claimed_level")
    assert "fact:standard_basis" in header
