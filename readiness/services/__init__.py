"""Every state-changing use case of the readiness domain: one function each, keyword-only,
transactional, permission-checked through readiness.policy and attributed in the history."""

from readiness.services.methodology import (
    methodology_bands_set,
    methodology_item_delete,
    methodology_item_save,
    methodology_levels_set,
    methodology_load,
)
from readiness.services.parties import LoadSummary, parties_load
from readiness.services.rounds import (
    round_carry_forward,
    round_copy,
    round_create,
    round_membership_set,
    round_transition,
)
from readiness.services.users import (
    api_token_create,
    api_token_revoke,
    party_assignment_add,
    party_assignment_remove,
    system_user,
    user_create,
    user_update,
)

__all__ = [
    "api_token_create",
    "api_token_revoke",
    "LoadSummary",
    "methodology_bands_set",
    "methodology_item_delete",
    "methodology_item_save",
    "methodology_levels_set",
    "methodology_load",
    "parties_load",
    "party_assignment_add",
    "party_assignment_remove",
    "round_carry_forward",
    "round_copy",
    "round_create",
    "round_membership_set",
    "round_transition",
    "system_user",
    "user_create",
    "user_update",
]
