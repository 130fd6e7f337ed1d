"""Right of reply: services to contest an awarded level and to answer, and to set the window."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import policy
from readiness.exceptions import Conflict, RoundLocked
from readiness.history import tracked_bulk_create, tracked_save
from readiness.models import AssessmentRound, Party, RoundStatus, SubPillar, User
from readiness.round_locks import round_hold_for_change
from reviews.models import Reply, ReplyStatus
from submissions.models import Evidence, EvidenceStatus
from submissions.rules import pending_rivals, rival_message


@transaction.atomic
def reply_window_set(*, actor: User, assessment_round: AssessmentRound, until) -> AssessmentRound:
    policy.require(policy.can_manage_rounds(actor), _("Only round admins set the reply window."))
    locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    if locked.status != RoundStatus.REVIEW:
        raise RoundLocked(_("The right of reply opens while the round is in review."))
    locked.reply_deadline = until
    tracked_save(locked, actor=actor, reason=f"right of reply until {until:%Y-%m-%d %H:%M}")
    return locked


@transaction.atomic
def reply_raise(
    *,
    actor: User,
    assessment_round: AssessmentRound,
    party: Party,
    sub_pillar: SubPillar,
    requested_level: int,
    statement: str,
) -> Reply:
    """A focal point (or analyst) of the Party contests the level awarded to a sub-pillar."""
    policy.require(
        policy.works_on(actor, party.pk),
        _("Only the focal points and analysts of %(party)s may reply.") % {"party": party.name},
    )
    locked = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
    if locked.status != RoundStatus.REVIEW or not locked.reply_deadline:
        raise RoundLocked(_("The right of reply is not open for this round."))
    if not locked.reply_open:
        raise RoundLocked(_("The right of reply closed on %(date)s.") % {
            "date": f"{locked.reply_deadline:%Y-%m-%d %H:%M} UTC"})  # fmt: skip
    if sub_pillar.pillar.round_id != locked.pk:
        raise ValidationError(_("That sub-pillar belongs to another round."))
    if not sub_pillar.levels.filter(score=requested_level).exists():
        raise ValidationError({"requested_level": _("Choose one of the sub-pillar's levels.")})
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": _("Explain why the level should change.")})
    if Reply.objects.filter(round=locked, party=party, sub_pillar=sub_pillar,
                            status=ReplyStatus.OPEN).exists():  # fmt: skip
        raise Conflict(_("A reply on this sub-pillar is already waiting for an answer."))
    reply = Reply(round=locked, party=party, sub_pillar=sub_pillar, raised_by=actor,
                  requested_level=requested_level, statement=statement)  # fmt: skip
    tracked_save(reply, actor=actor, reason="reply raised")
    return reply


@transaction.atomic
def reply_answer(*, actor: User, reply: Reply, change: bool, answer: str) -> Reply:
    """A reviewer answers: the level is upheld, or the requested level goes to a new decision
    as submitted evidence (copied from the approved one) in the review queue."""
    round_hold_for_change(reply.round_id)  # its status, read below, stays until the commit
    locked = Reply.objects.select_for_update().select_related("round", "party").get(pk=reply.pk)
    policy.require(
        policy.can_answer_reply(actor, locked),
        _("A reviewer with no tie to this Party answers replies."),
    )
    if locked.round.status != RoundStatus.REVIEW:
        raise RoundLocked(_("Replies are answered while the round is in review."))
    if locked.status != ReplyStatus.OPEN:
        raise Conflict(_("This reply has already been answered."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer to the Party.")})
    if change:
        rival = (
            pending_rivals(locked.round_id, locked.party_id, locked.sub_pillar_id)
            .select_related("party", "sub_pillar")
            .first()
        )
        if rival is not None:  # the requested level would compete with it for the decision
            raise Conflict(rival_message(rival))
        current = Evidence.objects.filter(round=locked.round, party=locked.party,
                                          sub_pillar=locked.sub_pillar,
                                          status=EvidenceStatus.APPROVED).first()  # fmt: skip
        [new] = tracked_bulk_create(
            Evidence,
            [Evidence(
                round=locked.round, party=locked.party, sub_pillar=locked.sub_pillar,
                claimed_level=locked.requested_level, status=EvidenceStatus.SUBMITTED,
                narrative=(current.narrative + "\n\n" if current else "")
                + f"Right of reply: {locked.statement}",
                facts=current.facts if current else {},
                source_urls=current.source_urls if current else [],
                is_confidential=current.is_confidential if current else False,
                created_by=locked.raised_by, submitted_by=locked.raised_by,
                submitted_at=timezone.now(),
            )],
            actor=actor,
            reason=f"from reply #{locked.pk}",
        )  # fmt: skip
        locked.new_evidence = new
    locked.status = ReplyStatus.CHANGED if change else ReplyStatus.UPHELD
    locked.answer = answer
    locked.answered_by = actor
    tracked_save(locked, actor=actor, reason=f"reply answered: {locked.status}")
    return locked
