"""Two-factor devices (django-otp): setting one up, and the round admins' reset for someone who
lost theirs. Devices have no history of their own: each change is recorded as a history row of
the account, naming who did it and why."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness import policy
from readiness.history import tracked_save
from readiness.models import User

BACKUP_CODE_COUNT = 10


def _audit(user: User, *, actor: User, reason: str) -> None:
    account = get_user_model().objects.select_for_update().get(pk=user.pk)
    tracked_save(account, actor=actor, reason=reason)


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def two_factor_setup_start(*, actor: User) -> TOTPDevice:
    """The unconfirmed authenticator device shown on the actor's set-up page: the same one until
    it is confirmed, so that reloading the page does not change the secret."""
    policy.require(
        policy.requires_two_factor(actor), _("Your role does not use two-factor log-in.")
    )
    if has_confirmed_device(actor):
        raise ValidationError(_("Two-factor authentication is already set up for this account."))
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_setup_confirm(*, actor: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirms the device with a code from the authenticator app and returns new single-use
    backup codes (shown once). A wrong code saves nothing."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    policy.require(device.user_id == actor.pk and not device.confirmed)
    if not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError(
            {
                "code": _(
                    "That code is not right. Check the time on your phone and enter the code "
                    "the app shows now."
                )
            }  # fmt: skip
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    codes = _new_backup_codes(actor)
    _audit(actor, actor=actor, reason="two-factor authentication set up")
    return codes


@transaction.atomic
def two_factor_reset(*, actor: User, user: User, reason: str) -> int:
    """Removes every two-factor device of `user` (who then sets up a new one at the next log-in;
    sessions verified with the old device stop being verified). Returns how many were removed."""
    policy.require(
        policy.can_reset_two_factor(actor, user),
        _("Only another round admin may reset your two-factor authentication."),
    )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, for the audit trail.")})
    removed = TOTPDevice.objects.filter(user=user).delete()[1].get("otp_totp.TOTPDevice", 0)
    StaticDevice.objects.filter(user=user).delete()
    _audit(user, actor=actor, reason=f"two-factor authentication reset: {reason}")
    return removed


@transaction.atomic
def two_factor_demo_device(*, actor: User, user: User, key_hex: str) -> TOTPDevice:
    """The demo's authenticator device with a published key, so that anyone can log in as the
    demo reviewers and admins (`manage.py demo_otp_code`). Refused outside demo mode."""
    if not settings.DEMO_MODE:
        raise ValidationError("Demo two-factor devices exist only in demo mode (DEMO_MODE=1).")
    policy.require(policy.is_round_admin(actor))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="demo", key=key_hex, confirmed=True)
        _audit(user, actor=actor, reason="demo two-factor device with the published demo key")
    return device
