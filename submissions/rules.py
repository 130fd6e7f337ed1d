"""What makes evidence valid, and what makes it ready for the reviewers: the one set of rules
that the web form, the API (both through submissions.services) and the bulk import
(submissions.imports) apply. Each check reports every problem at once, per field
(`claimed_level`, `narrative`, `source_urls`, `facts`, `fact_<key>`, `sub_pillar`)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from readiness.exceptions import Conflict
from readiness.models import SubPillar
from submissions import facts as fact_rules
from submissions.models import Evidence, EvidenceStatus

MAX_NARRATIVE = 20000


def _merge(errors: dict, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        errors.setdefault(field, []).extend(messages)


def clean_content(sub_pillar: SubPillar, *, claimed_level, narrative, facts, source_urls) -> dict:
    """The evidence's content, typed and checked; a ValidationError lists every problem."""
    errors: dict[str, list[str]] = {}
    scores = {level.score for level in sub_pillar.levels.all()}
    level_ok = (
        isinstance(claimed_level, int)
        and not isinstance(claimed_level, bool)
        and claimed_level in scores
    )
    if not level_ok:
        errors["claimed_level"] = [
            _("Choose one of the levels of {code}.").format(code=sub_pillar.code)
        ]
    narrative = (narrative or "").strip() if isinstance(narrative, str) else None
    if narrative is None or fact_rules.has_nul(narrative):
        errors["narrative"] = [_("The narrative must be plain text (no NUL characters).")]
    elif len(narrative) > MAX_NARRATIVE:
        errors["narrative"] = [_("At most {n} characters.").format(n=MAX_NARRATIVE)]
    cleaned_facts, urls = {}, []
    try:
        cleaned_facts = fact_rules.clean_facts(
            list(sub_pillar.facts.all()), facts, claimed_level if level_ok else None
        )
    except ValidationError as error:
        _merge(errors, error)
    try:
        urls = fact_rules.clean_source_urls(source_urls)
    except ValidationError as error:
        _merge(errors, error)
    if errors:
        raise ValidationError(errors)
    return {
        "claimed_level": claimed_level,
        "narrative": narrative,
        "facts": cleaned_facts,
        "source_urls": urls,
    }


def submit_problems(sub_pillar: SubPillar, content: dict, *, has_documents: bool) -> dict:
    """What keeps checked content from going to the reviewers, per field (empty: nothing)."""
    problems: dict[str, list[str]] = {}
    if not content["narrative"]:
        problems["narrative"] = [_("Write a narrative that explains the claimed level.")]
    if content["claimed_level"] > 0 and not (content["source_urls"] or has_documents):
        problems["source_urls"] = [
            _("Give at least one source link or document for a level above none.")
        ]
    missing = fact_rules.missing_required_facts(
        list(sub_pillar.facts.all()), content["facts"], content["claimed_level"]
    )
    if missing:
        problems["facts"] = [_("Fill in: {facts}.").format(facts=", ".join(missing))]
    return problems


def pending_rivals(assessment_round, party, sub_pillar, *, exclude_pk=None):
    """Evidence for the same round, Party and sub-pillar that already waits for a decision:
    a second submission would compete with it (approving both replaces the first one)."""
    rivals = Evidence.objects.filter(
        round=assessment_round,
        party=party,
        sub_pillar=sub_pillar,
        status=EvidenceStatus.SUBMITTED,
    ).order_by("pk")
    return rivals.exclude(pk=exclude_pk) if exclude_pk else rivals


def pending_in_round(assessment_round):
    """Every piece of evidence of the round waiting for a decision (for the import's checks)."""
    return (
        Evidence.objects.filter(round=assessment_round, status=EvidenceStatus.SUBMITTED)
        .select_related("party", "sub_pillar")
        .order_by("pk")
    )


def rival_message(rival: Evidence) -> str:
    return _(
        "Evidence #{pk} for {party} {code} already waits for review: it must be decided or "
        "withdrawn first."
    ).format(pk=rival.pk, party=rival.party.code, code=rival.sub_pillar.code)


def require_submittable(locked: Evidence) -> None:
    """The checks of a submission (form and API): complete content, and no rival waiting."""
    content = {
        "claimed_level": locked.claimed_level,
        "narrative": locked.narrative,
        "facts": locked.facts,
        "source_urls": locked.source_urls,
    }
    problems = submit_problems(locked.sub_pillar, content, has_documents=locked.documents.exists())
    rival = (
        pending_rivals(locked.round_id, locked.party_id, locked.sub_pillar_id, exclude_pk=locked.pk)
        .select_related("party", "sub_pillar")
        .first()
    )
    if rival is not None:
        problems.setdefault("sub_pillar", []).append(rival_message(rival))
    if problems:
        raise ValidationError(problems)


@contextmanager
def one_waiting_submission(round_id: int, party_id: int, sub_pillar_id: int):
    """Around the write that makes evidence wait for review. Two submissions racing past the
    rival check (neither sees the other's uncommitted row) meet the database's rule, a partial
    unique index: the later one waits for the first to commit, then gets the rival's message
    as a Conflict instead of an IntegrityError."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        rival = (
            pending_rivals(round_id, party_id, sub_pillar_id)
            .select_related("party", "sub_pillar")
            .first()
        )
        if rival is None:  # another constraint
            raise
        raise Conflict(rival_message(rival)) from None
