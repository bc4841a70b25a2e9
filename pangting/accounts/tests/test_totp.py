"""The optional TOTP second factor (issue 14, item 3), with real codes computed from the device key."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test.utils import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from pangting.core.models import AuditEvent
from pangting.tests.builders import PASSWORD
from pangting.tests.conftest import make_client

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def code_for(device: TOTPDevice) -> str:
    """What the user's authenticator app shows now (time-machine moves `time.time`)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def signed_in_by_password(username: str) -> Any:
    client = make_client()
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrol(client: Any, user: Any) -> TOTPDevice:
    page = client.get(reverse("accounts:otp_enrol"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:otp_enrol"), {"code": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_enrolment_shows_the_otpauth_uri_as_a_qr_code_and_confirms_with_a_real_code(world):
    with time_machine.travel(START, tick=False):
        client = signed_in_by_password("supervisor")
        page = client.get(reverse("accounts:otp_enrol"))
        html = page.content.decode()
        assert 'src="data:image/svg+xml' in html
        device = TOTPDevice.objects.get(user=world.supervisor, confirmed=False)
        assert device.config_url.startswith("otpauth://totp/")
        assert page.context["secret"].replace(" ", "") in device.config_url
        response = client.post(reverse("accounts:otp_enrol"), {"code": wrong_code(device)})
        assert response.status_code == 200
        assert "验证码不正确" in response.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
    with time_machine.travel(START + dt.timedelta(seconds=30), tick=False):
        # django-otp slows a retry after a failure (1 s, then 2 s, …): the next try comes later.
        assert client.post(reverse("accounts:otp_enrol"), {"code": code_for(device)}).status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/").status_code == 200, "the enrolling session is verified"
    events = AuditEvent.objects.filter(action="auth.otp_enrol", username="supervisor")
    assert [e.success for e in events.order_by("pk")] == [False, True]


def test_after_enrolment_a_sign_in_asks_for_the_code_after_the_password(world):
    with time_machine.travel(START, tick=False) as traveller:
        device = enrol(signed_in_by_password("supervisor"), world.supervisor)
        traveller.shift(dt.timedelta(minutes=1))
        client = signed_in_by_password("supervisor")
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:otp_verify"))
        assert client.get("/api/v1/me").status_code == 403, "the API in that session waits for the code too"
        code = code_for(device)
        response = client.post(reverse("accounts:otp_verify"), {"code": code, "next": reverse("accounts:profile")})
        assert response.status_code == 302
        assert response.url == reverse("accounts:profile")
        assert client.get(reverse("accounts:profile")).status_code == 200
        # The same code cannot be used twice (a second sign-in within the same 30 seconds).
        other = signed_in_by_password("supervisor")
        response = other.post(reverse("accounts:otp_verify"), {"code": code})
        assert response.status_code == 200
        assert "不正确或已使用" in response.content.decode()
        assert other.get("/").status_code == 302


def test_a_bad_or_malformed_code_is_refused_with_a_chinese_message(world):
    with time_machine.travel(START, tick=False) as traveller:
        device = enrol(signed_in_by_password("member"), world.member)
        traveller.shift(dt.timedelta(minutes=1))
        client = signed_in_by_password("member")
        for bad in ["12ab56", "1" * 400, ""]:
            response = client.post(reverse("accounts:otp_verify"), {"code": bad})
            assert response.status_code == 200
            assert "6位数字" in response.content.decode() or "必填" in response.content.decode()
        response = client.post(reverse("accounts:otp_verify"), {"code": wrong_code(device)})
        assert "不正确" in response.content.decode()
        assert AuditEvent.objects.filter(action="auth.otp_verify", success=False, username="member").count() == 1


def test_the_api_token_needs_the_code_once_enrolled(world):
    with time_machine.travel(START, tick=False) as traveller:
        device = enrol(signed_in_by_password("member"), world.member)
        traveller.shift(dt.timedelta(minutes=1))
        api = make_client()
        without = api.post(TOKEN, {"username": "member", "password": PASSWORD}, content_type="application/json")
        assert without.status_code == 400
        assert "动态验证码" in without.json()["detail"]
        wrong = {"username": "member", "password": PASSWORD, "otp": wrong_code(device)}
        assert api.post(TOKEN, wrong, content_type="application/json").status_code == 400
        traveller.shift(dt.timedelta(seconds=30))
        right = {"username": "member", "password": PASSWORD, "otp": code_for(device)}
        response = api.post(TOKEN, right, content_type="application/json")
        assert response.status_code == 200
        assert "token" in response.json()


def test_users_without_a_device_are_not_asked(world):
    client = signed_in_by_password("member")
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    response = make_client().post(TOKEN, {"username": "member", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200


@override_settings(PANGTING_REQUIRE_2FA_ROLES=["supervisor", "security_admin"])
def test_a_role_that_requires_it_must_enrol_before_anything_else(world):
    with time_machine.travel(START, tick=False):
        client = signed_in_by_password("supervisor")
        for path in ["/", reverse("accounts:profile"), reverse("accounts:tokens")]:
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.url.startswith(reverse("accounts:otp_enrol")), path
        assert client.get("/api/v1/me").status_code == 403
        token = make_client().post(
            TOKEN, {"username": "supervisor", "password": PASSWORD}, content_type="application/json"
        )
        assert token.status_code == 400
        assert "两步验证" in token.json()["detail"]
        enrol(client, world.supervisor)
        assert client.get(reverse("accounts:profile")).status_code == 200
        # Not switched off where the role requires it.
        assert "不能关闭" in client.get(reverse("accounts:otp_enrol")).content.decode()
        client.post(reverse("accounts:otp_remove"), {"code": "000000"})
        assert TOTPDevice.objects.filter(user=world.supervisor, confirmed=True).exists()
        # Roles not listed carry on without it.
        assert signed_in_by_password("member").get("/").status_code == 200


def test_an_optional_second_factor_is_switched_off_with_a_current_code(world):
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_by_password("member")
        device = enrol(client, world.member)
        traveller.shift(dt.timedelta(minutes=1))
        client.post(reverse("accounts:otp_remove"), {"code": wrong_code(device)})
        assert TOTPDevice.objects.filter(user=world.member).exists()
        traveller.shift(dt.timedelta(minutes=1))
        response = client.post(reverse("accounts:otp_remove"), {"code": code_for(device)})
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=world.member).exists()
        assert AuditEvent.objects.filter(action="auth.otp_remove", username="member").exists()
        assert signed_in_by_password("member").get("/").status_code == 200


@override_settings(PANGTING_REQUIRE_2FA_ROLES=["supervisor", "boss"])
def test_an_unknown_role_in_the_setting_stops_the_checks():
    with pytest.raises(SystemCheckError, match="boss"):
        call_command("check")


def test_the_security_administrator_resets_a_lost_device(world):
    with time_machine.travel(START, tick=False) as traveller:
        enrol(signed_in_by_password("member"), world.member)
        traveller.shift(dt.timedelta(minutes=1))
        stuck = signed_in_by_password("member")
        assert stuck.get("/").status_code == 302  # asked for a code from the lost phone
        admin = make_client()
        admin.force_login(world.secadmin)
        detail = admin.get(reverse("accounts:user_detail", kwargs={"pk": world.member.pk})).content.decode()
        assert reverse("accounts:user_otp_reset", kwargs={"pk": world.member.pk}) in detail
        response = admin.post(reverse("accounts:user_otp_reset", kwargs={"pk": world.member.pk}))
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=world.member).exists()
        event = AuditEvent.objects.get(action="auth.otp_remove")
        assert event.actor == world.secadmin
        assert event.target == "member"
        # The waiting session is let through once the code page finds no device (no redirect loop).
        response = stuck.get("/", follow=True)
        assert response.status_code == 200
        assert len(response.redirect_chain) <= 2
        assert stuck.get("/").status_code == 200


def test_the_admin_site_does_not_show_the_totp_keys():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
