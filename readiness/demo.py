"""The demo set-up used by `make run`: Parties, one account per role, the published 2025 round
reproducing the report's figures and an open 2026 round with evidence in every workflow state
(see readiness.demo_rounds). Idempotent: running it again changes nothing."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from readiness.demo_rounds import load_2025, load_2026
from readiness.models import AssignmentRole, Party
from readiness.outbox import outbox_discarding
from readiness.party_register import grouping_rows, read_party_file
from readiness.services import parties_load, party_assignment_add, system_user, user_create
from readiness.services.two_factor import two_factor_demo_device

DEMO_PASSWORD = "article6-demo"
# Demo reviewers and round admins get an authenticator device with this published key (the
# RFC 6238 test key; base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ): `manage.py demo_otp_code
# <username>` prints the current code. Only in demo mode; never on a real deployment.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    is_reviewer: bool = False
    is_round_admin: bool = False
    focal_point_for: tuple[str, ...] = ()
    analyst_for: tuple[str, ...] = ()


DEMO_ACCOUNTS = (
    DemoAccount("admin", "round admin", is_round_admin=True),
    DemoAccount("reviewer", "reviewer", is_reviewer=True),
    DemoAccount("reviewer2", "reviewer", is_reviewer=True),
    DemoAccount("analyst", "analyst for Ghana, Kenya, Senegal, Thailand and Viet Nam",
                analyst_for=("GHA", "KEN", "SEN", "THA", "VNM")),
    DemoAccount("focal.ghana", "focal point of Ghana", focal_point_for=("GHA",)),
    DemoAccount("focal.thailand", "focal point of Thailand", focal_point_for=("THA",)),
)  # fmt: skip


def _ensure_accounts(actor) -> None:
    users = get_user_model().objects
    parties = {party.code: party for party in Party.objects.all()}
    for account in DEMO_ACCOUNTS:
        user = users.filter(username=account.username).first()
        if user is None:
            user = user_create(
                actor=actor,
                username=account.username,
                email=f"{account.username}@example.org",
                password=DEMO_PASSWORD,
                is_reviewer=account.is_reviewer,
                is_round_admin=account.is_round_admin,
            )
        if settings.DEMO_MODE and (account.is_reviewer or account.is_round_admin):
            two_factor_demo_device(actor=actor, user=user, key_hex=DEMO_TOTP_KEY_HEX)
        for code in account.focal_point_for:
            party_assignment_add(
                actor=actor, user=user, party=parties[code], role=AssignmentRole.FOCAL_POINT
            )
        for code in account.analyst_for:
            party_assignment_add(
                actor=actor, user=user, party=parties[code], role=AssignmentRole.ANALYST
            )


@transaction.atomic
def setup_demo() -> list[DemoAccount]:
    # The demo's workflow notifies people at example.org: recorded, never sent, by any worker.
    with outbox_discarding("demo data"):
        actor = system_user()
        parties_load(actor=actor, parties=read_party_file(), groupings=grouping_rows())
        _ensure_accounts(actor)
        load_2025(actor, reviewer=get_user_model().objects.get(username="reviewer"))
        load_2026(actor)
    return list(DEMO_ACCOUNTS)
