"""Right-of-reply exchanges in the merged audit stream: raised, upheld, sent for a new decision."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness.models import RoundStatus
from reviews.audit import AuditFilters, audit_iter, audit_page, evidence_timeline
from reviews.replies import reply_answer, reply_raise, reply_window_set
from reviews.services import comment_add
from tests.factories import (
    PartyFactory,
    add_members,
    make_evidence,
    round_with_methodology,
    sub_pillar_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(party, other_party, round_admin):
    assessment_round = round_with_methodology(slug="2026", status=RoundStatus.REVIEW,
                                              parties=[party, other_party])  # fmt: skip
    return reply_window_set(actor=round_admin, assessment_round=assessment_round,
                            until=timezone.now() + timedelta(days=7))  # fmt: skip


def contest(actor, assessment_round, party, code="REG-1", level=3):
    return reply_raise(actor=actor, assessment_round=assessment_round, party=party,
                       sub_pillar=sub_pillar_of(assessment_round, code), requested_level=level,
                       statement=f"{party.code} {code}: adopted in May.")  # fmt: skip


@pytest.fixture
def exchange(in_review, party, focal_point, reviewer):
    """Ghana's approved REG-1 is contested and sent for a new decision; REG-2 is contested and
    the level upheld."""
    approved = make_evidence(assessment_round=in_review, party=party, author=focal_point,
                             status="approved", code="REG-1", claimed_level=2)  # fmt: skip
    changed = reply_answer(actor=reviewer, reply=contest(focal_point, in_review, party),
                           change=True, answer="Agreed: decide it again.")  # fmt: skip
    upheld = reply_answer(actor=reviewer, reply=contest(focal_point, in_review, party, "REG-2"),
                          change=False, answer="The decree is a draft.")  # fmt: skip
    return {"approved": approved, "changed": changed, "upheld": upheld}


def reply_actions(entries) -> list[tuple[str, str, str]]:
    return [(e.action, e.user.username, e.summary.split(":")[0]) for e in entries
            if e.source == "reply"]  # fmt: skip


def test_each_step_of_a_reply_is_in_the_stream_newest_first(exchange, focal_point, reviewer):
    assert reply_actions(audit_iter(AuditFilters())) == [
        ("reply.upheld", "reviewer", "REG-2"),
        ("reply.raised", "focal.gha", "REG-2"),
        ("reply.changed", "reviewer", "REG-1"),
        ("reply.raised", "focal.gha", "REG-1"),
    ]
    raised = next(e for e in audit_iter(AuditFilters()) if e.action == "reply.raised")
    assert raised.changes == [("requested_level", None, 3)] and raised.party_code == "GHA"
    sent = next(e for e in audit_iter(AuditFilters()) if e.action == "reply.changed")
    assert sent.evidence_id == exchange["changed"].new_evidence_id
    assert sent.summary == "REG-1: Agreed: decide it again."


def test_the_evidence_time_line_shows_the_replies_on_its_sub_pillar(exchange):
    timeline = evidence_timeline(exchange["approved"])
    assert [e.action for e in timeline if e.source == "reply"] == ["reply.raised",
                                                                    "reply.changed"]  # fmt: skip
    new = exchange["changed"].new_evidence
    assert [e.action for e in evidence_timeline(new)] == [
        "reply.raised", "evidence.created", "reply.changed",
    ]  # fmt: skip


def test_filters_apply_to_replies(exchange, in_review, other_party, other_focal_point, reviewer,
                                  focal_point):  # fmt: skip
    contest(other_focal_point, in_review, other_party)
    by_reviewer = {e.action for e in audit_iter(AuditFilters(user_id=reviewer.pk))}
    assert {"reply.upheld", "reply.changed"} <= by_reviewer and "reply.raised" not in by_reviewer
    thailand = list(audit_iter(AuditFilters(party_code="THA")))
    assert [(e.action, e.party_code) for e in thailand] == [("reply.raised", "THA")]
    assert {e.source for e in audit_iter(AuditFilters(source="reply"))} == {"reply"}
    assert len(list(audit_iter(AuditFilters(source="reply")))) == 5
    yesterday = timezone.localdate() - timedelta(days=1)
    assert list(audit_iter(AuditFilters(date_to=yesterday))) == []
    assert len(list(audit_iter(AuditFilters(source="reply", date_from=timezone.localdate())))) == 5
    assert list(audit_iter(AuditFilters(source="reply", user_id=focal_point.pk,
                                        party_code="THA"))) == []  # fmt: skip


def test_pages_run_across_replies_and_the_other_sources_without_gaps(
    in_review, party, focal_point, reviewer
):
    """Replies, evidence history and comments interleaved in time, read two entries a page."""
    for code in ("REG-1", "REG-2", "REG-3"):
        evidence = make_evidence(assessment_round=in_review, party=party, author=focal_point,
                                 status="approved", code=code)  # fmt: skip
        comment_add(actor=reviewer, evidence=evidence, body=f"Checked {code}.")
        reply_answer(actor=reviewer, reply=contest(focal_point, in_review, party, code, level=1),
                     change=False, answer="Upheld.")  # fmt: skip
    everything = list(audit_iter(AuditFilters(), page_size=100))
    assert {e.source for e in everything} >= {"reply", "comment", "evidence"}
    pages, cursor = [], None
    while True:
        page = audit_page(AuditFilters(), cursor=cursor, limit=2)
        pages += page
        if len(page) < 2:
            break
        cursor = page[-1].sort_key
    assert pages == everything
    assert len({(e.source, e.key) for e in pages}) == len(pages)
    assert [e.sort_key for e in pages] == sorted((e.sort_key for e in pages), reverse=True)
    sources = [e.source for e in everything]
    assert sources.index("reply") < sources.index("comment") < len(sources) - 1


def test_the_audit_page_costs_the_same_with_more_replies(client, round_admin, in_review,
                                                          focal_point, reviewer):  # fmt: skip
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit-log")).status_code == 200
        return len(captured)

    client.force_login(round_admin)
    parties = [PartyFactory() for _ in range(5)]
    add_members(in_review, parties)
    from tests.factories import AssignmentFactory

    for party in parties:
        AssignmentFactory(user=focal_point, party=party)
    focal_point._policy_party_ids = None
    contest(focal_point, in_review, parties[0])
    one = queries()
    for party in parties[1:]:
        contest(focal_point, in_review, party)
    assert queries() == one


def test_the_party_log_and_the_export_show_replies(client, exchange, focal_point, round_admin):
    client.force_login(focal_point)
    page = client.get(reverse("party-audit", args=["GHA"]) + "?source=reply").content.decode()
    assert "reply.raised" in page and "reply.upheld" in page
    assert "evidence.created" not in page
    client.force_login(round_admin)
    response = client.get(reverse("audit-export") + "?source=reply")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[2] for row in rows[1:]] == ["reply.upheld", "reply.raised", "reply.changed",
                                            "reply.raised"]  # fmt: skip


def test_other_parties_teams_do_not_see_a_partys_replies(client, exchange, other_focal_point):
    client.force_login(other_focal_point)
    assert client.get(reverse("party-audit", args=["GHA"])).status_code == 404
