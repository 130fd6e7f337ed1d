"""Two-factor authentication for reviewers and round admins: set-up, verification, the pages
held back until then, the admin, the API, backup codes, resets and the demo."""

import re
import time
from base64 import b32decode
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness.admin_site import ReadinessAdminSite
from readiness.api_tokens.models import ApiToken
from readiness.demo import DEMO_TOTP_KEY_HEX
from readiness.models import User
from readiness.two_factor import current_code
from tests.conftest import confirmed_totp_device, force_login_without_two_factor
from tests.factories import PASSWORD, UserFactory, api_key_for

pytestmark = pytest.mark.django_db

SETUP, VERIFY = reverse("two-factor-setup"), reverse("two-factor-verify")


def password_log_in(client: Client, user, next_url: str = "") -> None:
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("login"), data)
    assert response.status_code == 302


def code_for_secret(secret: str) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time()
    return f"{totp.token():06d}"


def verified(client) -> bool:
    return "otp_device_id" in client.session


def wrong_code(device) -> str:
    return "123456" if current_code(device) != "123456" else "654321"


def unthrottle(user) -> None:
    """As if the wait after a wrong code had passed."""
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user):
            if device.throttling_failure_timestamp:
                device.throttling_failure_timestamp -= timedelta(hours=1)
                device.save()


# --- set-up ------------------------------------------------------------------------------------


def test_a_new_reviewer_sets_up_an_app_sees_backup_codes_once_and_gets_in(client, reviewer):
    password_log_in(client, reviewer, next_url=reverse("review-queue"))
    held = client.get(reverse("review-queue"))
    assert held.status_code == 302
    assert held["Location"] == f"{SETUP}?{urlencode({'next': reverse('review-queue')})}"

    page = client.get(held["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<path" in html  # the QR code, drawn on the server
    secret = re.search(r'<p class="secret"><code>([A-Z2-7 ]+)</code>', html).group(1)
    assert client.get(held["Location"]).content.decode().count(secret) == 1  # same until confirmed

    confirmed = client.post(held["Location"], {"code": code_for_secret(secret)})
    assert confirmed.status_code == 302
    assert confirmed["Location"].startswith(reverse("two-factor-backup-codes"))
    codes_page = client.get(confirmed["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.content.decode())
    assert len(codes) == 10
    assert client.get(confirmed["Location"]).status_code == 302  # shown only once

    assert verified(client)
    assert client.get(reverse("review-queue")).status_code == 200
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    record = User.history.filter(id=reviewer.pk).latest("history_date")
    assert record.history_change_reason == "two-factor authentication set up"
    assert record.history_user_id == reviewer.pk


def test_a_wrong_set_up_code_is_refused_inline_and_confirms_nothing(client, round_admin):
    password_log_in(client, round_admin)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=round_admin)
    response = client.post(SETUP, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=round_admin, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=round_admin).exists()
    assert not verified(client)
    assert client.get(reverse("admin:index"))["Location"].startswith(SETUP)


# --- verification at log-in ------------------------------------------------------------------


def test_with_a_device_the_log_in_asks_for_the_code_and_refuses_a_wrong_one(client, reviewer):
    device = confirmed_totp_device(reviewer)
    password_log_in(client, reviewer)
    home = client.get(reverse("home"))
    assert home["Location"] == f"{VERIFY}?next=%2F"

    wrong = client.post(VERIFY + "?next=/", {"code": wrong_code(device)})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not verified(client)

    too_soon = client.post(VERIFY, {"code": current_code(device)})
    assert too_soon.status_code == 200
    assert "Too many wrong codes: wait" in too_soon.content.decode()
    assert not verified(client)

    unthrottle(reviewer)
    right = client.post(VERIFY + "?next=/", {"code": current_code(device)})
    assert right.status_code == 302 and right["Location"] == "/"
    assert verified(client)
    assert client.get(reverse("home")).status_code == 200


def test_a_code_is_accepted_once(reviewer):
    device = confirmed_totp_device(reviewer)
    first, second = Client(), Client()
    password_log_in(first, reviewer)
    code = current_code(device)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    password_log_in(second, reviewer)
    replayed = second.post(VERIFY, {"code": code})
    assert "That code is not right" in replayed.content.decode()
    assert not verified(second)


def test_a_backup_code_works_once(client, reviewer):
    confirmed_totp_device(reviewer)
    backup = StaticDevice.objects.create(user=reviewer, name="backup codes", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd2345")
    StaticToken.objects.create(device=backup, token="efgh6723")
    password_log_in(client, reviewer)
    response = client.post(VERIFY, {"code": "ABCD 2345"}, follow=True)
    assert verified(client)
    assert "You used a backup code; 1 are left" in response.content.decode()

    client.post(reverse("logout"))
    password_log_in(client, reviewer)
    assert client.post(VERIFY, {"code": "abcd2345"}).status_code == 200
    assert not verified(client)


# --- what an unverified session may reach ------------------------------------------------------


@pytest.fixture
def pending(client, reviewer):
    """A reviewer who logged in with the password only."""
    confirmed_totp_device(reviewer)
    force_login_without_two_factor(client, reviewer)
    return client


def test_until_verified_pages_redirect_to_the_verification(pending):
    for name in ("home", "review-queue", "reply-list", "password_change", "round-list"):
        response = pending.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(VERIFY + "?next="), name


def test_until_verified_logout_the_two_factor_pages_language_and_static_files_stay_open(pending):
    assert pending.get(VERIFY).status_code == 200
    language = pending.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert language.status_code == 302 and language["Location"] == "/"
    static = pending.get("/static/css/site.css")
    assert "two-factor" not in static.get("Location", "")
    logout = pending.post(reverse("logout"))
    assert logout.status_code == 302 and logout["Location"] == reverse("home")
    assert pending.get(reverse("home")).status_code == 200  # signed out: public again


def test_until_verified_the_api_answers_403_in_its_error_shape(pending, reviewer):
    response = pending.get(reverse("api-round-list"))
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    assert response.json()["error"]["code"] == "two_factor_required"

    key = api_key_for(reviewer)
    with_token = pending.get(reverse("api-round-list"), HTTP_AUTHORIZATION=f"Token {key}")
    assert with_token.status_code == 200  # tokens are not asked for a second factor
    scripted = Client().get(reverse("api-round-list"), HTTP_AUTHORIZATION=f"Token {key}")
    assert scripted.status_code == 200


def test_until_verified_no_api_token_can_be_created(pending, reviewer, settings):
    new_token = {"name": "script", "days": "30"}
    assert pending.post(reverse("api-token"), new_token)["Location"].startswith(VERIFY)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "TwoFactor" not in m]
    page = Client()
    force_login_without_two_factor(page, reviewer)
    response = page.post(reverse("api-token"), new_token)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not ApiToken.objects.filter(user=reviewer).exists()


def test_other_roles_never_see_the_second_factor(client, focal_point):
    client.force_login(focal_point)
    assert client.get(reverse("workspace")).status_code == 200
    assert client.get(SETUP).status_code == 404
    assert client.get(VERIFY).status_code == 404
    assert Client().get(reverse("home")).status_code == 200


# --- the Django admin -------------------------------------------------------------------------


def test_the_admin_needs_the_second_factor_too(client, round_admin, settings, rf):
    confirmed_totp_device(round_admin)
    force_login_without_two_factor(client, round_admin)
    assert client.get(reverse("admin:index"))["Location"].startswith(VERIFY)

    # and without the middleware, the admin site itself refuses the unverified session
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "TwoFactor" not in m]
    bare = Client()
    force_login_without_two_factor(bare, round_admin)
    response = bare.get(reverse("admin:index"))
    assert response.status_code == 302 and not response["Location"].startswith(VERIFY)
    assert response["Location"].startswith(reverse("admin:login"))

    request = rf.get("/admin/")
    request.user = round_admin
    round_admin.is_verified = lambda: True
    assert ReadinessAdminSite().has_permission(request)
    round_admin.is_verified = lambda: False
    assert not ReadinessAdminSite().has_permission(request)

    bare.force_login(round_admin)  # completes the second factor (tests/conftest.py)
    assert bare.get(reverse("admin:index")).status_code == 200


# --- reset by a round admin --------------------------------------------------------------------


def test_a_round_admin_resets_a_reviewers_device_with_a_reason(client, round_admin, reviewer):
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)  # verified, with a device
    assert reviewer_client.get(reverse("review-queue")).status_code == 200
    StaticDevice.objects.create(user=reviewer, name="backup codes", confirmed=True)

    client.force_login(round_admin)
    page = client.get(reverse("two-factor-reset", args=["reviewer"]))
    assert page.status_code == 200
    change_page = client.get(reverse("admin:readiness_user_change", args=[reviewer.pk]))
    assert reverse("two-factor-reset", args=["reviewer"]) in change_page.content.decode()

    done = client.post(reverse("two-factor-reset", args=["reviewer"]), {"reason": "lost phone"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    record = User.history.filter(id=reviewer.pk).latest("history_date")
    assert record.history_user_id == round_admin.pk
    assert record.history_change_reason == "two-factor authentication reset: lost phone"
    # the reviewer's session, verified with the removed device, must set up a new one
    assert reviewer_client.get(reverse("review-queue"))["Location"].startswith(SETUP)


def test_a_reset_needs_a_reason_and_another_round_admin(client, round_admin, reviewer):
    confirmed_totp_device(reviewer)
    client.force_login(round_admin)
    empty = client.post(reverse("two-factor-reset", args=["reviewer"]), {"reason": "  "})
    assert "This field is required" in empty.content.decode()
    assert TOTPDevice.objects.filter(user=reviewer).exists()

    own = client.post(reverse("two-factor-reset", args=["round.admin"]), {"reason": "mine"})
    assert own.status_code == 403
    assert TOTPDevice.objects.filter(user=round_admin).exists()

    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    refused = reviewer_client.post(
        reverse("two-factor-reset", args=["round.admin"]), {"reason": "x"}
    )
    assert refused.status_code == 403


def test_operators_can_reset_from_the_command_line(reviewer):
    confirmed_totp_device(reviewer)
    with pytest.raises(CommandError):
        call_command("reset_two_factor", "reviewer", reason=" ")
    out = StringIO()
    call_command("reset_two_factor", "reviewer", reason="only admin on leave", stdout=out)
    assert "1 authenticator device(s) of reviewer removed" in out.getvalue()
    record = User.history.filter(id=reviewer.pk).latest("history_date")
    assert record.history_user.username == "system"
    assert record.history_change_reason == "two-factor authentication reset: only admin on leave"


# --- the demo ----------------------------------------------------------------------------------


@pytest.fixture
def demo_reviewer(db, settings):
    from readiness.services import system_user
    from readiness.services.two_factor import two_factor_demo_device

    settings.DEMO_MODE = True
    user = UserFactory(username="demo.reviewer", is_reviewer=True)
    two_factor_demo_device(actor=system_user(), user=user, key_hex=DEMO_TOTP_KEY_HEX)
    return user


def test_the_demo_code_command_prints_a_code_that_logs_in(client, demo_reviewer):
    out = StringIO()
    call_command("demo_otp_code", "demo.reviewer", stdout=out)
    password_log_in(client, demo_reviewer)
    assert client.post(VERIFY, {"code": out.getvalue().strip()}).status_code == 302
    assert verified(client)
    out = StringIO()
    call_command("demo_otp_code", "demo.reviewer", stdout=out)  # the next one, still usable
    second = Client()
    password_log_in(second, demo_reviewer)
    assert second.post(VERIFY, {"code": out.getvalue().strip()}).status_code == 302


def test_the_demo_code_command_refuses_outside_demo_mode_and_real_devices(demo_reviewer, reviewer,
                                                                          settings):  # fmt: skip
    confirmed_totp_device(reviewer)  # a random key: a real device
    with pytest.raises(CommandError, match="no demo two-factor device"):
        call_command("demo_otp_code", "reviewer")
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="only in demo mode"):
        call_command("demo_otp_code", "demo.reviewer")
