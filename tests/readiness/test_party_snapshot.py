"""The Party register is not frozen, but what a published round shows of its Parties is: renaming
a Party, moving it to another region or dropping it from a grouping in the register changes
nothing a published round shows (pages, API, exports, data package, aggregates), while a round
that is not published follows the register."""

import csv
import io
import json
import zipfile

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from readiness import methodology_v1
from readiness.exceptions import RoundLocked
from readiness.models import (
    AggregateResult,
    ChangeKind,
    Grouping,
    Party,
    PartySnapshot,
    RoundChange,
    RoundStatus,
)
from readiness.party_register import GroupingRow, PartyRow
from readiness.recompute import recompute
from readiness.services import (
    methodology_load,
    parties_load,
    round_copy,
    round_create,
    round_membership_set,
    round_transition,
)
from readiness.services.party_snapshots import round_snapshot_take
from tests.factories import PartyFactory, UserFactory, make_evidence

pytestmark = pytest.mark.django_db

LDC = GroupingRow("ldc", "category", "Least developed countries", "最不发达国家", 0)


def ghana_row(**changes) -> PartyRow:
    values = {
        "code": "GHA", "iso2": "GH", "iso_numeric": "288", "name_en": "Ghana",
        "name_zh": "加纳", "region": "africa", "subregion_en": "Western Africa",
        "subregion_zh": "西非", "is_supranational": False, "grouping_codes": frozenset({"ldc"}),
    }  # fmt: skip
    return PartyRow(**{**values, **changes})


THAILAND = PartyRow(
    code="THA", iso2="TH", iso_numeric="764", name_en="Thailand", name_zh="泰国", region="asia",
    subregion_en="South-eastern Asia", subregion_zh="东南亚", is_supranational=False,
    grouping_codes=frozenset(),
)  # fmt: skip


def register_change(actor) -> None:
    """Ghana renamed, moved to Asia and out of the LDCs; the LDC grouping renamed too."""
    renamed_ldc = GroupingRow("ldc", "category", "Renamed grouping", "改名的集团", 0)
    parties_load(
        actor=actor,
        parties=[
            ghana_row(name_en="Republic of Ghana", name_zh="加纳共和国", region="asia",
                      subregion_en="Western Asia", subregion_zh="西亚",
                      grouping_codes=frozenset()),
            THAILAND,
        ],
        groupings=[renamed_ldc],
    )  # fmt: skip


@pytest.fixture
def admin(db):
    return UserFactory(username="round.admin", is_round_admin=True)


@pytest.fixture
def rounds(admin):
    """2025 published through the services (Ghana approved at REG-1 level 3), and 2026, a copy
    of it, open."""
    parties_load(actor=admin, parties=[ghana_row(), THAILAND], groupings=[LDC])
    ghana, thailand = Party.objects.get(code="GHA"), Party.objects.get(code="THA")
    published = round_create(actor=admin, name="Assessment 2025", slug="2025",
                             parties=[ghana, thailand])  # fmt: skip
    methodology_load(
        actor=admin,
        assessment_round=published,
        definition={"pillars": methodology_v1.PILLARS, "bands": methodology_v1.BANDS},
    )
    round_transition(actor=admin, assessment_round=published, target=RoundStatus.OPEN)
    make_evidence(assessment_round=published, party=ghana, author=admin, status="approved",
                  code="REG-1", claimed_level=3)  # fmt: skip
    round_transition(actor=admin, assessment_round=published, target=RoundStatus.REVIEW)
    round_transition(actor=admin, assessment_round=published, target=RoundStatus.PUBLISHED)
    following = round_copy(actor=admin, previous=published, name="Assessment 2026", slug="2026")
    round_transition(actor=admin, assessment_round=following, target=RoundStatus.OPEN)
    recompute(following.pk)
    published.refresh_from_db()
    return published, following


def aggregates(assessment_round) -> dict:
    return {
        a.key: (a.party_count, a.pillar_asr, a.total_asr, a.grade_counts)
        for a in AggregateResult.objects.filter(round=assessment_round)
    }


def test_publication_takes_the_snapshot_of_every_member(rounds):
    published, _following = rounds
    snapshots = {s.code: s for s in PartySnapshot.objects.filter(round=published)}
    assert set(snapshots) == {"GHA", "THA"}
    ghana = snapshots["GHA"]
    assert (ghana.name_en, ghana.name_zh, ghana.region, ghana.subregion_en) == (
        "Ghana", "加纳", "africa", "Western Africa",
    )  # fmt: skip
    assert [g["code"] for g in ghana.groupings] == ["ldc"]
    assert set(aggregates(published)) == {"world", "region:africa", "region:asia", "grouping:ldc"}


def test_the_published_pages_keep_the_names_region_and_groupings(client, rounds, admin):
    published, _following = rounds
    before = aggregates(published)
    register_change(admin)
    recompute(published.pk, force=True)  # a published round's figures never move
    assert aggregates(published) == before

    overview = client.get(reverse("results-overview", args=["2025"]))
    page = overview.content.decode()
    assert "<title>Ghana: D</title>" in page
    assert "Republic of Ghana" not in page
    assert {row.region: row.party_count for row in overview.context["overview"].regions} == {
        "africa": 1, "asia": 1,
    }  # fmt: skip

    table = client.get(reverse("results-parties", args=["2025"]))
    page = table.content.decode()
    assert "Ghana" in page and "Republic of Ghana" not in page
    assert "Least developed countries" in page and "Renamed grouping" not in page
    ghana_row_html = page[page.index(">Ghana</a>") :].split("</tr>")[0]
    assert "Africa" in ghana_row_html and "Least developed countries" in ghana_row_html
    for query, expected in [("?region=africa", ["GHA"]), ("?region=asia", ["THA"]),
                            ("?grouping=ldc", ["GHA"]), ("?q=Republic", []),
                            ("?q=加纳", ["GHA"])]:  # fmt: skip
        response = client.get(reverse("results-parties", args=["2025"]) + query)
        assert [row.listed.code for row in response.context["rows"]] == expected, query

    profile = client.get(reverse("results-profile", args=["2025", "GHA"]))
    page = profile.content.decode()
    assert "<title>Ghana · Assessment 2025" in page and "Republic of Ghana" not in page
    assert "Africa" in page
    africa = AggregateResult.objects.get(round=published, key="region:africa")
    regional = {pillar.code: own for pillar, _o, own, _w in profile.context["profile"].pillars}
    assert str(regional["REG"]) == africa.pillar_asr["REG"]

    explanation = client.get(reverse("party-result", args=["2025", "GHA"])).content.decode()
    assert "Why Ghana has this grade" in explanation and "Republic of Ghana" not in explanation

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chinese = client.get(reverse("results-parties", args=["2025"])).content.decode()
    assert "加纳" in chinese and "加纳共和国" not in chinese and "最不发达国家" in chinese


def test_the_published_api_and_exports_keep_them(client, rounds, admin):
    published, _following = rounds
    register_change(admin)

    listing = client.get(reverse("api-result-list", args=["2025"])).json()["results"]
    ghana = next(row for row in listing if row["party"] == "GHA")
    assert (ghana["party_name"], ghana["region"]) == ("Ghana", "africa")
    africa = client.get(reverse("api-result-list", args=["2025"]) + "?region=africa").json()
    assert [row["party"] for row in africa["results"]] == ["GHA"]
    asia = client.get(reverse("api-result-list", args=["2025"]) + "?region=asia").json()
    assert [row["party"] for row in asia["results"]] == ["THA"]
    detail = client.get(reverse("api-result-detail", args=["2025", "gha"])).json()
    assert (detail["party_name"], detail["region"]) == ("Ghana", "africa")

    def download(extension):
        response = client.get(
            reverse("results-download", args=["2025", "party-results", extension])
        )
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content

    rows = list(csv.DictReader(io.StringIO(download("csv").decode("utf-8-sig"))))
    expected = ("Ghana", "加纳", "africa", "Western Africa")
    gha = next(row for row in rows if row["code"] == "GHA")
    assert (gha["name_en"], gha["name_zh"], gha["region"], gha["subregion"]) == expected
    records = json.loads(download("json"))
    gha = next(row for row in records if row["code"] == "GHA")
    assert (gha["name_en"], gha["name_zh"], gha["region"], gha["subregion"]) == expected
    sheet = load_workbook(io.BytesIO(download("xlsx"))).active
    header, *cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    gha = dict(zip(header, next(row for row in cells if row[0] == "GHA"), strict=True))
    assert (gha["name_en"], gha["name_zh"], gha["region"], gha["subregion"]) == expected

    package = client.get(reverse("results-data-package", args=["2025"])).content
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        text = archive.read("party-results.csv").decode("utf-8-sig")
        aggregates_csv = archive.read("aggregates.csv").decode("utf-8-sig")
    gha = next(row for row in csv.DictReader(io.StringIO(text)) if row["code"] == "GHA")
    assert (gha["name_en"], gha["region"], gha["subregion"]) == ("Ghana", "africa",
                                                                 "Western Africa")  # fmt: skip
    sets = {row["set"]: row["party_count"] for row in csv.DictReader(io.StringIO(aggregates_csv))}
    assert sets == {"world": "2", "region:africa": "1", "region:asia": "1", "grouping:ldc": "1"}


def test_a_round_that_is_not_published_follows_the_register(client, rounds, admin):
    published, following = rounds
    register_change(admin)
    change = RoundChange.objects.filter(round=following).order_by("version").last()
    assert change.kind == ChangeKind.REGISTER  # the move queues a recompute
    assert not RoundChange.objects.filter(round=published, kind=ChangeKind.REGISTER).exists()
    recompute(following.pk)
    assert {key: value[0] for key, value in aggregates(following).items()} == {
        "world": 2, "region:asia": 2,
    }  # fmt: skip
    snapshot = PartySnapshot.objects.get(round=following, code="GHA")
    assert (snapshot.name_en, snapshot.region, snapshot.groupings) == ("Republic of Ghana",
                                                                       "asia", [])  # fmt: skip

    client.force_login(admin)  # staff see the open round as a preview
    page = client.get(reverse("results-parties", args=["2026"])).content.decode()
    assert "Republic of Ghana" in page and "Least developed countries" not in page
    response = client.get(reverse("results-parties", args=["2026"]) + "?region=asia")
    assert [row.listed.code for row in response.context["rows"]] == ["GHA", "THA"]
    listing = client.get(reverse("api-result-list", args=["2026"])).json()["results"]
    assert {row["party"]: row["region"] for row in listing} == {"GHA": "asia", "THA": "asia"}
    # the comparison names each Party as the later round shows it
    compare = client.get(reverse("round-compare") + "?from=2025&to=2026")
    assert {change.party.name_en for change in compare.context["comparison"].parties} == {
        "Republic of Ghana", "Thailand",
    }  # fmt: skip
    compare = client.get(reverse("round-compare") + "?from=2026&to=2025")
    assert {change.party.name_en for change in compare.context["comparison"].parties} == {
        "Ghana", "Thailand",
    }  # fmt: skip


def test_membership_changes_retake_the_snapshot(rounds, admin):
    _published, following = rounds
    newcomer = PartyFactory(code="TUV", name_en="Tuvalu", region="oceania")
    thailand = Party.objects.get(code="THA")
    round_membership_set(actor=admin, assessment_round=following, parties=[thailand, newcomer])
    assert sorted(PartySnapshot.objects.filter(round=following).values_list("code", flat=True)) == [
        "THA", "TUV",
    ]  # fmt: skip


def test_a_published_snapshot_is_never_taken_again(rounds, admin):
    published, _following = rounds
    register_change(admin)
    with pytest.raises(RoundLocked):
        round_snapshot_take(published)
    assert PartySnapshot.objects.get(round=published, code="GHA").name_en == "Ghana"


def test_publication_takes_the_register_as_it_stands(admin):
    """A register edited behind the services' back (the shell) is caught up at publication:
    the figures and what the round shows come from the same snapshot."""
    parties_load(actor=admin, parties=[ghana_row(), THAILAND], groupings=[LDC])
    ghana = Grouping.objects.get(code="ldc").parties.get()
    assessment_round = round_create(actor=admin, name="Assessment 2025", slug="2025",
                                    parties=[ghana])  # fmt: skip
    methodology_load(
        actor=admin,
        assessment_round=assessment_round,
        definition={"pillars": methodology_v1.PILLARS, "bands": methodology_v1.BANDS},
    )
    round_transition(actor=admin, assessment_round=assessment_round, target=RoundStatus.OPEN)
    recompute(assessment_round.pk)
    assert set(aggregates(assessment_round)) == {"world", "region:africa", "grouping:ldc"}
    ghana.region = "europe"
    ghana.save()
    ghana.groupings.clear()
    round_transition(actor=admin, assessment_round=assessment_round, target=RoundStatus.REVIEW)
    round_transition(actor=admin, assessment_round=assessment_round, target=RoundStatus.PUBLISHED)
    assert set(aggregates(assessment_round)) == {"world", "region:europe"}
    snapshot = PartySnapshot.objects.get(round=assessment_round)
    assert (snapshot.region, snapshot.groupings) == ("europe", [])


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE readiness_partysnapshot SET name_en = 'Republic of Ghana' WHERE round_id = {round}",
        "UPDATE readiness_partysnapshot SET region = 'asia', groupings = '[]' "
        "WHERE round_id = {round}",
        "DELETE FROM readiness_partysnapshot WHERE round_id = {round}",
        "INSERT INTO readiness_partysnapshot (round_id, party_id, code, iso_numeric, name_en, "
        "name_zh, region, subregion_en, subregion_zh, is_supranational, groupings, taken_at) "
        "SELECT {round}, id, 'TUV', '', 'Tuvalu', '', 'oceania', '', '', false, '[]', now() "
        "FROM readiness_party WHERE code = 'TUV'",
    ],
)
def test_the_database_refuses_changing_a_published_snapshot(rounds, statement):
    published, _following = rounds
    PartyFactory(code="TUV", name_en="Tuvalu", region="oceania")  # not a member
    with (
        pytest.raises(DatabaseError, match="is published"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(round=published.pk))
    assert PartySnapshot.objects.get(round=published, code="GHA").name_en == "Ghana"


@pytest.mark.postgres
def test_the_database_lets_an_open_round_follow_the_register(rounds):
    _published, following = rounds
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE readiness_partysnapshot SET name_en = 'Republic of Ghana' "
            "WHERE round_id = %s AND code = 'GHA'",
            [following.pk],
        )
    assert PartySnapshot.objects.get(round=following, code="GHA").name_en == "Republic of Ghana"


@pytest.mark.postgres
def test_the_migration_fills_every_round_from_the_register_and_freezes_it():
    """DDL is transactional on PostgreSQL: the test's own transaction undoes both moves."""
    from django.db.migrations.executor import MigrationExecutor

    from readiness.models import AssessmentRound, RoundParty

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("readiness", "0008_statement_level_freeze")])
    ldc = Grouping.objects.create(code="ldc", kind="category", name_en="LDCs", name_zh="最不发达")
    ghana = PartyFactory(code="GHA", name_en="Ghana", name_zh="加纳", region="africa",
                         subregion_en="Western Africa", iso_numeric="288")  # fmt: skip
    ghana.groupings.add(ldc)
    published = AssessmentRound.objects.create(name="Assessment 2025", slug="2025")
    RoundParty.objects.create(round=published, party=ghana)
    AssessmentRound.objects.filter(pk=published.pk).update(status=RoundStatus.PUBLISHED)

    MigrationExecutor(connection).migrate(latest)

    snapshot = PartySnapshot.objects.get(round=published)
    assert (snapshot.code, snapshot.name_en, snapshot.name_zh, snapshot.region) == (
        "GHA", "Ghana", "加纳", "africa",
    )  # fmt: skip
    assert snapshot.groupings == [
        {"code": "ldc", "kind": "category", "name_en": "LDCs", "name_zh": "最不发达", "order": 0}
    ]
    with pytest.raises(DatabaseError, match="is published"), transaction.atomic():
        PartySnapshot.objects.filter(round=published).update(name_en="Republic of Ghana")


def test_the_admin_shows_snapshots_for_reading_only(client, rounds, admin):
    published, _following = rounds
    client.force_login(admin)
    listing = client.get(reverse("admin:readiness_partysnapshot_changelist"))
    assert listing.status_code == 200 and "Ghana" in listing.content.decode()
    snapshot = PartySnapshot.objects.get(round=published, code="GHA")
    url = reverse("admin:readiness_partysnapshot_change", args=[snapshot.pk])
    response = client.post(url, {"name_en": "Republic of Ghana", "region": "asia"})
    assert response.status_code == 403
    snapshot.refresh_from_db()
    assert (snapshot.name_en, snapshot.region) == ("Ghana", "africa")
