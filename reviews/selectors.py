from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from submissions.models import Evidence, EvidenceStatus

QUEUE_ORDERINGS = {
    "oldest": ("submitted_at", "pk"),
    "newest": ("-submitted_at", "-pk"),
    "party": ("party__name_en", "sub_pillar__code"),
    "sub_pillar": ("sub_pillar__code", "party__name_en"),
    "region": ("party__region", "party__name_en"),
}


def review_queue(
    *,
    round_id: int | None = None,
    pillar: str = "",
    sub_pillar: str = "",
    region: str = "",
    party: str = "",
    status: str = EvidenceStatus.SUBMITTED,
    older_than_days: int | None = None,
    ordering: str = "oldest",
) -> QuerySet[Evidence]:
    """Evidence across Parties for reviewers: one query, whatever the page size."""
    items = Evidence.objects.exclude(status=EvidenceStatus.DRAFT).select_related(
        "round", "party", "sub_pillar__pillar", "submitted_by"
    )
    if status:
        items = items.filter(status=status)
    if round_id:
        items = items.filter(round_id=round_id)
    if pillar:
        items = items.filter(sub_pillar__pillar__code=pillar)
    if sub_pillar:
        items = items.filter(sub_pillar__code=sub_pillar)
    if region:
        items = items.filter(party__region=region)
    if party:
        items = items.filter(party__code=party.upper())
    if older_than_days:
        items = items.filter(submitted_at__lte=timezone.now() - timedelta(days=older_than_days))
    return items.order_by(*QUEUE_ORDERINGS.get(ordering, QUEUE_ORDERINGS["oldest"]))


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
