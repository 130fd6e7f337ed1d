from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import policy
from readiness.exceptions import InvalidTransition, RoundLocked
from readiness.history import tracked_bulk_create, tracked_delete, tracked_save
from readiness.models import (
    ROUND_TRANSITIONS,
    AssessmentRound,
    ChangeKind,
    Party,
    RoundParty,
    RoundStatus,
    SubPillar,
    User,
)
from readiness.notifications import notify_round_opened
from readiness.recompute import mark_round_changed, recompute
from readiness.round_locks import round_hold_for_change, round_lock_for_transition
from readiness.services.party_snapshots import round_snapshot_take


def _lock(assessment_round: AssessmentRound) -> AssessmentRound:
    return round_lock_for_transition(assessment_round.pk)


def _require_not_frozen(assessment_round: AssessmentRound) -> None:
    if assessment_round.is_frozen:
        raise RoundLocked(_("The round is published; its Parties can no longer change."))


def _require_open(assessment_round: AssessmentRound) -> None:
    if assessment_round.status != RoundStatus.OPEN:
        raise RoundLocked(_("Evidence is carried forward into an open round only."))


@transaction.atomic
def round_create(
    *,
    actor: User,
    name: str,
    slug: str,
    data_cutoff: date | None = None,
    submission_deadline: datetime | None = None,
    parties: list[Party] | None = None,
    previous_round: AssessmentRound | None = None,
) -> AssessmentRound:
    """Creates a round in draft, with the given Parties as members."""
    policy.require(policy.can_manage_rounds(actor), "Only round admins may create rounds.")
    if AssessmentRound.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A round with the slug “{slug}” already exists."})
    assessment_round = AssessmentRound(
        name=name,
        slug=slug,
        data_cutoff=data_cutoff,
        submission_deadline=submission_deadline,
        previous_round=previous_round,
    )
    assessment_round.full_clean()
    tracked_save(assessment_round, actor=actor, reason="round created")
    if parties:
        tracked_bulk_create(
            RoundParty,
            [RoundParty(round=assessment_round, party=party) for party in parties],
            actor=actor,
            reason="initial membership",
        )
        round_snapshot_take(assessment_round)
        mark_round_changed(
            assessment_round,
            kind=ChangeKind.MEMBERSHIP,
            description=f"{actor.get_username()}: {len(parties)} Parties in the new round",
            actor=actor,
        )
    return assessment_round


def _check_ready_to_open(assessment_round: AssessmentRound) -> None:
    from readiness.methodology_checks import methodology_problems

    if not assessment_round.memberships.exists():
        raise InvalidTransition(_("The round has no Parties; add Parties before opening it."))
    problems = methodology_problems(assessment_round)
    if problems:
        raise InvalidTransition(
            _("The methodology is not complete: {error}").format(error=" ".join(problems))
        )


@transaction.atomic
def round_transition(
    *, actor: User, assessment_round: AssessmentRound, target: str, reason: str = ""
) -> AssessmentRound:
    """Moves a round along draft → open → review → published → archived (and review → open)."""
    policy.require(
        policy.can_manage_rounds(actor), "Only round admins may change a round's status."
    )
    if target not in RoundStatus.values:
        raise InvalidTransition(
            _("“{target}” is not a status a round can be moved to.").format(target=target)
        )
    locked = _lock(assessment_round)
    current = locked.status
    if current not in ROUND_TRANSITIONS.get(target, ()):
        allowed = ", ".join(str(RoundStatus(status).label) for status in locked.allowed_targets())
        raise InvalidTransition(
            _(
                "A round that is “{current}” cannot become “{target}”. Allowed next: {allowed}."
            ).format(
                current=RoundStatus(current).label,
                target=RoundStatus(target).label,
                allowed=allowed or _("none"),
            )
        )
    if current == RoundStatus.DRAFT:
        _check_ready_to_open(locked)
    if target == RoundStatus.PUBLISHED:
        # The published figures are the ones computed from the final evidence and from the
        # register as the round's snapshot now takes it (frozen with the round from here on).
        if round_snapshot_take(locked):
            mark_round_changed(
                locked,
                kind=ChangeKind.REGISTER,
                description="Party register taken at publication: regions or groupings moved",
                actor=actor,
            )
        recompute(locked.pk)
        locked.published_at = timezone.now()
        locked.published_by = actor
    locked.status = target
    note = f"status {current} → {target}" + (f": {reason}" if reason else "")
    tracked_save(locked, actor=actor, reason=note)
    if target == RoundStatus.OPEN and current == RoundStatus.DRAFT:
        notify_round_opened(locked)  # outbox rows in this transaction
    assessment_round.refresh_from_db()
    return locked


@transaction.atomic
def round_membership_set(
    *, actor: User, assessment_round: AssessmentRound, parties: list[Party], reason: str = ""
) -> tuple[int, int]:
    """Makes `parties` the round's members; returns (added, removed)."""
    policy.require(
        policy.can_manage_rounds(actor), "Only round admins may change a round's Parties."
    )
    locked = round_hold_for_change(assessment_round.pk, exclusive=True, check=_require_not_frozen)
    wanted = {party.pk: party for party in parties}
    current = {membership.party_id: membership for membership in locked.memberships.all()}
    note = reason or "membership changed"
    for party_id in current.keys() - wanted.keys():
        tracked_delete(current[party_id], actor=actor, reason=note)
    added = [RoundParty(round=locked, party=wanted[pk]) for pk in wanted.keys() - current.keys()]
    tracked_bulk_create(RoundParty, added, actor=actor, reason=note)
    removed = len(current.keys() - wanted.keys())
    round_snapshot_take(locked)
    if added or removed:
        mark_round_changed(
            locked,
            kind=ChangeKind.MEMBERSHIP,
            description=f"{actor.get_username()}: {len(added)} Parties added, {removed} removed"
            + (f" ({reason})" if reason else ""),
            actor=actor,
        )
    return len(added), removed


@transaction.atomic
def round_copy(
    *,
    actor: User,
    previous: AssessmentRound,
    name: str,
    slug: str,
    exclude: list[Party] | None = None,
    data_cutoff: date | None = None,
    submission_deadline: datetime | None = None,
) -> AssessmentRound:
    """Starts a new round in draft as a copy of `previous`: its methodology, grade bands and
    Parties (less `exclude`, e.g. a Party that withdrew). The previous round is untouched."""
    from readiness.selectors import methodology_definition
    from readiness.services.methodology import methodology_load

    excluded = {party.pk for party in exclude or []}
    parties = [party for party in previous.parties.order_by("code") if party.pk not in excluded]
    assessment_round = round_create(
        actor=actor,
        name=name,
        slug=slug,
        data_cutoff=data_cutoff,
        submission_deadline=submission_deadline,
        parties=parties,
        previous_round=previous,
    )
    methodology_load(
        actor=actor,
        assessment_round=assessment_round,
        definition=methodology_definition(previous),
    )
    return assessment_round


@transaction.atomic
def round_carry_forward(*, actor: User, assessment_round: AssessmentRound) -> int:
    """Copies the previous round's approved evidence into this open round as drafts marked
    "carried over", for the focal points to confirm or update; sub-pillars that already have
    evidence here are left alone. Returns how many drafts were made."""
    from readiness.history import tracked_bulk_create
    from submissions.models import Evidence, EvidenceStatus

    policy.require(policy.can_manage_rounds(actor), _("Only round admins may carry evidence."))
    locked = round_hold_for_change(assessment_round.pk, exclusive=True, check=_require_open)
    if locked.previous_round_id is None:
        raise InvalidTransition(_("This round has no previous round to carry evidence from."))
    sub_pillars = {
        sub.code: sub
        for sub in SubPillar.objects.filter(pillar__round=locked).prefetch_related("levels")
    }
    members = set(locked.memberships.values_list("party_id", flat=True))
    taken = set(Evidence.objects.filter(round=locked).values_list("party_id", "sub_pillar__code"))
    drafts = []
    for old in Evidence.objects.filter(
        round_id=locked.previous_round_id, status=EvidenceStatus.APPROVED
    ).select_related("sub_pillar"):
        code = old.sub_pillar.code
        sub = sub_pillars.get(code)
        if sub is None or old.party_id not in members or (old.party_id, code) in taken:
            continue
        scores = {level.score for level in sub.levels.all()}
        level = old.awarded_level if old.awarded_level in scores else 0
        drafts.append(
            Evidence(
                round=locked, party_id=old.party_id, sub_pillar=sub, claimed_level=level,
                narrative=old.narrative, facts=old.facts, source_urls=old.source_urls,
                is_confidential=old.is_confidential, carried_over=True, created_by=actor,
            )
        )  # fmt: skip
    tracked_bulk_create(
        Evidence, drafts, actor=actor, reason=f"carried over from {locked.previous_round.slug}"
    )
    return len(drafts)
