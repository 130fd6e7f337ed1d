import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from readiness.models import RoundStatus
from readiness.recompute import recompute
from tests.factories import PartyFactory, make_document, make_evidence, round_with_methodology

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(party, other_party, focal_point, settings, tmp_path):
    """A published round: Ghana with approved public and confidential evidence, Thailand with
    none, and a small Party that is not on the map."""
    settings.MEDIA_ROOT = tmp_path
    tuvalu = PartyFactory(code="TUV", name_en="Tuvalu", name_zh="图瓦卢", region="oceania",
                          iso_numeric="798")  # fmt: skip
    party.iso_numeric, other_party.iso_numeric = "288", "764"
    party.save()
    other_party.save()
    assessment_round = round_with_methodology(
        slug="2025", name="Assessment 2025", status=RoundStatus.OPEN,
        parties=[party, other_party, tuvalu],
    )  # fmt: skip
    public = make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                           status="approved", code="REG-1", claimed_level=3,
                           narrative="Article 6 decree adopted in 2024.",
                           facts={"instrument_type": "law"})  # fmt: skip
    make_document(public, focal_point, name="decree.txt")
    make_evidence(assessment_round=assessment_round, party=party, author=focal_point,
                  status="approved", code="INF-1", is_confidential=True,
                  narrative="Secret MRV manual.")  # fmt: skip
    recompute(assessment_round.pk)
    assessment_round.status = RoundStatus.PUBLISHED
    assessment_round.save()
    return assessment_round


def get(client, name, *args, query=""):
    return client.get(reverse(name, args=args) + query)


def test_overview_shows_grades_pillars_regions_and_the_map(
    client, published, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = get(client, "results-overview", "2025")
    page = response.content.decode()
    assert "3 Parties assessed" in page
    overview = response.context["overview"]
    assert [(g.band.grade, g.count) for g in overview.grades] == [
        ("A", 0), ("B", 0), ("C", 0), ("D", 3),
    ]  # fmt: skip
    assert overview.pillars_ranked[0].pillar.code == "REG"
    assert {row.region for row in overview.regions} == {"africa", "asia", "oceania"}
    assert reverse("results-profile", args=["2025", "GHA"]) in page  # a country on the map
    assert "<title>Ghana: D</title>" in page
    assert [r.party.code for r in overview.unmapped] == ["TUV"]  # too small: listed instead
    assert "Preview" not in page


def test_the_overview_speaks_chinese(client, published):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = get(client, "results-overview", "2025").content.decode()
    assert "加纳" in page and "监管框架" in page and "规划中" in page


def test_an_unpublished_round_is_a_marked_preview_for_staff_only(client, reviewer, party):
    round_with_methodology(slug="2026", status=RoundStatus.OPEN, parties=[party])
    assert get(client, "results-overview", "2026").status_code == 404
    client.force_login(reviewer)
    assert "Preview" in get(client, "results-overview", "2026").content.decode()


def test_latest_results_redirect(client, published):
    assert get(client, "results-latest")["Location"] == reverse("results-overview", args=["2025"])


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["GHA", "THA", "TUV"]),
        ("?region=asia", ["THA"]),
        ("?q=图瓦卢", ["TUV"]),
        ("?grade=D&sort=name", ["GHA", "THA", "TUV"]),
        ("?grade=A", []),
        ("?level=REG-1:3", ["GHA"]),
        ("?sort=pillar:REG", ["GHA", "THA", "TUV"]),
        ("?sort=-name", ["TUV", "THA", "GHA"]),
        ("?fact=REG-1.instrument_type:law", ["GHA"]),
        ("?fact=REG-1.instrument_type:policy", []),
    ],
)
def test_party_table_filters_and_sorts(client, published, query, expected):
    response = get(client, "results-parties", "2025", query=query)
    assert [row.party.code for row in response.context["rows"]] == expected


def test_party_table_query_count_is_fixed(client, published, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        get(client, "results-parties", "2025")


def test_profile_shows_public_evidence_and_hides_confidential(
    client, published, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        response = get(client, "results-profile", "2025", "GHA")
    page = response.content.decode()
    assert "Article 6 decree adopted in 2024." in page and "decree.txt" in page
    assert "Secret MRV manual." not in page and "Confidential evidence" in page
    assert reverse("party-result", args=["2025", "GHA"]) in page
    pillars = {
        pillar.code: (own, world) for pillar, own, _r, world in response.context["profile"].pillars
    }
    assert str(pillars["REG"][0]) == "0.333333"


def test_key_findings_count_parties_per_step_and_link_to_them(client, published):
    response = get(client, "results-findings", "2025")
    findings = response.context["findings"]
    reg1 = next(item for item in findings.sub_pillars if item.sub_pillar.code == "REG-1")
    assert [(step.level.score, step.at_least) for step in reg1.steps] == [(1, 1), (2, 1), (3, 1)]
    page = response.content.decode()
    assert "?level=REG-1:1" in page and "Grade D (Planning): 3 Parties (100.0%)." in page


def test_csv_export_streams_every_party(client, published):
    response = get(client, "results-download", "2025", "party-results", "csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["code"] for row in rows] == ["GHA", "THA", "TUV"]
    assert rows[0]["level_REG-1"] == "3" and rows[0]["grade"] == "D"


def test_evidence_register_holds_only_public_evidence(client, published):
    records = json.loads(get(client, "results-download", "2025", "evidence", "json").content)
    assert [(r["party"], r["sub_pillar"]) for r in records] == [("GHA", "REG-1")]
    assert "decree.txt sha256:" in records[0]["documents"]


def test_xlsx_export_opens(client, published):
    response = get(client, "results-download", "2025", "aggregates", "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("set", "party_count", "total_asr")
    assert rows[-1][:2] == ("world", 3) or any(row[:2] == ("world", 3) for row in rows)


def test_data_package_has_a_manifest_that_matches_its_files(client, published):
    response = get(client, "results-data-package", "2025")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"datapackage.json", "README.md", "SHA256SUMS", "party-results.csv",
            "evidence.json", "methodology.csv"} <= names  # fmt: skip
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, path = line.split("  ")
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest
    descriptor = json.loads(archive.read("datapackage.json"))
    assert {r["name"] for r in descriptor["resources"]} == {
        "party-results", "aggregates", "evidence", "methodology",
    }  # fmt: skip


def test_the_overview_stays_light_on_a_slow_link(client, published):
    """First load, every asset included, at most 400 KB compressed: the page (with its map) and
    its stylesheet; there are no scripts, fonts or images to fetch."""
    import gzip
    import re
    from pathlib import Path

    from django.conf import settings

    response = client.get(reverse("results-overview", args=["2025"]), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    page = gzip.decompress(response.content).decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert assets == ["/static/favicon.svg", "/static/css/site.css"] and "<script" not in page
    stylesheet = Path(settings.BASE_DIR, "static", "css", "site.css").read_bytes()
    total = len(response.content) + len(gzip.compress(stylesheet))
    assert total < 400 * 1024, total
