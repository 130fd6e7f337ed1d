from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from readiness.models import Grouping, Party
from readiness.party_register import PARTY_FILE, grouping_rows, read_party_file
from readiness.services import parties_load, system_user
from tests.factories import UserFactory


@pytest.fixture(scope="module")
def register():
    return {row.code: row for row in read_party_file()}


def test_the_2025_round_has_195_parties(register):
    assert len(register) == 195


@pytest.mark.parametrize(
    "code, name",
    [
        ("VAT", "Holy See"),
        ("NIU", "Niue"),
        ("COK", "Cook Islands"),
        ("PSE", "State of Palestine"),
        ("EUU", "European Union"),
        ("USA", "United States of America"),
        ("GHA", "Ghana"),
        ("THA", "Thailand"),
    ],
)
def test_named_parties_are_present(register, code, name):
    assert register[code].name_en == name
    assert register[code].name_zh


@pytest.mark.parametrize("code", ["IRN", "LBY", "YEM"])
def test_parties_not_in_the_paris_agreement_are_absent(register, code):
    assert code not in register


def test_count_per_m49_region(register):
    counts = Counter(row.region for row in register.values())
    assert counts == {"africa": 53, "americas": 35, "asia": 46, "europe": 45, "oceania": 16}


def test_eu_is_supranational_european_and_in_no_regional_group(register):
    eu = register["EUU"]
    assert eu.is_supranational and eu.region == "europe"
    regional_groups = {row.code for row in grouping_rows() if row.kind == "regional_group"}
    assert not eu.grouping_codes & regional_groups
    assert [code for code, row in register.items() if row.is_supranational] == ["EUU"]


def test_grouping_sizes(register):
    counts = Counter(code for row in register.values() for code in row.grouping_codes)
    assert counts["annex-i"] == 43
    assert counts["eu-member"] == 27
    assert counts["african-group"] == 53
    assert counts["ldc"] == 43  # the 44 LDCs less Yemen
    assert "KAZ" not in [c for c, row in register.items() if "annex-i" in row.grouping_codes]


def test_every_party_has_a_chinese_name_and_sub_region(register):
    assert all(row.name_zh for row in register.values())
    assert all(
        row.subregion_en and row.subregion_zh for row in register.values() if row.code != "EUU"
    )


@pytest.mark.django_db
def test_load_command_is_idempotent(capsys):
    call_command("load_parties")
    assert "195 created" in capsys.readouterr().out
    history_rows = Party.history.count()
    call_command("load_parties")
    assert "0 created, 0 updated, 195 unchanged" in capsys.readouterr().out
    assert Party.objects.count() == 195
    assert Party.history.count() == history_rows
    assert Grouping.objects.count() == 9
    ghana = Party.objects.get(code="GHA")
    assert set(ghana.groupings.values_list("code", flat=True)) == {"african-group"}
    assert ghana.history.first().history_user.username == "system"


@pytest.mark.django_db
def test_load_updates_changed_rows_with_history():
    actor = system_user()
    rows = read_party_file()
    parties_load(actor=actor, parties=rows, groupings=grouping_rows())
    renamed = [row if row.code != "GHA" else row.__class__(**{**row.__dict__, "name_en": "Gh"})
               for row in rows]  # fmt: skip
    summary = parties_load(actor=actor, parties=renamed, groupings=grouping_rows())
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 194)
    ghana = Party.objects.get(code="GHA")
    assert ghana.name_en == "Gh"
    assert ghana.history.first().history_change_reason == "Party register update"


@pytest.mark.django_db
def test_load_is_refused_to_a_user_without_the_round_admin_role():
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        parties_load(actor=UserFactory(), parties=read_party_file(), groupings=grouping_rows())
    assert not Party.objects.exists()


def _write(tmp_path, body: str):
    header = PARTY_FILE.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "parties.csv"
    path.write_text(header + "\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "line, message",
    [
        ("GHA,GH,288,Ghana,加纳,mars,Western Africa,西非,african,0,0,0,0,0", "unknown region"),
        ("GH1,GH,288,Ghana,加纳,africa,Western Africa,西非,african,0,0,0,0,0", "alpha-3"),
        ("GHA,GH,288,Ghana,加纳,africa,Western Africa,西非,african,2,0,0,0,0", "must be 0 or 1"),
        ("GHA,GH,288,Ghana,加纳,africa,Western Africa,西非,moon,0,0,0,0,0", "UNFCCC group"),
    ],
)
def test_bad_register_rows_are_reported_with_their_line(tmp_path, line, message):
    with pytest.raises(ValidationError, match=f"Line 2: .*{message}"):
        read_party_file(_write(tmp_path, line + "\n"))


def test_duplicate_codes_are_reported(tmp_path):
    line = "GHA,GH,288,Ghana,加纳,africa,Western Africa,西非,african,0,0,0,0,0\n"
    with pytest.raises(ValidationError, match="Duplicate Party codes: GHA"):
        read_party_file(_write(tmp_path, line * 2))
