import pytest
from django.urls import reverse

from submissions.models import Evidence, EvidenceStatus
from tests.factories import make_evidence

pytestmark = pytest.mark.django_db


def test_workspace_lists_the_partys_sub_pillars_and_what_needs_action(
    client, focal_point, open_round, party
):
    make_evidence(assessment_round=open_round, party=party, author=focal_point)
    make_evidence(
        assessment_round=open_round, party=party, author=focal_point, status="approved",
        code="INF-1",
    )  # fmt: skip
    client.force_login(focal_point)
    assert (
        reverse("workspace-party", args=["2026", "GHA"])
        in client.get(reverse("workspace")).content.decode()
    )
    response = client.get(reverse("workspace-party", args=["2026", "GHA"]))
    page = response.content.decode()
    assert page.count('class="needs-action"') == 1
    assert "IMP-6" in page and "Add evidence" in page
    rows = {row.sub_pillar.code: row for _, rows in response.context["pillars"] for row in rows}
    assert rows["INF-1"].awarded_level == 2 and rows["REG-1"].needs_action


def test_workspace_query_count_is_fixed(client, focal_point, open_round, party,
                                        django_assert_max_num_queries):  # fmt: skip
    for code in ("REG-1", "REG-2", "REG-3", "INF-1", "INF-2"):
        make_evidence(assessment_round=open_round, party=party, author=focal_point, code=code)
    client.force_login(focal_point)
    with django_assert_max_num_queries(12):
        client.get(reverse("workspace-party", args=["2026", "GHA"]))


def test_create_submit_and_answer_a_change_request_through_the_pages(
    client, focal_point, reviewer, open_round, party
):
    client.force_login(focal_point)
    response = client.post(
        reverse("evidence-create", args=["2026", "GHA", "REG-1"]),
        {
            "claimed_level": 3,
            "narrative": "Article 6 decree adopted.",
            "source_urls": "https://example.org/decree\nhttps://example.org/gazette",
            "fact_instrument_type": "regulation",
            "fact_adoption_date": "2025-02-01",
        },
    )
    evidence = Evidence.objects.get()
    assert response["Location"] == reverse("evidence-detail", args=[evidence.pk])
    assert evidence.facts == {"instrument_type": "regulation", "adoption_date": "2025-02-01"}
    assert evidence.source_urls == ["https://example.org/decree", "https://example.org/gazette"]
    client.post(reverse("evidence-submit", args=[evidence.pk]), {"expected_version": 1})
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED

    client.force_login(reviewer)
    page = client.get(reverse("evidence-detail", args=[evidence.pk])).content.decode()
    assert "Record the decision" in page
    client.post(
        reverse("review-decide", args=[evidence.pk]),
        {"decision": "request_changes", "expected_version": 2, "comment": "Add the gazette PDF."},
    )
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.CHANGES_REQUESTED

    client.force_login(focal_point)
    page = client.get(reverse("evidence-detail", args=[evidence.pk])).content.decode()
    assert "Add the gazette PDF." in page and "Resubmit to the reviewers" in page
    client.post(reverse("evidence-submit", args=[evidence.pk]), {"expected_version": 3})
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED


def test_the_form_shows_errors_inline_and_saves_nothing(client, focal_point, open_round, party):
    client.force_login(focal_point)
    response = client.post(
        reverse("evidence-create", args=["2026", "GHA", "REG-1"]),
        {"claimed_level": 2, "source_urls": "not a link", "fact_adoption_date": "31/02/2025"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid date" in page
    assert not Evidence.objects.exists()
    response = client.post(
        reverse("evidence-create", args=["2026", "GHA", "REG-1"]),
        {"claimed_level": 2, "source_urls": "not a link"},
    )
    assert response.status_code == 400
    assert "is not a valid http(s) link" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_stale_edit_is_a_409_with_an_explanation(client, focal_point, open_round, party):
    evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    Evidence.objects.filter(pk=evidence.pk).update(version=5)
    client.force_login(focal_point)
    response = client.post(
        reverse("evidence-edit", args=[evidence.pk]),
        {"claimed_level": 1, "narrative": "x", "source_urls": "", "expected_version": 1},
    )
    assert response.status_code == 409
    assert "changed after you opened it" in response.content.decode()


def test_a_refused_submission_explains_why(client, focal_point, open_round, party):
    evidence = make_evidence(
        assessment_round=open_round, party=party, author=focal_point, narrative="", source_urls=[]
    )
    client.force_login(focal_point)
    response = client.post(reverse("evidence-submit", args=[evidence.pk]), follow=True)
    assert "Write a narrative" in response.content.decode()


def test_the_public_sees_published_evidence_but_not_its_internal_thread(client, focal_point, party):
    from tests.factories import round_with_methodology

    published = round_with_methodology(slug="2025", status="published", parties=[party])
    evidence = make_evidence(
        assessment_round=published, party=party, author=focal_point, status="approved"
    )
    page = client.get(reverse("evidence-detail", args=[evidence.pk])).content.decode()
    assert "Draft regulation published" in page
    assert "Timeline" not in page and "Discussion" not in page


def test_confidential_evidence_is_hidden_from_the_public(client, focal_point, party):
    from tests.factories import round_with_methodology

    published = round_with_methodology(slug="2025", status="published", parties=[party])
    evidence = make_evidence(
        assessment_round=published, party=party, author=focal_point, status="approved",
        is_confidential=True,
    )  # fmt: skip
    assert client.get(reverse("evidence-detail", args=[evidence.pk])).status_code == 404
