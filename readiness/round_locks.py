"""How a change and a round's transition keep out of each other's way (issue 13, finding 3).

A transition (open, close, publish, archive) locks the round's row FOR UPDATE before anything
else. Every change to what a round's results are computed from (evidence, documents, decisions,
membership, methodology) first holds the round's row with `round_hold_for_change`, then locks
its own rows, and reads the round's status from the held row. So:

- a change that holds the round first makes a transition wait until it commits: publication's
  final recompute then counts it;
- a change that comes while a transition holds the round waits, then reads the new status and
  is refused (RoundLocked) if the round is frozen now.

The hold is FOR SHARE: changes do not wait for one another, but a transition's UPDATE waits.
FOR KEY SHARE, the lock a foreign key check takes, would not do: an UPDATE that leaves the key
alone (the status) does not wait for it. The order is always the round's row, then the rows of
the change, so a change and a transition cannot deadlock.

The freeze triggers take the same shared lock for every statement on the round's inputs
(migration readiness/0010_history_guards), for the paths that bypass the services."""

from collections.abc import Callable

from django.db import connection
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _

from readiness.exceptions import RoundLocked
from readiness.models import AssessmentRound


def _locked_round(round_id: int, strength: str) -> AssessmentRound:
    if not connection.in_atomic_block:
        raise TransactionManagementError("A round is locked only inside a transaction.")
    if connection.vendor != "postgresql":
        # SQLite: one writer at a time, nothing to hold.
        return AssessmentRound.objects.get(pk=round_id)
    meta = AssessmentRound._meta
    quote = connection.ops.quote_name
    found = list(
        AssessmentRound.objects.raw(
            f"SELECT * FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s "
            f"FOR {strength}",
            [round_id],
        )
    )
    if not found:
        raise AssessmentRound.DoesNotExist(f"round {round_id} does not exist")
    return found[0]


def round_hold_for_change(
    round_id: int,
    *,
    exclusive: bool = False,
    check: Callable[[AssessmentRound], None] | None = None,
) -> AssessmentRound:
    """Holds the round against a concurrent transition until the caller's transaction ends and
    returns it as it is now (the status read under the lock). `check` is the caller's rule for
    that status (it raises with the caller's own message); a frozen round is refused in any case.

    `exclusive` also keeps out other changes of the same kind that must not interleave (a
    membership set, a methodology edit checked against the rest of the methodology)."""
    assessment_round = _locked_round(round_id, "UPDATE" if exclusive else "SHARE")
    if check is not None:
        check(assessment_round)
    if assessment_round.is_frozen:
        raise RoundLocked(
            _("The round “{round}” is {status}: nothing in it can change any more.").format(
                round=assessment_round.name,
                status=str(assessment_round.get_status_display()).lower(),
            )
        )
    return assessment_round


def round_lock_for_transition(round_id: int) -> AssessmentRound:
    """Locks the round for a change of its status: waits for the changes that hold it, and
    makes the changes that come later wait until the transition commits."""
    return _locked_round(round_id, "UPDATE")
