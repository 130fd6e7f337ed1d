from readiness.models.methodology import (
    FactField,
    FactKind,
    GradeBand,
    Pillar,
    ScoreLevel,
    SubPillar,
)
from readiness.models.outbox import OutboxKind, OutboxMessage
from readiness.models.parties import Grouping, GroupingKind, Party, Region
from readiness.models.party_snapshots import PartySnapshot
from readiness.models.results import (
    AggregateResult,
    ChangeKind,
    PartyResult,
    RoundChange,
    RoundComputation,
)
from readiness.models.rounds import (
    ROUND_TRANSITIONS,
    AssessmentRound,
    RoundParty,
    RoundStatus,
)
from readiness.models.users import SYSTEM_USERNAME, AssignmentRole, PartyAssignment, User

__all__ = [
    "AggregateResult",
    "ChangeKind",
    "PartyResult",
    "RoundChange",
    "RoundComputation",
    "ROUND_TRANSITIONS",
    "SYSTEM_USERNAME",
    "AssessmentRound",
    "AssignmentRole",
    "FactField",
    "FactKind",
    "GradeBand",
    "Grouping",
    "GroupingKind",
    "OutboxKind",
    "OutboxMessage",
    "Party",
    "PartyAssignment",
    "PartySnapshot",
    "Pillar",
    "Region",
    "RoundParty",
    "RoundStatus",
    "ScoreLevel",
    "SubPillar",
    "User",
]
