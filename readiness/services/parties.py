from dataclasses import dataclass

from django.db import transaction

from readiness import policy
from readiness.history import tracked_save
from readiness.models import AssessmentRound, ChangeKind, Grouping, Party, User
from readiness.models.rounds import FROZEN_STATUSES
from readiness.party_register import GroupingRow, PartyRow
from readiness.recompute import mark_round_changed
from readiness.services.party_snapshots import round_snapshot_take

PARTY_FIELDS = (
    "iso2",
    "iso_numeric",
    "name_en",
    "name_zh",
    "region",
    "subregion_en",
    "subregion_zh",
    "is_supranational",
)


@dataclass(frozen=True)
class LoadSummary:
    created: int
    updated: int
    unchanged: int


def _upsert_groupings(rows: list[GroupingRow]) -> dict[str, Grouping]:
    groupings = {}
    for row in rows:
        grouping, _ = Grouping.objects.update_or_create(
            code=row.code,
            defaults={
                "kind": row.kind,
                "name_en": row.name_en,
                "name_zh": row.name_zh,
                "order": row.order,
            },
        )
        groupings[row.code] = grouping
    return groupings


def _follow_the_register(actor: User) -> None:
    """Rounds that are not published show the register as it stands: their snapshots are
    taken anew, and a member that moved region or grouping moves the round's aggregates (a
    recompute). Published rounds keep theirs. Each round is locked first, so a publication
    running at the same time either sees this load whole or not at all."""
    round_ids = list(
        AssessmentRound.objects.exclude(status__in=FROZEN_STATUSES)
        .filter(memberships__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    locked = AssessmentRound.objects.select_for_update().filter(pk__in=round_ids).order_by("pk")
    for assessment_round in locked:
        if assessment_round.is_frozen:  # published while this load waited for its lock
            continue
        if round_snapshot_take(assessment_round):
            mark_round_changed(
                assessment_round,
                kind=ChangeKind.REGISTER,
                description=f"{actor.get_username()}: Party register update moved regions "
                "or groupings",
                actor=actor,
            )


@transaction.atomic
def parties_load(
    *, actor: User, parties: list[PartyRow], groupings: list[GroupingRow]
) -> LoadSummary:
    """Creates or updates Parties and their groupings from the register; idempotent."""
    policy.require(policy.is_round_admin(actor), "Only round admins may load the Party register.")
    grouping_by_code = _upsert_groupings(groupings)
    existing = {party.code: party for party in Party.objects.prefetch_related("groupings")}
    created = updated = unchanged = 0
    for row in parties:
        party = existing.get(row.code)
        is_new = party is None
        party = party or Party(code=row.code)
        fields_changed = is_new or any(
            getattr(party, field) != getattr(row, field) for field in PARTY_FIELDS
        )
        groupings_changed = is_new or (
            {grouping.code for grouping in party.groupings.all()} != row.grouping_codes
        )
        if fields_changed:
            for field in PARTY_FIELDS:
                setattr(party, field, getattr(row, field))
            reason = "created from the Party register" if is_new else "Party register update"
            tracked_save(party, actor=actor, reason=reason)
        if groupings_changed:
            party.groupings.set([grouping_by_code[code] for code in row.grouping_codes])
        if is_new:
            created += 1
        elif fields_changed or groupings_changed:
            updated += 1
        else:
            unchanged += 1
    _follow_the_register(actor)
    return LoadSummary(created=created, updated=updated, unchanged=unchanged)
