from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db import connection
from django.utils import timezone

from readiness import policy
from readiness.models import AssessmentRound, Party, RoundStatus, SubPillar, User
from submissions.models import Evidence, EvidenceStatus

# The review queue, in hand-written SQL: a page of it is one statement that also counts the
# matching items (COUNT(*) OVER ()), and the menus another that also reads the reviewer's
# roles. Through the ORM the same page took a COUNT, a six-table join of whole rows (texts,
# facts, guidance, password hashes, sorted by PostgreSQL before the limit) and two menu queries,
# and compiling those queries cost more than running them. The rounds come with the menus
# (attach_rounds): a join less for PostgreSQL to plan.

QUEUE_SQL = """
SELECT e.id, e.version, e.claimed_level, e.status, e.submitted_at, e.round_id, e.party_id,
       e.sub_pillar_id, e.submitted_by_id,
       p.code AS queue_party_code, p.name_en AS queue_party_name_en,
       p.name_zh AS queue_party_name_zh, s.code AS queue_sub_pillar_code,
       s.name_en AS queue_sub_pillar_name_en, s.name_zh AS queue_sub_pillar_name_zh,
       u.username AS queue_username, COUNT(*) OVER () AS queue_total
{tables}
WHERE {conditions}
ORDER BY {ordering}
LIMIT %s OFFSET %s
"""
QUEUE_COUNT_SQL = "SELECT COUNT(*) {tables} WHERE {conditions}"
QUEUE_TABLES = """FROM submissions_evidence e
INNER JOIN readiness_party p ON p.id = e.party_id
INNER JOIN readiness_subpillar s ON s.id = e.sub_pillar_id
LEFT OUTER JOIN readiness_user u ON u.id = e.submitted_by_id"""
QUEUE_PILLAR_JOIN = "\nINNER JOIN readiness_pillar pl ON pl.id = s.pillar_id"

# The last key makes the order, and so the pages, the same from one request to the next.
QUEUE_ORDERINGS = {
    "oldest": "e.submitted_at ASC, e.id ASC",
    "newest": "e.submitted_at DESC, e.id DESC",
    "party": "p.name_en ASC, s.code ASC, e.id ASC",
    "sub_pillar": "s.code ASC, p.name_en ASC, e.id ASC",
    "region": "p.region ASC, p.name_en ASC, e.id ASC",
}


def _queue_filter(
    *,
    round_id: int | None = None,
    pillar: str = "",
    sub_pillar: str = "",
    region: str = "",
    party: str = "",
    status: str = EvidenceStatus.SUBMITTED,
    older_than_days: int | None = None,
) -> tuple[str, str, list]:
    """The FROM and WHERE clauses of the queue with their parameters. Drafts never show; an
    empty status means any other status."""
    tables, conditions, params = QUEUE_TABLES, ["e.status <> %s"], [EvidenceStatus.DRAFT]
    if status:
        conditions.append("e.status = %s")
        params.append(status)
    if round_id:
        conditions.append("e.round_id = %s")
        params.append(round_id)
    if pillar:
        tables += QUEUE_PILLAR_JOIN
        conditions.append("pl.code = %s")
        params.append(pillar)
    if sub_pillar:
        conditions.append("s.code = %s")
        params.append(sub_pillar)
    if region:
        conditions.append("p.region = %s")
        params.append(region)
    if party:
        conditions.append("p.code = %s")
        params.append(party.upper())
    if older_than_days:
        since = timezone.now() - timedelta(days=older_than_days)
        conditions.append("e.submitted_at <= %s")
        params.append(connection.ops.adapt_datetimefield_value(since))
    return tables, " AND ".join(conditions), params


def review_queue(*, ordering: str = "oldest", offset: int = 0, limit: int = 25, **filters):
    """Evidence across Parties for reviewers, `limit` items from `offset` in the chosen order:
    what a queue row shows (its round: attach_rounds), every item carrying `queue_total`, how
    many match. Other fields of an item are read when used, as with QuerySet.only()."""
    tables, conditions, params = _queue_filter(**filters)
    sql = QUEUE_SQL.format(
        tables=tables,
        conditions=conditions,
        ordering=QUEUE_ORDERINGS.get(ordering, QUEUE_ORDERINGS["oldest"]),
    )
    items = list(Evidence.objects.raw(sql, [*params, limit, offset]))
    db = connection.alias
    for e in items:
        e.party = Party.from_db(
            db,
            ["id", "code", "name_en", "name_zh"],
            [e.party_id, e.queue_party_code, e.queue_party_name_en, e.queue_party_name_zh],
        )
        e.sub_pillar = SubPillar.from_db(
            db,
            ["id", "code", "name_en", "name_zh"],
            [e.sub_pillar_id, e.queue_sub_pillar_code, e.queue_sub_pillar_name_en,
             e.queue_sub_pillar_name_zh],
        )  # fmt: skip
        if e.submitted_by_id is not None:
            e.submitted_by = User.from_db(
                db, ["id", "username"], [e.submitted_by_id, e.queue_username]
            )
    return items


def review_queue_count(*, ordering: str = "oldest", **filters) -> int:
    """How many items match (in any `ordering`), for a page past the end: review_queue counts
    them otherwise."""
    tables, conditions, params = _queue_filter(**filters)
    with connection.cursor() as cursor:
        cursor.execute(QUEUE_COUNT_SQL.format(tables=tables, conditions=conditions), params)
        return cursor.fetchone()[0]


@dataclass
class QueueMenus:
    rounds: list[AssessmentRound]  # all of them, newest slug first; id, name, slug and status
    pillar_codes: list[str]

    @property
    def round_choices(self) -> list[tuple[int, str]]:
        return [(r.pk, str(r)) for r in self.rounds if r.status != RoundStatus.DRAFT]


# Every round (the menu offers those past drafting; attach_rounds needs them all), newest slug
# first as the model orders them, and the distinct pillar codes in their order.
MENUS_SQL = """
SELECT 0, id, name, slug, status FROM readiness_assessmentround
UNION ALL SELECT DISTINCT 1, "order", code, '', '' FROM readiness_pillar
"""
# The signed-in user's Party assignments, as policy.party_codes_for reads them.
MENUS_ROLES_SQL = """
UNION ALL SELECT 2, 0, p.code, a.role, '' FROM readiness_partyassignment a
INNER JOIN readiness_party p ON p.id = a.party_id WHERE a.user_id = %s
"""


def queue_menus(user=None) -> QueueMenus:
    """What the queue's filter menus offer, in one statement; given the signed-in user, the
    same statement reads their Party assignments for the navigation's roles, which would
    otherwise be a query of their own (policy.remember_party_codes)."""
    sql, params = MENUS_SQL, []
    if user is not None:
        sql, params = sql + MENUS_ROLES_SQL, [user.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql + "ORDER BY 1, 4 DESC, 2, 3", params)
        rows = cursor.fetchall()
    if user is not None:
        policy.remember_party_codes(user, [(a, b) for kind, _n, a, b, _c in rows if kind == 2])
    fields = ["id", "name", "slug", "status"]
    return QueueMenus(
        rounds=[
            AssessmentRound.from_db(connection.alias, fields, row[1:])
            for row in rows
            if row[0] == 0
        ],
        pillar_codes=[code for kind, _order, code, _b, _c in rows if kind == 1],
    )


MAX_QUEUE_OFFSET = 2**31 - 1


def review_queue_page(filters: dict, *, page_size: int, number, menus: QueueMenus) -> Page:
    """Paginator.get_page's page of the queue, from one statement that also counts the items
    (review_queue); only a page below 1 or past the end, which becomes the last page, counts
    them first. Each item gets its round from the menus and its status's label."""
    paginator = Paginator([], page_size)
    try:
        number = int(number)  # as Paginator.validate_number: anything else is page 1
    except (TypeError, ValueError):
        number = 1
    page = None
    # A page number whose offset no database integer holds is past the end too.
    if number >= 1 and (number - 1) * page_size <= MAX_QUEUE_OFFSET:
        items = review_queue(**filters, offset=(number - 1) * page_size, limit=page_size)
        if items or number == 1:
            paginator.count = items[0].queue_total if items else 0
            page = Page(items, number, paginator)
    if page is None:
        paginator.count = review_queue_count(**filters)
        number = paginator.num_pages
        items = review_queue(**filters, offset=(number - 1) * page_size, limit=page_size)
        page = Page(items, number, paginator)
    attach_rounds(page, menus)
    # The labels once per page rather than get_status_display (which rebuilds the field's
    # choices) for every row.
    labels = {value: str(label) for value, label in EvidenceStatus.choices}
    for evidence in page:
        evidence.status_label = labels.get(evidence.status, evidence.status)
    return page


def attach_rounds(items, menus: QueueMenus) -> None:
    """Gives each queue item its round from the menus' (a round created since is read when
    used, as any relation that was not selected)."""
    rounds = {r.pk: r for r in menus.rounds}
    for evidence in items:
        if evidence.round_id in rounds:
            evidence.round = rounds[evidence.round_id]


class BulkRow(NamedTuple):
    evidence: Evidence
    version: int  # the version the reviewer saw
    refusal: str  # why this item will be skipped; empty when it will be decided


def bulk_decision_rows(user, items: list[tuple[int, int]]) -> list[BulkRow]:
    """The rows of a bulk decision's preview, in the order given, for the (evidence id,
    version seen) pairs: only evidence the user may decide (policy.evidence_decidable_by, as
    the decision itself), so an id of a draft, or of a Party the reviewer works on, shows
    nothing, not even that it exists. An item that is no longer waiting, or changed since it
    was seen, is shown with the reason it will be skipped."""
    from django.utils.translation import gettext

    found = (
        Evidence.objects.filter(policy.evidence_decidable_by(user))
        .select_related("party", "sub_pillar")
        .in_bulk([evidence_id for evidence_id, _version in items])
    )
    rows, seen = [], set()
    for evidence_id, version in items:
        evidence = found.get(evidence_id)
        if evidence is None or evidence_id in seen:
            continue
        seen.add(evidence_id)
        refusal = ""
        if evidence.status != EvidenceStatus.SUBMITTED:
            refusal = gettext("already {status}").format(status=evidence.get_status_display())
        elif evidence.version != version:
            refusal = gettext("changed since you saw it (now version {now})").format(
                now=evidence.version
            )
        rows.append(BulkRow(evidence, version, refusal))
    return rows


def comment_threads(evidence: Evidence) -> list[tuple]:
    """Top-level comments with their replies, in order: [(comment, [reply, ...]), ...]."""
    from reviews.models import Comment

    comments = list(Comment.objects.filter(evidence=evidence).select_related("author"))
    replies: dict[int, list] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    return [(c, replies.get(c.pk, [])) for c in comments if not c.parent_id]


def evidence_page_context(user, evidence: Evidence) -> dict:
    """Everything the evidence page shows, and which actions this user may take on it."""
    from readiness import policy
    from reviews.audit import evidence_timeline
    from reviews.forms import CommentForm, DecisionForm, RevokeForm

    staff = policy.is_staff_role(user)
    in_progress = evidence.round.accepts_evidence
    can_edit = policy.can_edit_evidence(user, evidence) and in_progress
    can_decide = (
        in_progress
        and evidence.status == EvidenceStatus.SUBMITTED
        and policy.can_decide(user, evidence)
    )
    return {
        "evidence": evidence,
        "facts": _fact_rows(evidence),
        "documents": list(evidence.documents.all()),
        "reviews": list(evidence.reviews.select_related("reviewer")),
        "threads": comment_threads(evidence) if staff else [],
        "timeline": evidence_timeline(evidence) if staff else [],
        "can_edit": can_edit and evidence.is_editable,
        "can_submit": can_edit and evidence.is_editable,
        "can_withdraw": can_edit
        and evidence.status in (EvidenceStatus.DRAFT, EvidenceStatus.SUBMITTED),
        "can_decide": can_decide,
        "decide_refusal": None
        if can_decide or not policy.is_reviewer(user)
        else policy.reviewer_conflict(user, evidence),
        "can_revoke": in_progress
        and evidence.status == EvidenceStatus.APPROVED
        and policy.can_revoke(user),
        "can_comment": in_progress and policy.can_comment(user, evidence),
        "decision_form": DecisionForm(evidence=evidence) if can_decide else None,
        "comment_form": CommentForm(),
        "revoke_form": RevokeForm(),
    }


def _fact_rows(evidence: Evidence) -> list[tuple[str, str]]:
    fields = {fact.key: fact for fact in evidence.sub_pillar.facts.all()}
    rows = []
    for key, value in evidence.facts.items():
        fact = fields.get(key)
        if fact is None:
            continue
        if fact.kind == "choice":
            value = fact.choice_label(value)
        elif isinstance(value, list):
            value = ", ".join(value)
        rows.append((fact.label, value))
    return rows
