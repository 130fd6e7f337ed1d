"""A pillar's published rate is the mean of its sub-pillars' rates (DESIGN §6), and the sums
beside it are named and described as points, which are not its basis: in the API, its schema
and the data package alike. Methodology v1's IMP has sub-pillars of maximum 2, 2, 1, 1, 1, 2,
so a level 1 in IMP-1 alone is 1 of 9 points but a rate of 1/12 (Afghanistan in 2025)."""

import csv
import io
import json
import zipfile
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from readiness import result_rates
from readiness.models import RoundStatus
from readiness.recompute import recompute
from tests.factories import make_evidence, round_with_methodology

pytestmark = pytest.mark.django_db

LEVELS = {
    "GHA": {"IMP-1": 1, "REG-1": 3, "INF-1": 1},
    "THA": {"IMP-6": 1, "IMP-3": 1, "FIN-1": 1, "REG-2": 2},
}


@pytest.fixture
def published(party, other_party, focal_point):
    assessment_round = round_with_methodology(slug="2025", status=RoundStatus.OPEN,
                                              parties=[party, other_party])  # fmt: skip
    for member in (party, other_party):
        for code, level in LEVELS[member.code].items():
            make_evidence(assessment_round=assessment_round, party=member, author=focal_point,
                          status="approved", code=code, claimed_level=level)  # fmt: skip
    recompute(assessment_round.pk)
    assessment_round.status = RoundStatus.PUBLISHED
    assessment_round.save()
    return assessment_round


def _six(value: Fraction) -> str:
    return result_rates.six_places(value.numerator, value.denominator)


def test_every_pillar_rate_is_the_mean_of_the_sub_pillar_rates_listed(client, published):
    rows = client.get(reverse("api-result-list", args=["2025"])).json()["results"]
    assert {row["party"] for row in rows} == {"GHA", "THA"}
    disagreeing = []
    for row in rows:
        for code, pillar in row["pillars"].items():
            assert set(pillar) == {"rate", "points", "max_points", "sub_pillars"}, pillar
            subs = [row["sub_pillars"][sub] for sub in pillar["sub_pillars"]]
            assert subs and all(sub["rate"] == _six(Fraction(sub["level"], sub["max_level"]))
                                for sub in subs)  # fmt: skip
            exact = sum(Fraction(s["level"], s["max_level"]) for s in subs) / len(subs)
            assert pillar["rate"] == _six(exact), (row["party"], code)
            listed_mean = sum(Decimal(s["rate"]) for s in subs) / len(subs)
            assert abs(Decimal(pillar["rate"]) - listed_mean) <= Decimal("0.000001")
            assert pillar["points"] == sum(s["level"] for s in subs)
            assert pillar["max_points"] == sum(s["max_level"] for s in subs)
            if _six(Fraction(pillar["points"], pillar["max_points"])) != pillar["rate"]:
                disagreeing.append((row["party"], code))
    assert ("GHA", "IMP") in disagreeing and ("THA", "IMP") in disagreeing
    ghana = client.get(reverse("api-result-detail", args=["2025", "GHA"])).json()
    assert ghana["pillars"]["IMP"] == {
        "rate": "0.083333", "points": 1, "max_points": 9,
        "sub_pillars": ["IMP-1", "IMP-2", "IMP-3", "IMP-4", "IMP-5", "IMP-6"],
    }  # fmt: skip
    assert ghana["sub_pillars"]["IMP-1"]["max_level"] == 2
    assert ghana["sub_pillars"]["IMP-1"]["rate"] == "0.500000"
    assert "evidence_id" in ghana["sub_pillars"]["IMP-1"]
    assert "evidence_id" not in ghana["sub_pillars"]["IMP-2"]
    assert "score" not in json.dumps(ghana)  # the engine's names stay out of the API


def _component(schema: dict, reference: dict) -> dict:
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]


def test_the_schema_describes_rate_and_points():
    schema = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True),
                                   default=str))  # fmt: skip
    result = schema["components"]["schemas"]["PartyResult"]["properties"]
    pillar = _component(schema, result["pillars"]["additionalProperties"])["properties"]
    assert pillar["rate"]["description"] == result_rates.PILLAR_RATE
    assert "mean of its sub-pillars' rates" in pillar["rate"]["description"]
    for name in ("points", "max_points"):
        assert pillar[name]["type"] == "integer"
        assert "not points/max_points" in pillar[name]["description"]
    assert "score" not in pillar and "max_score" not in pillar
    sub = _component(schema, result["sub_pillars"]["additionalProperties"])["properties"]
    assert set(sub) == {"level", "max_level", "rate", "evidence_id"}
    assert sub["rate"]["description"] == result_rates.SUB_PILLAR_RATE


def _package(client) -> zipfile.ZipFile:
    response = client.get(reverse("results-data-package", args=["2025"]))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return zipfile.ZipFile(io.BytesIO(body))


def test_the_data_package_publishes_the_same_rates_names_and_descriptions(client, published):
    archive = _package(client)
    methodology = list(csv.DictReader(io.StringIO(archive.read("methodology.csv").decode(
        "utf-8-sig"))))  # fmt: skip
    pillars: dict[str, list[str]] = {}
    maxima: dict[str, int] = {}
    for line in methodology:
        if line["pillar"] != "GRADE":
            subs = pillars.setdefault(line["pillar"], [])
            subs += [] if line["sub_pillar"] in subs else [line["sub_pillar"]]
            maxima[line["sub_pillar"]] = max(maxima.get(line["sub_pillar"], 0), int(line["score"]))
    from_csv = list(csv.DictReader(io.StringIO(archive.read("party-results.csv").decode(
        "utf-8-sig"))))  # fmt: skip
    from_json = json.loads(archive.read("party-results.json"))
    assert [row["code"] for row in from_json] == [row["code"] for row in from_csv] == [
        "GHA", "THA"]  # fmt: skip
    for row, record in zip(from_csv, from_json, strict=True):
        for pillar, subs in pillars.items():
            levels = [int(row[f"level_{sub}"]) for sub in subs]
            assert levels == [record[f"level_{sub}"] for sub in subs]
            assert levels == [LEVELS[row["code"]].get(sub, 0) for sub in subs]
            rates = [Fraction(level, maxima[sub]) for level, sub in zip(levels, subs, strict=True)]
            for sub, sub_rate in zip(subs, rates, strict=True):
                assert row[f"rate_{sub}"] == record[f"rate_{sub}"] == _six(sub_rate)
            assert row[f"rate_{pillar}"] == record[f"rate_{pillar}"] == _six(
                sum(rates) / len(rates))  # fmt: skip
            assert int(row[f"points_{pillar}"]) == record[f"points_{pillar}"] == sum(levels)
            assert record[f"max_points_{pillar}"] == sum(maxima[sub] for sub in subs)
    ghana = from_json[0]
    assert (ghana["rate_IMP"], ghana["points_IMP"], ghana["max_points_IMP"]) == ("0.083333", 1, 9)
    descriptor = json.loads(archive.read("datapackage.json"))
    fields = {
        field["name"]: field.get("description", "")
        for resource in descriptor["resources"] if resource["name"] == "party-results"
        for field in resource["schema"]["fields"]
    }  # fmt: skip
    assert fields["points_IMP"] == result_rates.PILLAR_POINTS
    assert fields["max_points_IMP"] == result_rates.PILLAR_MAX_POINTS
    assert fields["rate_IMP"].startswith(result_rates.PILLAR_RATE)
    assert fields["rate_IMP-1"].startswith(result_rates.SUB_PILLAR_RATE)
    assert not [name for name in fields if "score" in name]
    readme = archive.read("README.md").decode()
    assert "not points/max_points" in readme and "mean of its sub-pillars'" in readme
