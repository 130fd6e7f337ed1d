"""Taking a round's snapshot of the Party register: a step of the services that change a
round's membership, load the register or publish the round, never a use case of its own (the
caller holds the round's lock and has checked the actor's permission)."""

from django.db.models import Prefetch
from django.utils import timezone

from readiness.exceptions import RoundLocked
from readiness.models import AssessmentRound, Grouping, Party, PartySnapshot
from readiness.party_snapshots import SNAPSHOT_FIELDS, snapshot_values


def _codes(values: dict) -> tuple:
    """What the aggregates depend on: a change here moves the round's figures."""
    return (values["region"], sorted(grouping["code"] for grouping in values["groupings"]))


def round_snapshot_take(assessment_round: AssessmentRound) -> bool:
    """Rewrites the round's snapshot from the register: one row per member, rows of former
    members deleted, unchanged rows left alone. Returns whether a member's region or groupings
    moved, i.e. whether the round's aggregates must be recomputed. A frozen round's snapshot is
    never taken again (on PostgreSQL the database refuses it as well)."""
    if assessment_round.is_frozen:
        raise RoundLocked("The round is published: its Party snapshot cannot change.")
    members = Party.objects.filter(rounds=assessment_round).prefetch_related(
        Prefetch("groupings", queryset=Grouping.objects.order_by("kind", "order", "code"))
    )
    stored = {s.party_id: s for s in PartySnapshot.objects.filter(round=assessment_round)}
    created, changed, moved, now = [], [], False, timezone.now()
    for party in members:
        values = snapshot_values(party)
        snapshot = stored.pop(party.pk, None)
        if snapshot is None:
            created.append(PartySnapshot(round=assessment_round, party=party, **values))
            continue
        before = {field: getattr(snapshot, field) for field in SNAPSHOT_FIELDS}
        if before == values:
            continue
        moved = moved or _codes(before) != _codes(values)
        for field, value in values.items():
            setattr(snapshot, field, value)
        snapshot.taken_at = now
        changed.append(snapshot)
    if created:
        PartySnapshot.objects.bulk_create(created)
    if changed:
        PartySnapshot.objects.bulk_update(changed, [*SNAPSHOT_FIELDS, "taken_at"])
    if stored:
        PartySnapshot.objects.filter(pk__in=[s.pk for s in stored.values()]).delete()
    return moved
