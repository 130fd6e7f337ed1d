"""The audit trail, read back: evidence history (field-level before/after), decisions, comments,
documents and right-of-reply exchanges merged into one time line, for one evidence, one Party or
the whole system.

Pages are keyset-paginated (newest first): each source is queried for entries older than a
cursor and the results are merged, so the cost of a page does not grow with its depth.
"""

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import Comment, Reply, Review
from submissions.models import Document, Evidence

TRACKED_FIELDS = ("status", "claimed_level", "awarded_level", "narrative", "facts",
                  "source_urls", "is_confidential")  # fmt: skip
SOURCES = {
    "evidence": _("Evidence changes"),
    "review": _("Decisions"),
    "comment": _("Comments"),
    "document": _("Documents"),
    "reply": _("Right of reply"),
}


@dataclass
class AuditEntry:
    at: datetime
    source: str
    key: int
    user: object
    action: str
    party_code: str
    evidence_id: int | None
    summary: str = ""
    changes: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}|{self.source}|{self.key}"

    @property
    def sort_key(self):
        return (self.at, self.source, self.key)


@dataclass(frozen=True)
class AuditFilters:
    user_id: int | None = None
    party_code: str = ""
    source: str = ""
    date_from: date | None = None
    date_to: date | None = None
    evidence_id: int | None = None


def _filtered(queryset: QuerySet, filters: AuditFilters, *, user_field: str) -> QuerySet:
    """Applies the filters to a source whose rows point at an evidence."""
    if filters.user_id:
        queryset = queryset.filter(**{user_field: filters.user_id})
    if filters.party_code:
        queryset = queryset.filter(evidence__party__code=filters.party_code)
    if filters.evidence_id:
        queryset = queryset.filter(evidence_id=filters.evidence_id)
    return queryset


# --- one builder per source: (queryset, date field, key field, entry factory) ----------------


def _evidence_history(filters: AuditFilters) -> QuerySet:
    records = Evidence.history.select_related("history_user", "party")
    if filters.user_id:
        records = records.filter(history_user_id=filters.user_id)
    if filters.party_code:
        records = records.filter(party__code=filters.party_code)
    if filters.evidence_id:
        records = records.filter(id=filters.evidence_id)
    previous = Evidence.history.filter(
        id=OuterRef("id"), history_id__lt=OuterRef("history_id")
    ).order_by("-history_id")
    return records.annotate(previous_history_id=Subquery(previous.values("history_id")[:1]))


def _evidence_entries(records: list) -> list[AuditEntry]:
    previous_ids = [r.previous_history_id for r in records if r.previous_history_id]
    previous = Evidence.history.in_bulk(previous_ids)
    entries = []
    for record in records:
        before = previous.get(record.previous_history_id)
        changes = [
            (name, getattr(before, name), getattr(record, name))
            for name in TRACKED_FIELDS
            if before is not None and getattr(before, name) != getattr(record, name)
        ]
        if record.history_type == "+":
            action = "evidence.created"
        elif before is not None and before.status != record.status:
            action = f"evidence.{record.status}"
        else:
            action = "evidence.edited"
        entries.append(
            AuditEntry(
                at=record.history_date,
                source="evidence",
                key=record.history_id,
                user=record.history_user,
                action=action,
                party_code=record.party.code,
                evidence_id=record.id,
                summary=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _reviews(filters: AuditFilters) -> QuerySet:
    return _filtered(
        Review.objects.select_related("reviewer", "evidence__party"),
        filters,
        user_field="reviewer_id",
    )


def _review_entries(reviews: list) -> list[AuditEntry]:
    return [
        AuditEntry(
            at=review.created_at,
            source="review",
            key=review.pk,
            user=review.reviewer,
            action=f"review.{review.decision}",
            party_code=review.evidence.party.code,
            evidence_id=review.evidence_id,
            summary=review.comment,
            changes=[("awarded_level", None, review.awarded_level)]
            if review.awarded_level is not None
            else [],
        )
        for review in reviews
    ]


def _comments(filters: AuditFilters) -> QuerySet:
    return _filtered(
        Comment.objects.select_related("author", "evidence__party"), filters, user_field="author_id"
    )


def _comment_entries(comments: list) -> list[AuditEntry]:
    return [
        AuditEntry(
            at=comment.created_at,
            source="comment",
            key=comment.pk,
            user=comment.author,
            action="comment",
            party_code=comment.evidence.party.code,
            evidence_id=comment.evidence_id,
            summary=comment.body,
        )
        for comment in comments
    ]


def _document_history(filters: AuditFilters) -> QuerySet:
    return _filtered(
        Document.history.select_related("history_user", "evidence__party"),
        filters,
        user_field="history_user_id",
    )


def _document_entries(records: list) -> list[AuditEntry]:
    return [
        AuditEntry(
            at=record.history_date,
            source="document",
            key=record.history_id,
            user=record.history_user,
            action={"+": "document.added", "-": "document.removed"}.get(
                record.history_type, "document.changed"
            ),
            party_code=record.evidence.party.code,
            evidence_id=record.evidence_id,
            summary=f"{record.original_name} ({record.size} B, sha256 {record.sha256[:12]}…)",
        )
        for record in records
    ]


def _reply_history(filters: AuditFilters) -> QuerySet:
    """Replies are about a Party's sub-pillar in a round, not one evidence row: an evidence's
    time line shows the replies on its round, Party and sub-pillar."""
    records = Reply.history.select_related("history_user", "party", "sub_pillar")
    if filters.user_id:
        records = records.filter(history_user_id=filters.user_id)
    if filters.party_code:
        records = records.filter(party__code=filters.party_code)
    if filters.evidence_id:
        same_sub_pillar = Evidence.objects.filter(
            pk=filters.evidence_id,
            round_id=OuterRef("round_id"),
            party_id=OuterRef("party_id"),
            sub_pillar_id=OuterRef("sub_pillar_id"),
        )
        records = records.filter(Exists(same_sub_pillar))
    return records


def _reply_entries(records: list) -> list[AuditEntry]:
    entries = []
    for record in records:
        if record.history_type == "+":
            action, summary = "reply.raised", record.statement
            changes = [("requested_level", None, record.requested_level)]
        else:
            action, summary = f"reply.{record.status}", record.answer
            changes = [("status", "open", record.status)]
        entries.append(
            AuditEntry(
                at=record.history_date,
                source="reply",
                key=record.history_id,
                user=record.history_user,
                action=action,
                party_code=record.party.code,
                evidence_id=record.new_evidence_id,
                summary=f"{record.sub_pillar.code}: {summary}",
                changes=changes,
            )
        )
    return entries


BUILDERS = {
    "evidence": (_evidence_history, "history_date", "history_id", _evidence_entries),
    "review": (_reviews, "created_at", "pk", _review_entries),
    "comment": (_comments, "created_at", "pk", _comment_entries),
    "document": (_document_history, "history_date", "history_id", _document_entries),
    "reply": (_reply_history, "history_date", "history_id", _reply_entries),
}


def _date_bounds(filters: AuditFilters, date_field: str) -> Q:
    bounds = Q()
    zone = timezone.get_current_timezone()
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=zone)
        bounds &= Q(**{f"{date_field}__gte": start})
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=zone)
        bounds &= Q(**{f"{date_field}__lt": end})
    return bounds


def _before(cursor: tuple | None, source: str, date_field: str, key_field: str) -> Q:
    """Entries after `cursor` in the order (time, source, key) descending."""
    if cursor is None:
        return Q()
    at, cursor_source, cursor_key = cursor
    older = Q(**{f"{date_field}__lt": at})
    if source < cursor_source:
        return older | Q(**{date_field: at})
    if source == cursor_source:
        return older | Q(**{date_field: at, f"{key_field}__lt": cursor_key})
    return older


def parse_cursor(text: str) -> tuple | None:
    try:
        at, source, key = text.split("|")
        return datetime.fromisoformat(at), source, int(key)
    except (ValueError, AttributeError):
        return None


def audit_page(
    filters: AuditFilters, *, cursor: tuple | None = None, limit: int = 50
) -> list[AuditEntry]:
    """The next `limit` entries, newest first, after `cursor`. Two to three queries per source."""
    pages = []
    for source, (queryset, date_field, key_field, to_entries) in BUILDERS.items():
        if filters.source and filters.source != source:
            continue
        rows = list(
            queryset(filters)
            .filter(
                _date_bounds(filters, date_field), _before(cursor, source, date_field, key_field)
            )
            .order_by(f"-{date_field}", f"-{key_field}")[:limit]
        )
        pages.append(to_entries(rows))
    merged = heapq.merge(*pages, key=lambda entry: entry.sort_key, reverse=True)
    return [entry for _, entry in zip(range(limit), merged, strict=False)]


def audit_iter(filters: AuditFilters, *, page_size: int = 500):
    """Every entry, newest first, page by page (for CSV export)."""
    cursor = None
    while True:
        page = audit_page(filters, cursor=cursor, limit=page_size)
        yield from page
        if len(page) < page_size:
            return
        cursor = page[-1].sort_key


def evidence_timeline(evidence: Evidence) -> list[AuditEntry]:
    """Everything that happened to one piece of evidence, oldest first."""
    return list(reversed(list(audit_iter(AuditFilters(evidence_id=evidence.pk)))))
