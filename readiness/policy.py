"""Who may do what: the single source of permission answers for views, the API and the admin.

Every function answers a yes/no question about a user and (optionally) an object; services call
`require(...)` so that no path can skip the check.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from readiness.models import AssessmentRound, AssignmentRole, Party, PartyAssignment, RoundStatus


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_round_admin(user) -> bool:
    return _active(user) and (user.is_superuser or user.is_round_admin)


def is_reviewer(user) -> bool:
    return _active(user) and user.is_reviewer


ASSIGNMENTS_ATTRIBUTE = "_policy_assignments"  # the user's (Party code, role) pairs, per request


def party_codes_for(user, role: str | None = None) -> set[str]:
    """The codes of the Parties the user is assigned to (as focal point and/or analyst)."""
    if not _active(user):
        return set()
    assignments = getattr(user, ASSIGNMENTS_ATTRIBUTE, None)
    if assignments is None:
        assignments = list(
            PartyAssignment.objects.filter(user=user).values_list("party__code", "role")
        )
        remember_party_codes(user, assignments)
    return {code for code, assigned_role in assignments if role is None or assigned_role == role}


def remember_party_codes(user, assignments) -> None:
    """Keeps for this request what party_codes_for reads, the user's (Party code, role) pairs,
    when a caller read them along with something else in one statement (the review queue's
    menus, reviews/selectors.py)."""
    setattr(user, ASSIGNMENTS_ATTRIBUTE, list(assignments))


def is_focal_point(user, party: Party | None = None) -> bool:
    codes = party_codes_for(user, AssignmentRole.FOCAL_POINT)
    return bool(codes) if party is None else party.code in codes


def is_analyst(user, party: Party | None = None) -> bool:
    codes = party_codes_for(user, AssignmentRole.ANALYST)
    return bool(codes) if party is None else party.code in codes


def is_staff_role(user) -> bool:
    """Anyone with a role in the assessment (not merely a registered account)."""
    return is_round_admin(user) or is_reviewer(user) or bool(party_codes_for(user))


def parties_for(user) -> QuerySet[Party]:
    """The Parties a user works on: all for round admins, their assignments for the others."""
    if is_round_admin(user):
        return Party.objects.all()
    return Party.objects.filter(code__in=party_codes_for(user))


def can_use_admin(user) -> bool:
    return is_round_admin(user)


def requires_two_factor(user) -> bool:
    """Reviewers and round admins (superusers included) prove a second factor at every log-in."""
    return is_reviewer(user) or is_round_admin(user)


def can_reset_two_factor(actor, user) -> bool:
    """Another round admin (or the system account, for operators) may reset someone's devices."""
    return is_round_admin(actor) and actor.pk != user.pk


def can_manage_rounds(user) -> bool:
    return is_round_admin(user)


def can_view_round(user, assessment_round: AssessmentRound) -> bool:
    """Published and archived rounds are public; the others are for people with a role."""
    return assessment_round.is_public or is_staff_role(user)


def visible_rounds(user) -> QuerySet[AssessmentRound]:
    rounds = AssessmentRound.objects.all()
    if is_staff_role(user):
        return rounds
    return rounds.filter(status__in=[RoundStatus.PUBLISHED, RoundStatus.ARCHIVED])


def can_edit_methodology(user, assessment_round: AssessmentRound) -> bool:
    return can_manage_rounds(user) and assessment_round.methodology_editable


def can_change_membership(user, assessment_round: AssessmentRound) -> bool:
    return can_manage_rounds(user) and not assessment_round.is_frozen


def can_manage_assignments(user) -> bool:
    return is_round_admin(user)


def require(allowed: bool, message: str = "You are not allowed to do this.") -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- Evidence, reviews and audit -------------------------------------------------------------


def works_on(user, party_id: int) -> bool:
    """Focal point or analyst of the Party (by primary key)."""
    return party_id in assigned_party_ids(user)


def assigned_party_ids(user) -> set[int]:
    if not _active(user):
        return set()
    cache_name = "_policy_party_ids"
    ids = getattr(user, cache_name, None)
    if ids is None:
        ids = set(PartyAssignment.objects.filter(user=user).values_list("party_id", flat=True))
        setattr(user, cache_name, ids)
    return ids


def evidence_visibility(user) -> Q:
    """Which evidence a user may see, as a filter: round admins everything; reviewers everything
    past draft; focal points and analysts all of their Parties' evidence; everyone the approved,
    non-confidential evidence of published rounds."""
    public = Q(
        status="approved",
        is_confidential=False,
        round__status__in=[RoundStatus.PUBLISHED, RoundStatus.ARCHIVED],
    )
    if is_round_admin(user):
        return Q()
    visible = public
    if is_reviewer(user):
        visible |= ~Q(status="draft")
    if assigned_party_ids(user):
        visible |= Q(party_id__in=assigned_party_ids(user))
    return visible


def can_submit_for(user, party: Party) -> bool:
    return works_on(user, party.pk)


def can_edit_evidence(user, evidence) -> bool:
    return works_on(user, evidence.party_id)


def reviewer_conflict(user, evidence) -> str | None:
    """Why this reviewer may not decide this evidence, or None when they may."""
    if not is_reviewer(user):
        return gettext("Only reviewers decide evidence.")
    if user.pk in {evidence.created_by_id, evidence.submitted_by_id}:
        return gettext("You cannot decide evidence you created or submitted.")
    if works_on(user, evidence.party_id):
        return gettext("You cannot decide evidence of a Party you are focal point or analyst for.")
    return None


def can_decide(user, evidence) -> bool:
    return reviewer_conflict(user, evidence) is None


def evidence_decidable_by(user) -> Q:
    """The evidence a reviewer may take a decision on, as a filter (the bulk decision's preview,
    confirmation and result show nothing else): past draft, neither created nor submitted by
    them, of no Party they are focal point or analyst for. Nothing for anyone but reviewers.
    The same rules as reviewer_conflict, for many items at once."""
    if not is_reviewer(user):
        return Q(pk__in=[])
    return (
        evidence_visibility(user)
        & ~Q(status="draft")
        & ~Q(created_by_id=user.pk)
        & ~Q(submitted_by_id=user.pk)
        & ~Q(party_id__in=assigned_party_ids(user))
    )


def can_revoke(user) -> bool:
    return is_round_admin(user)


def can_comment(user, evidence) -> bool:
    return is_round_admin(user) or is_reviewer(user) or works_on(user, evidence.party_id)


def can_answer_reply(user, reply) -> bool:
    """A reviewer with no tie to the Party, who did not raise the reply."""
    return (
        is_reviewer(user) and not works_on(user, reply.party_id) and user.pk != reply.raised_by_id
    )


def can_use_review_queue(user) -> bool:
    return is_reviewer(user) or is_round_admin(user)


def can_view_audit_log(user) -> bool:
    return is_round_admin(user)


def can_view_party_audit(user, party: Party) -> bool:
    """The Party's team and round admins: the log includes drafts, which reviewers do not see."""
    return is_round_admin(user) or works_on(user, party.pk)


def can_import_for(user, party: Party) -> bool:
    """Bulk import: round admins for any Party, analysts and focal points for their own."""
    return is_round_admin(user) or works_on(user, party.pk)


def can_start_import(user) -> bool:
    """Round admins, and focal points and analysts (each row is checked with can_import_for)."""
    return is_round_admin(user) or bool(assigned_party_ids(user))


def can_view_import_job(user, job) -> bool:
    """The uploader and round admins: a job lists rows of the uploader's file."""
    return is_round_admin(user) or (_active(user) and job.uploaded_by_id == user.pk)
