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


# --- The rules of the forms, every problem, nothing replaced silently (issue 13 #10) ---------

from django.utils import translation  # noqa: E402

from readiness.models import FactField, FactKind  # noqa: E402
from reviews.services import review_decide  # noqa: E402
from submissions.forms import EvidenceForm  # noqa: E402
from tests.factories import make_evidence, sub_pillar_of  # noqa: E402

SOURCE = "https://example.org/a"


def import_rows(actor, assessment_round, *rows, header=HEADER, **options):
    upload = SimpleUploadedFile("import.csv", ("\n".join([header, *rows]) + "\n").encode())
    return evidence_import(
        actor=actor, assessment_round=assessment_round, uploaded_file=upload, **options
    )


def problems_of(outcome) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in outcome.problems]


@pytest.mark.parametrize("answer", ["maybe", "", "2", "oui", "yes please", "y"])
def test_confidential_must_be_a_clear_yes_or_no(round_admin, open_round, answer):
    outcome = import_rows(round_admin, open_round, f"GHA,REG-1,2,Draft.,{SOURCE},{answer},law")
    assert problems_of(outcome) == [(2, "confidential")]
    assert outcome.created == 0 and not Evidence.objects.exists()


@pytest.mark.parametrize(
    "answer, confidential",
    [("YES", True), ("True", True), ("1", True), ("是", True), ("真", True),
     ("No", False), ("FALSE", False), ("0", False), ("否", False), ("假", False)],
)  # fmt: skip
def test_yes_and_no_in_both_languages(round_admin, open_round, answer, confidential):
    outcome = import_rows(round_admin, open_round, f"GHA,REG-1,2,Draft.,{SOURCE},{answer},law")
    assert outcome.created == 1, outcome.problems
    assert Evidence.objects.get().is_confidential is confidential


def test_a_boolean_fact_is_read_strictly(round_admin, open_round):
    FactField.objects.create(
        sub_pillar=sub_pillar_of(open_round, "REG-2"), key="public_list", label_en="Public list",
        kind=FactKind.BOOLEAN, min_level=1,
    )  # fmt: skip
    header = HEADER + ",fact:public_list"
    outcome = import_rows(
        round_admin, open_round, f"GHA,REG-2,1,x.,{SOURCE},no,,perhaps",
        f"THA,REG-2,1,x.,{SOURCE},no,,是", header=header,
    )  # fmt: skip
    assert problems_of(outcome) == [(2, "fact:public_list")]
    outcome = import_rows(round_admin, open_round, f"THA,REG-2,1,x.,{SOURCE},no,,是",
                          header=header)  # fmt: skip
    assert Evidence.objects.get().facts == {"public_list": True}


def test_a_fact_on_a_level_it_does_not_apply_to_is_a_problem_not_dropped(round_admin, open_round):
    outcome = import_rows(round_admin, open_round, "GHA,REG-1,0,Nothing yet.,,no,law")
    assert problems_of(outcome) == [(2, "fact:instrument_type")]
    assert "applies from level 1" in outcome.problems[0].reason
    assert not Evidence.objects.exists()


def test_a_value_in_another_sub_pillars_fact_column_is_a_problem(round_admin, open_round):
    header = HEADER + ",fact:standard_basis"
    outcome = import_rows(round_admin, open_round, f"GHA,REG-1,2,x.,{SOURCE},no,law,own",
                          header=header)  # fmt: skip
    assert problems_of(outcome) == [(2, "fact:standard_basis")]
    assert "REG-1 has no such fact" in outcome.problems[0].reason


def test_every_problem_of_a_row_is_listed(round_admin, open_round):
    outcome = import_rows(round_admin, open_round,
                          "ZZZ,REG-1,2,,ftp://example.org/x,maybe,poem")  # fmt: skip
    assert set(problems_of(outcome)) == {
        (2, "party"), (2, "confidential"), (2, "narrative"), (2, "source_urls"),
        (2, "fact:instrument_type"),
    }  # fmt: skip
    assert not Evidence.objects.exists()


def test_a_level_above_none_needs_a_source_as_in_the_api(round_admin, open_round):
    outcome = import_rows(round_admin, open_round, "GHA,REG-1,2,Draft regulation.,,no,law")
    assert [(p.row, p.column, p.reason) for p in outcome.problems] == [
        (2, "source_urls", "Give at least one source link or document for a level above none.")
    ]
    assert not Evidence.objects.exists()


def test_a_required_fact_is_required_as_in_the_form(round_admin, open_round):
    FactField.objects.filter(key="instrument_type").update(required=True)
    outcome = import_rows(round_admin, open_round, f"GHA,REG-1,2,Draft.,{SOURCE},no,")
    assert problems_of(outcome) == [(2, "facts")]
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "row, column",
    [
        ("GHA,REG-1", "claimed_level"),  # a short row: its missing cells are empty, not a crash
        (f"GHA,REG-1,2,Draft.,{SOURCE},no,law,extra", "—"),
        (f"GHA,IMP-3,1,x.,{SOURCE},no,", None),  # a fact cell of IMP-3 below, checked apart
    ],
)
def test_odd_rows_are_problems_not_errors(round_admin, open_round, row, column):
    outcome = import_rows(round_admin, open_round, row)
    if column is None:
        assert outcome.created == 1
        return
    assert (2, column) in problems_of(outcome)
    assert not Evidence.objects.exists()


def test_a_nul_byte_is_refused_and_saves_nothing(round_admin, open_round):
    try:
        outcome = import_rows(round_admin, open_round, f"GHA,REG-1,2,Dra\x00ft.,{SOURCE},no,law")
    except ValidationError as refusal:  # the upload check may refuse the whole file first
        assert "csv" in " ".join(refusal.messages).lower()
    else:
        assert (2, "narrative") in problems_of(outcome)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "value, message",
    [
        ("12.5", "whole number"),
        ("1_000", "whole number"),
        ("99999999999", "whole number"),
        ("5000000", "at most 1,000,000"),
    ],
)
def test_integer_facts_are_read_strictly(round_admin, open_round, value, message):
    header = HEADER.replace("fact:instrument_type", "fact:activities_authorised")
    outcome = import_rows(round_admin, open_round, f"GHA,IMP-3,1,x.,{SOURCE},no,{value}",
                          header=header)  # fmt: skip
    assert problems_of(outcome) == [(2, "fact:activities_authorised")]
    assert message in outcome.problems[0].reason


def test_party_lists_are_read_as_codes(round_admin, open_round, other_party):
    header = HEADER.replace("fact:instrument_type", "fact:counterparts")
    outcome = import_rows(round_admin, open_round, f"GHA,IMP-2,1,x.,{SOURCE},no,5",
                          header=header)  # fmt: skip
    assert problems_of(outcome) == [(2, "fact:counterparts")]
    outcome = import_rows(round_admin, open_round, f'GHA,IMP-2,1,x.,{SOURCE},no,"tha， GHA"',
                          header=header)  # fmt: skip
    assert Evidence.objects.get().facts == {"counterparts": ["GHA", "THA"]}


def test_columns_not_in_the_template_refuse_the_file(round_admin, open_round):
    with pytest.raises(ValidationError, match="Columns not in this round's template: confidentail"):
        import_rows(round_admin, open_round, f"GHA,REG-1,2,x.,{SOURCE},no,law,yes",
                    header=HEADER + ",confidentail")  # fmt: skip
    assert not Evidence.objects.exists()


def test_row_numbers_are_the_spreadsheets_across_blank_rows(round_admin, open_round):
    workbook = Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.active.append(["GHA", "REG-1", 3, "Adopted.", SOURCE, "no", "law"])
    workbook.active.append([None] * 7)
    workbook.active.append(["THA", "REG-1", 2.0, "Draft.", SOURCE, "maybe", "law"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("import.xlsx", buffer.getvalue())
    outcome = evidence_import(actor=round_admin, assessment_round=open_round, uploaded_file=upload)
    assert problems_of(outcome) == [(4, "confidential")]


def test_problems_are_in_the_importers_language(round_admin, open_round):
    with translation.override("zh-hans"):
        outcome = import_rows(round_admin, open_round, "GHA,REG-1,2,Draft.,,maybe,law")
    reasons = {p.column: p.reason for p in outcome.problems}
    assert reasons["confidential"] == "请填写“是”或“否”（yes 或 no）"
    assert reasons["source_urls"] == "申报高于“无”的级别时，请至少提供一个来源链接或文件。"


# Competing with evidence that waits for review


@pytest.fixture
def pending(open_round, party, focal_point):
    return make_evidence(assessment_round=open_round, party=party, author=focal_point,
                         status="submitted", code="REG-1")  # fmt: skip


def test_a_row_competing_with_pending_evidence_is_refused(round_admin, open_round, pending):
    outcome = import_rows(round_admin, open_round, f"GHA,REG-1,3,Adopted.,{SOURCE},no,law")
    assert [(p.row, p.column, p.reason) for p in outcome.problems] == [(
        2, "sub_pillar", f"Evidence #{pending.pk} for GHA REG-1 already waits for review: it "
        "must be decided or withdrawn first.",
    )]  # fmt: skip
    assert Evidence.objects.get() == pending and pending.history.count() == 1
    with translation.override("zh-hans"):
        outcome = import_rows(round_admin, open_round, f"GHA,REG-1,3,Adopted.,{SOURCE},no,law")
    assert outcome.problems[0].reason == (
        f"GHA REG-1 的证据 #{pending.pk} 已在等待审核：须先作出决定或将其撤回。"
    )


def test_the_importer_may_choose_to_withdraw_the_pending_evidence(
    round_admin, reviewer, open_round, pending
):
    outcome = import_rows(round_admin, open_round, f"GHA,REG-1,3,Adopted.,{SOURCE},no,law",
                          withdraw_pending=True)  # fmt: skip
    assert (outcome.created, outcome.withdrawn, outcome.problems) == (1, 1, [])
    pending.refresh_from_db()
    record = pending.history.first()
    assert (pending.status, record.history_user) == ("withdrawn", round_admin)
    assert record.history_change_reason == (
        "withdrawn: replaced by the import of import.csv by round.admin"
    )
    imported = Evidence.objects.get(status="submitted")
    review_decide(actor=reviewer, evidence=imported, decision="approve", expected_version=1)
    assert set(Evidence.objects.values_list("status", flat=True)) == {"approved", "withdrawn"}


def test_a_file_with_problems_withdraws_nothing_even_when_asked(round_admin, open_round, pending):
    outcome = import_rows(
        round_admin, open_round, f"GHA,REG-1,3,Adopted.,{SOURCE},no,law",
        f"THA,REG-1,3,Adopted.,{SOURCE},maybe,law", withdraw_pending=True,
    )  # fmt: skip
    assert problems_of(outcome) == [(3, "confidential")]
    pending.refresh_from_db()
    assert pending.status == "submitted" and Evidence.objects.count() == 1


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_import_page_offers_the_withdrawal_and_says_what_it_did(
    client, round_admin, open_round, pending, language
):
    client.force_login(round_admin)
    client.cookies["django_language"] = language
    url = reverse("evidence-import", args=["2026"])
    row = f"GHA,REG-1,3,Adopted.,{SOURCE},no,law"
    response = client.post(url, {"file": csv_file(row)})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"#{pending.pk}" in page and 'name="withdraw_pending"' in page
    response = client.post(url, {"file": csv_file(row), "withdraw_pending": "on"}, follow=True)
    assert response.status_code == 200
    expected = "已撤回 1 条待审核的证据。" if language == "zh-hans" else (
        "1 pieces of evidence that waited for review were withdrawn.")  # fmt: skip
    assert expected in response.content.decode()
    assert Evidence.objects.get(pk=pending.pk).status == "withdrawn"


# One rule for the form, the API and the import


def test_the_web_form_refuses_a_fact_on_a_level_it_does_not_apply_to(client, focal_point,
                                                                      open_round):  # fmt: skip
    client.force_login(focal_point)
    url = reverse("evidence-create", args=["2026", "GHA", "INF-1"])
    response = client.post(url, {"claimed_level": "1", "narrative": "In development.",
                                 "fact_standard_basis": "own"})  # fmt: skip
    assert response.status_code == 400
    assert "applies from level 2" in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_web_forms_confidential_box_fails_closed(focal_point, open_round):
    form = EvidenceForm({"claimed_level": "1", "is_confidential": "maybe"},
                        sub_pillar=sub_pillar_of(open_round, "REG-1"))  # fmt: skip
    assert form.is_valid() and form.cleaned_data["is_confidential"] is True
