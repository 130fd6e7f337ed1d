"""The session and the two-factor device are read with hand-written statements
(readiness/sessions.py, readiness.two_factor.OTPMiddleware): the same answers as Django's and
django-otp's own reads."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness.sessions import SessionStore
from readiness.two_factor import OTPMiddleware
from tests.conftest import confirmed_totp_device

pytestmark = pytest.mark.django_db

VERIFY = reverse("two-factor-verify")


def test_a_session_loads_as_djangos_own_store_loads_it(client, reviewer):
    client.force_login(reviewer)
    key = client.session.session_key
    assert SessionStore(key).load() == DjangoSessionStore(key).load() != {}
    unknown = SessionStore("0" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_an_expired_session_is_not_loaded(client, focal_point):
    client.force_login(focal_point)
    assert client.get(reverse("workspace")).status_code == 200
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    assert SessionStore(key).load() == {}
    assert client.get(reverse("workspace"))["Location"].startswith(reverse("login"))


def test_the_device_is_read_as_django_otp_reads_it(reviewer):
    totp = confirmed_totp_device(reviewer)
    static = StaticDevice.objects.create(user=reviewer, name="backup codes", confirmed=True)
    ours, theirs = OTPMiddleware(lambda request: None), DjangoOTPMiddleware(lambda r: None)
    for device in (totp, static):
        read = ours._device_from_persistent_id(device.persistent_id)
        expected = theirs._device_from_persistent_id(device.persistent_id)
        assert type(read) is type(expected) and vars(read).keys() == vars(expected).keys()
        assert {k: v for k, v in vars(read).items() if k != "_state"} == {
            k: v for k, v in vars(expected).items() if k != "_state"
        }
    for nonsense in ("otp_totp.totpdevice/999999", "otp_totp.totpdevice/x", "nothing", "a.b/1",
                     "readiness.user/1", "otp_totp.totpdevice"):  # fmt: skip
        assert ours._device_from_persistent_id(nonsense) is None


def session_with_device(user, persistent_id: str) -> Client:
    client = Client()
    client.force_login(user)  # verified with the user's own device (tests/conftest.py)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()
    return client


def test_only_the_users_own_confirmed_device_verifies_the_session(reviewer, round_admin):
    own = confirmed_totp_device(reviewer)
    assert (
        session_with_device(reviewer, own.persistent_id).get(reverse("review-queue")).status_code
        == 200
    )

    someone_elses = confirmed_totp_device(round_admin)
    held = session_with_device(reviewer, someone_elses.persistent_id).get(reverse("review-queue"))
    assert held["Location"].startswith(VERIFY)

    unconfirmed = TOTPDevice.objects.create(user=reviewer, name="new phone", confirmed=False)
    held = session_with_device(reviewer, unconfirmed.persistent_id).get(reverse("review-queue"))
    assert held["Location"].startswith(VERIFY)

    for nonsense in ("otp_totp.totpdevice/999999", "readiness.user/1", "garbage"):
        held = session_with_device(reviewer, nonsense).get(reverse("review-queue"))
        assert held["Location"].startswith(VERIFY)
