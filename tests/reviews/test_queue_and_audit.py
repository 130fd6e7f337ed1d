import csv
import io

import pytest
from django.urls import reverse

from reviews.audit import AuditFilters, audit_iter, audit_page, evidence_timeline
from reviews.services import comment_add, review_decide
from submissions.models import Evidence
from submissions.services import evidence_create, evidence_submit, evidence_update
from tests.factories import PartyFactory, add_members, make_evidence, sub_pillar_of

pytestmark = pytest.mark.django_db

CODES = ("REG-1", "REG-2", "REG-3", "INF-1", "INF-2", "INF-3", "FIN-1", "IMP-1", "IMP-2", "IMP-3")


def fill_queue(assessment_round, author, count: int) -> None:
    parties = [PartyFactory() for _ in range(count // len(CODES) + 1)]
    add_members(assessment_round, parties)
    for index in range(count):
        make_evidence(
            assessment_round=assessment_round,
            party=parties[index // len(CODES)],
            author=author,
            status="submitted",
            code=CODES[index % len(CODES)],
        )


@pytest.mark.parametrize("rows", [10, 100])
def test_the_queue_costs_the_same_queries_at_10_and_100_rows(
    client, reviewer, focal_point, open_round, rows, django_assert_num_queries
):
    fill_queue(open_round, focal_point, rows)
    client.force_login(reviewer)
    # The session, the user, the two-factor device, the menus (with the reviewer's roles and
    # the rounds the round filter is checked against), the page with its count.
    with django_assert_num_queries(5):
        response = client.get(reverse("review-queue") + f"?size=100&round={open_round.pk}")
    assert len(response.context["page"].object_list) == rows
    assert f"{rows} items" in response.content.decode()


def test_the_queue_reads_the_navigation_roles_with_its_menus(
    client, focal_point, open_round, party, django_assert_num_queries
):
    from tests.factories import AssignmentFactory, UserFactory

    double_role = UserFactory(username="double", is_reviewer=True)
    AssignmentFactory(user=double_role, party=party, role="analyst")
    make_evidence(assessment_round=open_round, party=party, author=focal_point, status="submitted")
    client.force_login(double_role)
    with django_assert_num_queries(5):
        page = client.get(reverse("review-queue")).content.decode()
    assert f'href="{reverse("workspace")}"' in page and f'href="{reverse("review-queue")}"' in page
    assert "1 item" in page and open_round.slug in page


@pytest.mark.parametrize(
    "page, shown, rows",
    [("", 1, 25), ("2", 2, 5), ("3", 2, 5), ("0", 2, 5), ("abc", 1, 25), ("-1", 2, 5)],
)
def test_the_queue_pages_as_a_paginator_would(
    client, reviewer, focal_point, open_round, page, shown, rows
):
    """Past the end or below 1: the last page; not a number: the first."""
    fill_queue(open_round, focal_point, 30)
    client.force_login(reviewer)
    response = client.get(reverse("review-queue") + f"?page={page}")
    assert response.context["page"].number == shown
    assert len(response.context["page"].object_list) == rows
    html = response.content.decode()
    assert "30 items" in html and f"Page {shown} of 2" in html


@pytest.mark.parametrize("value", ["99999", "abc", "1.5"])
def test_a_round_not_in_the_menu_is_refused_and_the_queue_unfiltered(
    client, reviewer, focal_point, open_round, party, value
):
    make_evidence(assessment_round=open_round, party=party, author=focal_point, status="submitted")
    client.force_login(reviewer)
    response = client.get(reverse("review-queue") + f"?round={value}")
    assert "Select a valid choice. That choice is not one of the available choices." in (
        response.content.decode()
    )
    assert len(response.context["page"].object_list) == 1


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"GHA REG-1", "THA INF-1"}),
        ("?region=asia", {"THA INF-1"}),
        ("?pillar=REG", {"GHA REG-1"}),
        ("?sub_pillar=inf-1", {"THA INF-1"}),
        ("?party=gha", {"GHA REG-1"}),
        ("?status=approved", {"GHA IMP-1"}),
        ("?older_than_days=3", set()),
    ],
)
def test_queue_filters(client, reviewer, focal_point, other_focal_point, open_round, party,
                       other_party, query, expected):  # fmt: skip
    make_evidence(assessment_round=open_round, party=party, author=focal_point, status="submitted")
    make_evidence(
        assessment_round=open_round,
        party=other_party,
        author=other_focal_point,
        status="submitted",
        code="INF-1",
    )
    make_evidence(
        assessment_round=open_round,
        party=party,
        author=focal_point,
        status="approved",
        code="IMP-1",
    )
    make_evidence(assessment_round=open_round, party=party, author=focal_point, code="IMP-2")
    client.force_login(reviewer)
    response = client.get(reverse("review-queue") + query)
    assert {f"{e.party.code} {e.sub_pillar.code}" for e in response.context["page"]} == expected


def test_queue_sorts_by_party(client, reviewer, focal_point, other_focal_point, open_round, party,
                              other_party):  # fmt: skip
    make_evidence(
        assessment_round=open_round, party=other_party, author=other_focal_point, status="submitted"
    )
    make_evidence(assessment_round=open_round, party=party, author=focal_point, status="submitted")
    client.force_login(reviewer)
    response = client.get(reverse("review-queue") + "?ordering=party")
    assert [e.party.code for e in response.context["page"]] == ["GHA", "THA"]


def test_bulk_preview_says_what_will_change_and_changes_nothing(
    client, reviewer, focal_point, open_round, party
):
    items = [
        make_evidence(
            assessment_round=open_round,
            party=party,
            author=focal_point,
            status="submitted",
            code=code,
        )
        for code in ("REG-1", "REG-2")
    ]
    client.force_login(reviewer)
    response = client.post(
        reverse("bulk-preview"),
        {"decision": "approve", "scope": "selected", "item": [f"{e.pk}:1" for e in items]},
    )
    page = response.content.decode()
    assert "2 items will be decided" in page and "Approved at level 2" in page
    assert set(Evidence.objects.values_list("status", flat=True)) == {"submitted"}
    response = client.post(
        reverse("bulk-confirm"),
        {"decision": "approve", "item": [f"{e.pk}:1" for e in items]},
    )
    assert response.context["decided"] == 2
    assert set(Evidence.objects.values_list("status", flat=True)) == {"approved"}


def test_bulk_preview_for_every_item_matching_the_filter(
    client, reviewer, focal_point, other_focal_point, open_round, party, other_party
):
    make_evidence(assessment_round=open_round, party=party, author=focal_point, status="submitted")
    make_evidence(
        assessment_round=open_round, party=other_party, author=other_focal_point, status="submitted"
    )
    client.force_login(reviewer)
    response = client.post(
        reverse("bulk-preview"),
        {"decision": "reject", "comment": "Out of scope.", "scope": "filter", "region": "asia"},
    )
    assert [evidence.party.code for evidence, *_ in response.context["rows"]] == ["THA"]


@pytest.fixture
def story(focal_point, reviewer, open_round, party):
    evidence = evidence_create(
        actor=focal_point,
        assessment_round=open_round,
        party=party,
        sub_pillar=sub_pillar_of(open_round, "REG-1"),
        claimed_level=2,
        narrative="Draft regulation published for consultation.",
    )
    evidence_update(
        actor=focal_point,
        evidence=evidence,
        expected_version=1,
        claimed_level=3,
        narrative="Adopted.",
        facts={},
        source_urls=["https://example.org/a"],
        is_confidential=False,
    )
    evidence_submit(actor=focal_point, evidence=evidence)
    comment_add(actor=reviewer, evidence=evidence, body="Which gazette?")
    review_decide(
        actor=reviewer, evidence=evidence, decision="approve", expected_version=3, awarded_level=2
    )
    return Evidence.objects.get(pk=evidence.pk)


def test_the_timeline_merges_history_decisions_and_comments_in_order(story, focal_point,
                                                                     reviewer):  # fmt: skip
    timeline = evidence_timeline(story)
    assert [entry.action for entry in timeline] == [
        "evidence.created", "evidence.edited", "evidence.submitted", "comment",
        "evidence.approved", "review.approve",
    ]  # fmt: skip
    edited = timeline[1]
    assert edited.user == focal_point
    assert ("claimed_level", 2, 3) in edited.changes
    assert (
        "narrative",
        "Draft regulation published for consultation.",
        "Adopted.",
    ) in edited.changes
    assert all(entry.user is not None for entry in timeline)


def test_audit_pages_follow_each_other_without_gaps(story):
    everything = list(audit_iter(AuditFilters(), page_size=100))
    first = audit_page(AuditFilters(), limit=2)
    second = audit_page(AuditFilters(), cursor=first[-1].sort_key, limit=2)
    rest = audit_page(AuditFilters(), cursor=second[-1].sort_key, limit=100)
    assert first + second + rest == everything
    assert [e.at for e in everything] == sorted((e.at for e in everything), reverse=True)


def test_audit_filters(story, reviewer):
    assert {e.action for e in audit_iter(AuditFilters(user_id=reviewer.pk))} == {
        "comment", "evidence.approved", "review.approve",
    }  # fmt: skip
    assert {e.source for e in audit_iter(AuditFilters(source="comment"))} == {"comment"}
    assert list(audit_iter(AuditFilters(party_code="THA"))) == []


def test_global_audit_log_page_and_csv_export(client, round_admin, story):
    client.force_login(round_admin)
    page = client.get(reverse("audit-log") + "?user=reviewer").content.decode()
    assert "review.approve" in page and "evidence.created" not in page
    response = client.get(reverse("audit-export"))
    assert response["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time_utc", "user", "action"]
    assert len(rows) == 1 + 6
    assert {row[1] for row in rows[1:]} == {"focal.gha", "reviewer"}


def test_party_audit_log_for_the_team(client, focal_point, story):
    client.force_login(focal_point)
    response = client.get(reverse("party-audit", args=["gha"]))
    assert response.status_code == 200
    assert "Audit log of Ghana" in response.content.decode()


def test_a_new_release_never_draws_the_queue_menus_stored_by_the_previous_one(
    client, reviewer, open_round, monkeypatch
):
    """The menus are kept in the shared cache for an hour: after a deploy that changed their
    template, a fresh process must not serve the previous release's HTML."""
    from django.core.cache import cache

    from reviews import queue_fragments

    client.force_login(reviewer)
    queue_fragments._memo.clear()
    assert client.get(reverse("review-queue")).status_code == 200
    stale = "<option>menu of the previous release</option>"
    for key in list(queue_fragments._memo):
        cache.set(key, stale)  # the old release's fragments, as Redis still holds them
    queue_fragments._memo.clear()  # the new release's processes start empty
    monkeypatch.setattr(queue_fragments, "code_fingerprint", lambda: "next-release")
    page = client.get(reverse("review-queue")).content.decode()
    assert stale not in page and "<select" in page
