"""Use cases of reviewers and round admins: decide evidence (one item or many), revoke an
approval, and comment. Transactional, permission-checked, attributed in the history."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from readiness import policy
from readiness.exceptions import Conflict, DomainError, RoundLocked
from readiness.history import tracked_save
from readiness.models import ChangeKind, RoundStatus, User
from readiness.recompute import mark_round_changed
from readiness.round_locks import round_hold_for_change
from reviews.models import Comment, Decision, Review
from reviews.notifications import notify_submitter_of_decision
from submissions.models import Evidence, EvidenceStatus
from submissions.services import check_version, lock_evidence, require_round_accepts

NEW_STATUS = {
    Decision.APPROVE: EvidenceStatus.APPROVED,
    Decision.REQUEST_CHANGES: EvidenceStatus.CHANGES_REQUESTED,
    Decision.REJECT: EvidenceStatus.REJECTED,
}
MAX_COMMENT = 5000


def _notify(review: Review) -> None:
    notify_submitter_of_decision(review)  # an outbox row in this transaction


def _results_changed(review: Review, kind: str, what: str, detail: str = "") -> None:
    """Records the decision as the cause of the round's next results (see readiness.recompute)."""
    evidence = review.evidence
    mark_round_changed(
        evidence.round,
        kind=kind,
        description=f"{review.reviewer.get_username()} {what} (evidence #{evidence.pk})"
        + (f": {detail}" if detail else ""),
        actor=review.reviewer,
        party=evidence.party,
        evidence=evidence,
        review=review,
    )


def _supersede_current_approval(locked: Evidence, actor: User) -> None:
    current = (
        Evidence.objects.select_for_update()
        .filter(
            round_id=locked.round_id,
            party_id=locked.party_id,
            sub_pillar_id=locked.sub_pillar_id,
            status=EvidenceStatus.APPROVED,
        )
        .exclude(pk=locked.pk)
        .first()
    )
    if current is not None:
        current.status = EvidenceStatus.SUPERSEDED
        current.version += 1
        tracked_save(current, actor=actor, reason=f"superseded by evidence #{locked.pk}")


def check_decision(decision: str, comment: str) -> str:
    """The rules of a decision itself, whatever it is taken on (one item, or many in a bulk
    decision and its preview): a known decision, and a comment for anything but an approval.
    Returns the comment as it is recorded; a ValidationError names the field."""
    if decision not in NEW_STATUS:
        raise ValidationError({"decision": _("Choose approve, request changes or reject.")})
    comment = (comment or "").strip()
    if decision != Decision.APPROVE and not comment:
        raise ValidationError(
            {"comment": _("Explain what needs to change, or why it is rejected.")}
        )
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": _("At most {n} characters.").format(n=MAX_COMMENT)})
    return comment


@transaction.atomic
def review_decide(
    *,
    actor: User,
    evidence: Evidence,
    decision: str,
    expected_version: int | None,
    awarded_level: int | None = None,
    comment: str = "",
) -> Review:
    """Approves (with an awarded level, by default the claimed one), sends back for changes or
    rejects one submitted version of a piece of evidence."""
    check_decision(decision, comment)
    locked = lock_evidence(evidence)
    conflict = policy.reviewer_conflict(actor, locked)
    if conflict:
        raise PermissionDenied(conflict)
    require_round_accepts(locked.round, review_too=True)
    check_version(locked, expected_version)
    if locked.status != EvidenceStatus.SUBMITTED:
        raise Conflict(
            _("This evidence is already {status}; it can no longer be decided.").format(
                status=str(locked.get_status_display()).lower()
            )
        )
    comment = check_decision(decision, comment)
    decided_version = locked.version
    if decision == Decision.APPROVE:
        awarded_level = locked.claimed_level if awarded_level is None else awarded_level
        if not locked.sub_pillar.levels.filter(score=awarded_level).exists():
            raise ValidationError(
                {"awarded_level": _("{level} is not a level of {code}.").format(
                    level=awarded_level, code=locked.sub_pillar.code)}
            )  # fmt: skip
        _supersede_current_approval(locked, actor)
        locked.awarded_level = awarded_level
    else:
        awarded_level = None
    locked.status = NEW_STATUS[decision]
    locked.version += 1
    reason = str(Decision(decision).label) + (f": {comment[:200]}" if comment else "")
    tracked_save(locked, actor=actor, reason=reason)
    review = Review.objects.create(
        evidence=locked,
        reviewer=actor,
        decision=decision,
        awarded_level=awarded_level,
        comment=comment,
        evidence_version=decided_version,
    )
    if decision == Decision.APPROVE:
        _results_changed(
            review,
            ChangeKind.DECISION,
            f"approved {locked.party.code} {locked.sub_pillar.code} at level {awarded_level}",
        )
    _notify(review)
    return review


@transaction.atomic
def review_revoke(*, actor: User, evidence: Evidence, reason: str) -> Review:
    """A round admin withdraws an approval; the sub-pillar then scores as if never approved."""
    policy.require(policy.can_revoke(actor), _("Only round admins may revoke an approval."))
    locked = lock_evidence(evidence)
    require_round_accepts(locked.round, review_too=True)
    if locked.status != EvidenceStatus.APPROVED:
        raise Conflict(_("Only approved evidence can be revoked."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking this approval.")})
    decided_version = locked.version
    locked.status = EvidenceStatus.REVOKED
    locked.version += 1
    tracked_save(locked, actor=actor, reason=f"approval revoked: {reason[:200]}")
    review = Review.objects.create(
        evidence=locked,
        reviewer=actor,
        decision=Decision.REVOKE,
        comment=reason,
        evidence_version=decided_version,
    )
    _results_changed(
        review,
        ChangeKind.REVOCATION,
        f"revoked the approval of {locked.party.code} {locked.sub_pillar.code}",
        detail=reason[:150],
    )
    _notify(review)
    return review


@dataclass(frozen=True)
class BulkOutcome:
    evidence_id: int
    decided: bool
    message: str


def reviews_decide_bulk(
    *, actor: User, items: list[tuple[int, int]], decision: str, comment: str = ""
) -> list[BulkOutcome]:
    """Decides several (evidence id, version seen in the preview) pairs. The decision and
    comment are checked first (check_decision: a ValidationError decides nothing); then each
    item is decided on its own, in its own transaction, by the same rules as a single decision;
    an approval awards the claimed level. An item the actor may not decide is "not found", as
    a missing one (policy.evidence_decidable_by)."""
    check_decision(decision, comment)
    outcomes = []
    evidence_by_id = Evidence.objects.filter(policy.evidence_decidable_by(actor)).in_bulk(
        [evidence_id for evidence_id, _ in items]
    )
    for evidence_id, version in items:
        evidence = evidence_by_id.get(evidence_id)
        if evidence is None:
            outcomes.append(BulkOutcome(evidence_id, False, _("Not found.")))
            continue
        try:
            review_decide(
                actor=actor,
                evidence=evidence,
                decision=decision,
                expected_version=version,
                comment=comment,
            )
            outcomes.append(BulkOutcome(evidence_id, True, str(Decision(decision).label)))
        except (DomainError, PermissionDenied) as error:
            outcomes.append(BulkOutcome(evidence_id, False, str(error)))
        except ValidationError as error:
            outcomes.append(BulkOutcome(evidence_id, False, " ".join(error.messages)))
    return outcomes


def _require_threads_open(assessment_round) -> None:
    if assessment_round.status in (RoundStatus.PUBLISHED, RoundStatus.ARCHIVED):
        raise RoundLocked(_("The round is published: its evidence threads are closed."))


@transaction.atomic
def comment_add(
    *, actor: User, evidence: Evidence, body: str, parent: Comment | None = None
) -> Comment:
    policy.require(policy.can_comment(actor, evidence), _("You may not comment on this evidence."))
    round_hold_for_change(evidence.round_id, check=_require_threads_open)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": _("At most {n} characters.").format(n=MAX_COMMENT)})
    if parent is not None and parent.evidence_id != evidence.pk:
        raise ValidationError({"parent": _("You can only reply within the same thread.")})
    return Comment.objects.create(evidence=evidence, author=actor, parent=parent, body=body)
