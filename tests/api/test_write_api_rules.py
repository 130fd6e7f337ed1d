"""Issue 13 #7 and #10 on the API's write side: a fact of the wrong type is a 400 naming the
fact (never a 500), and the submit rules are those of the form and the import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from submissions.imports import evidence_import
from submissions.models import Evidence
from tests.factories import make_evidence

pytestmark = pytest.mark.django_db

SOURCE = "https://example.org/source"


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def create(user, sub_pillar: str, level: int, facts: dict, **extra):
    body = {"round": "2026", "party": "GHA", "sub_pillar": sub_pillar, "claimed_level": level,
            "narrative": "What exists.", "source_urls": [SOURCE], "facts": facts,
            **extra}  # fmt: skip
    return api_as(user).post(reverse("api-evidence-list"), body, format="json")


@pytest.mark.parametrize(
    "sub_pillar, level, facts, field",
    [
        ("IMP-2", 1, {"counterparts": 5}, "fact_counterparts"),  # was a 500
        ("IMP-2", 1, {"counterparts": {"GHA": 1}}, "fact_counterparts"),
        ("IMP-2", 1, {"counterparts": "GHA"}, "fact_counterparts"),
        ("IMP-2", 1, {"counterparts": [5]}, "fact_counterparts"),
        ("IMP-3", 1, {"activities_authorised": True}, "fact_activities_authorised"),
        ("IMP-3", 1, {"activities_authorised": 10**30}, "fact_activities_authorised"),
        ("IMP-3", 1, {"activities_authorised": "1_000"}, "fact_activities_authorised"),
        ("IMP-3", 1, {"activities_authorised": 2.5}, "fact_activities_authorised"),
        ("IMP-3", 1, {"activities_authorised": {"n": 1}}, "fact_activities_authorised"),
        ("REG-1", 3, {"adoption_date": 20250301}, "fact_adoption_date"),
        ("REG-1", 3, {"adoption_date": "20250301"}, "fact_adoption_date"),
        ("REG-1", 3, {"adoption_date": "2025-02-30"}, "fact_adoption_date"),
        ("REG-1", 1, {"instrument_type": {"law": 1}}, "fact_instrument_type"),
        ("REG-1", 1, {"adoption_date": "2025-03-01"}, "fact_adoption_date"),  # from level 3
        ("REG-1", 1, {"nope": 1}, "facts"),
    ],
)
def test_a_fact_of_the_wrong_type_is_a_400_naming_it(open_round, party, other_party, focal_point,
                                                     sub_pillar, level, facts, field):  # fmt: skip
    response = create(focal_point, sub_pillar, level, facts)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid", [field])
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "facts, field",
    [({"counterparts": ["GH\x00A"]}, "fact_counterparts"), ({"nope\x00": 1}, "facts")],
)
def test_a_nul_byte_in_a_fact_is_a_validation_error(open_round, party, focal_point, facts,
                                                    field):  # fmt: skip
    """Below any request filter: the service itself refuses (PostgreSQL cannot store NUL)."""
    from django.core.exceptions import ValidationError

    from submissions.services import evidence_create
    from tests.factories import sub_pillar_of

    with pytest.raises(ValidationError) as error:
        evidence_create(actor=focal_point, assessment_round=open_round, party=party,
                        sub_pillar=sub_pillar_of(open_round, "IMP-2"), claimed_level=1,
                        narrative="x", facts=facts)  # fmt: skip
    assert list(error.value.message_dict) == [field]
    assert not Evidence.objects.exists()


def test_every_problem_of_the_content_is_named_at_once(open_round, party, focal_point):
    response = create(focal_point, "REG-1", 7, {"instrument_type": "poem"},
                      source_urls=["ftp://example.org/x"])  # fmt: skip
    assert set(response.json()["error"]["fields"]) == {
        "claimed_level",
        "fact_instrument_type",
        "source_urls",
    }


@pytest.mark.parametrize("value", ["maybe", "", None, 2, "oui"])
def test_confidential_must_be_a_boolean(open_round, party, focal_point, value):
    response = create(focal_point, "REG-2", 1, {}, is_confidential=value)
    assert response.status_code == 400
    assert "is_confidential" in response.json()["error"]["fields"]
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_same_rule_refuses_in_the_form_the_api_and_the_import(
    client, open_round, party, focal_point, round_admin, language
):
    """A level above none without a source link or document: one rule, one message."""
    expected = {
        "en": "Give at least one source link or document for a level above none.",
        "zh-hans": "申报高于“无”的级别时，请至少提供一个来源链接或文件。",
    }[language]
    draft = make_evidence(assessment_round=open_round, party=party, author=focal_point,
                          source_urls=[])  # fmt: skip
    api = api_as(focal_point)
    api.cookies["django_language"] = language
    response = api.post(reverse("api-evidence-submit", kwargs={"pk": draft.pk}),
                        HTTP_ACCEPT_LANGUAGE=language)  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["source_urls"] == [expected]
    client.force_login(focal_point)
    client.cookies["django_language"] = language
    page = client.post(reverse("evidence-submit", args=[draft.pk]), follow=True)
    assert expected in page.content.decode()
    header = "party,sub_pillar,claimed_level,narrative,source_urls,confidential"
    upload = SimpleUploadedFile("import.csv", f"{header}\nGHA,REG-2,1,Decree.,,no\n".encode())
    with translation.override(language):
        outcome = evidence_import(actor=round_admin, assessment_round=open_round,
                                  uploaded_file=upload)  # fmt: skip
    assert [(p.column, p.reason) for p in outcome.problems] == [("source_urls", expected)]
    assert set(Evidence.objects.values_list("status", flat=True)) == {"draft"}


def test_a_submission_competing_with_pending_evidence_is_refused(open_round, party, focal_point):
    pending = make_evidence(assessment_round=open_round, party=party, author=focal_point,
                            status="submitted")  # fmt: skip
    second = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    response = api_as(focal_point).post(reverse("api-evidence-submit", kwargs={"pk": second.pk}))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["sub_pillar"] == [
        f"Evidence #{pending.pk} for GHA REG-1 already waits for review: it must be decided or "
        "withdrawn first."
    ]
    assert Evidence.objects.get(pk=second.pk).status == "draft"
