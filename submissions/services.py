"""Use cases of focal points and analysts: draft, edit, submit and withdraw evidence, and attach
documents. One function each: transactional, permission-checked, attributed in the history."""

from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import policy
from readiness.exceptions import Conflict, RoundLocked
from readiness.history import tracked_delete, tracked_save
from readiness.models import AssessmentRound, Party, RoundStatus, SubPillar, User
from readiness.round_locks import round_hold_for_change
from submissions import rules
from submissions.models import EDITABLE_STATUSES, Document, Evidence, EvidenceStatus
from submissions.notifications import notify_reviewers_of_submission
from submissions.uploads import validate_upload


def lock_evidence(evidence: Evidence) -> Evidence:
    """Holds the evidence's round against a transition (readiness/round_locks.py), then locks
    the evidence; its `round` is the held round, with the status read under the lock."""
    held_round = round_hold_for_change(
        evidence.round_id, check=partial(require_round_accepts, review_too=True)
    )
    locked = (
        Evidence.objects.select_for_update(of=("self",))
        .select_related("party", "sub_pillar")
        .get(pk=evidence.pk)
    )
    locked.round = held_round
    return locked


def check_version(locked: Evidence, expected_version: int | None) -> None:
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _(
                "This evidence changed after you opened it (it is now version {now}, you had "
                "version {had}). Reload the page to see the changes, then try again."
            ).format(now=locked.version, had=expected_version)
        )


def require_round_accepts(assessment_round: AssessmentRound, *, review_too: bool) -> None:
    accepted = (RoundStatus.OPEN, RoundStatus.REVIEW) if review_too else (RoundStatus.OPEN,)
    if assessment_round.status not in accepted:
        raise RoundLocked(
            _("The round “{round}” is {status}: its evidence cannot change now.").format(
                round=assessment_round.name,
                status=str(assessment_round.get_status_display()).lower(),
            )
        )


def _clean_content(sub_pillar: SubPillar, *, claimed_level, narrative, facts, source_urls) -> dict:
    return rules.clean_content(
        sub_pillar,
        claimed_level=claimed_level,
        narrative=narrative,
        facts=facts,
        source_urls=source_urls,
    )


@transaction.atomic
def evidence_create(
    *,
    actor: User,
    assessment_round: AssessmentRound,
    party: Party,
    sub_pillar: SubPillar,
    claimed_level: int,
    narrative: str = "",
    facts: dict | None = None,
    source_urls: list[str] | None = None,
    is_confidential: bool = False,
) -> Evidence:
    """Starts a draft for one sub-pillar of one Party."""
    policy.require(
        policy.can_submit_for(actor, party),
        _("Only the focal points and analysts of {party} may submit its evidence.").format(
            party=party.name
        ),
    )
    assessment_round = round_hold_for_change(
        assessment_round.pk, check=partial(require_round_accepts, review_too=False)
    )
    if not assessment_round.memberships.filter(party=party).exists():
        raise ValidationError(
            _("{party} is not part of {round}.").format(party=party.name, round=assessment_round)
        )
    if sub_pillar.pillar.round_id != assessment_round.pk:
        raise ValidationError(_("That sub-pillar belongs to another round."))
    content = _clean_content(
        sub_pillar,
        claimed_level=claimed_level,
        narrative=narrative,
        facts=facts,
        source_urls=source_urls,
    )
    evidence = Evidence(
        round=assessment_round,
        party=party,
        sub_pillar=sub_pillar,
        is_confidential=is_confidential,
        created_by=actor,
        **content,
    )
    tracked_save(evidence, actor=actor, reason="draft created")
    return evidence


def _may_not_change(evidence: Evidence) -> str:
    return _("Only the focal points and analysts of {party} may change its evidence.").format(
        party=evidence.party.name
    )


def _lock_for_change(actor: User, evidence: Evidence, expected_version: int | None) -> Evidence:
    locked = lock_evidence(evidence)
    policy.require(policy.can_edit_evidence(actor, locked), _may_not_change(locked))
    require_round_accepts(
        locked.round, review_too=locked.status == EvidenceStatus.CHANGES_REQUESTED
    )
    check_version(locked, expected_version)
    return locked


def _require_editable(locked: Evidence) -> None:
    if locked.status not in EDITABLE_STATUSES:
        raise Conflict(
            _(
                "This evidence is {status}; only drafts and evidence sent back for changes can be "
                "edited."
            ).format(status=str(locked.get_status_display()).lower())  # fmt: skip
        )


@transaction.atomic
def evidence_update(
    *,
    actor: User,
    evidence: Evidence,
    expected_version: int | None,
    claimed_level: int,
    narrative: str,
    facts: dict | None,
    source_urls: list[str] | None,
    is_confidential: bool,
) -> Evidence:
    """Edits a draft, or evidence sent back for changes."""
    locked = _lock_for_change(actor, evidence, expected_version)
    _require_editable(locked)
    content = _clean_content(
        locked.sub_pillar,
        claimed_level=claimed_level,
        narrative=narrative,
        facts=facts,
        source_urls=source_urls,
    )
    for field, value in content.items():
        setattr(locked, field, value)
    locked.is_confidential = is_confidential
    locked.version += 1
    tracked_save(locked, actor=actor, reason="edited")
    return locked


@transaction.atomic
def evidence_submit(
    *, actor: User, evidence: Evidence, expected_version: int | None = None
) -> Evidence:
    """Sends a draft (or an answer to a change request) to the reviewers."""
    locked = _lock_for_change(actor, evidence, expected_version)
    _require_editable(locked)
    rules.require_submittable(locked)
    answering = locked.status == EvidenceStatus.CHANGES_REQUESTED
    locked.status = EvidenceStatus.SUBMITTED
    locked.submitted_by = actor
    locked.submitted_at = timezone.now()
    locked.version += 1
    with rules.one_waiting_submission(locked.round_id, locked.party_id, locked.sub_pillar_id):
        tracked_save(
            locked, actor=actor, reason="resubmitted after changes" if answering else "submitted"
        )
    notify_reviewers_of_submission(locked)  # an outbox row in this transaction
    return locked


@transaction.atomic
def evidence_withdraw(
    *, actor: User, evidence: Evidence, expected_version: int | None = None, reason: str = ""
) -> Evidence:
    """Takes back a draft or a submission that no reviewer has decided yet."""
    locked = _lock_for_change(actor, evidence, expected_version)
    if locked.status not in (EvidenceStatus.DRAFT, EvidenceStatus.SUBMITTED):
        raise Conflict(
            _("This evidence is {status}; only drafts and pending submissions can be withdrawn.")
            .format(status=str(locked.get_status_display()).lower())
        )  # fmt: skip
    locked.status = EvidenceStatus.WITHDRAWN
    locked.version += 1
    tracked_save(locked, actor=actor, reason=f"withdrawn: {reason}" if reason else "withdrawn")
    return locked


def document_add(*, actor: User, evidence: Evidence, uploaded_file) -> Document:
    """Validates and stores a document for a draft or for evidence sent back for changes.

    The file is checked (parsed, inflated, scanned by clamd) before any lock is taken: that can
    take seconds, and the locks would hold the round's publication back meanwhile. Who may
    add it is asked first, so nobody else can make the server do that work; both questions are
    asked again under the locks."""
    policy.require(policy.can_edit_evidence(actor, evidence), _may_not_change(evidence))
    _require_editable(evidence)
    upload = validate_upload(uploaded_file)
    with transaction.atomic():
        return _document_store(actor, evidence, uploaded_file, upload)


def _document_store(actor: User, evidence: Evidence, uploaded_file, upload) -> Document:
    locked = _lock_for_change(actor, evidence, None)
    _require_editable(locked)
    document = Document(
        evidence=locked,
        original_name=upload.original_name,
        extension=upload.extension,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        uploaded_by=actor,
    )
    document.file.save("upload", uploaded_file, save=False)
    try:  # a failed save must not leave the stored file behind
        tracked_save(document, actor=actor, reason=f"document added: {upload.original_name}")
        locked.version += 1
        tracked_save(locked, actor=actor, reason=f"document added: {upload.original_name}")
    except Exception:
        default_storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def document_remove(*, actor: User, document: Document) -> None:
    locked = _lock_for_change(actor, document.evidence, None)
    _require_editable(locked)
    name, stored = document.original_name, document.file.name
    tracked_delete(document, actor=actor, reason=f"document removed: {name}")
    locked.version += 1
    tracked_save(locked, actor=actor, reason=f"document removed: {name}")
    transaction.on_commit(partial(default_storage.delete, stored))
