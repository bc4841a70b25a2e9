"""The optional TOTP second factor (django-otp): who has one, who must have one, its QR code.

Writes to devices (enrol, verify, remove) are in `services`; this module reads them and keeps,
in the session, what a sign-in still owes (a code, or an enrolment), so that the middleware
asks no query on ordinary requests.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import checks
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import policy
from .models import Role

DEVICE_NAME = "TOTP"

# What a signed-in session still owes, decided at sign-in and kept in the session.
SESSION_STATE = "_pangting_second_factor"
NOTHING_OWED, CODE_OWED, ENROLMENT_OWED = "none", "code", "enrol"


def confirmed_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def requires_second_factor(user: Any) -> bool:
    """Whether one of the user's roles is listed in `PANGTING_REQUIRE_2FA_ROLES`."""
    required = set(settings.PANGTING_REQUIRE_2FA_ROLES)
    return bool(required) and bool(required & policy.roles(user))


def owed(user: Any) -> str:
    if confirmed_device(user) is not None:
        return CODE_OWED
    return ENROLMENT_OWED if requires_second_factor(user) else NOTHING_OWED


def session_state(request: Any) -> str:
    """What this session owes; sessions from before the second factor existed are asked once."""
    state = request.session.get(SESSION_STATE)
    if state not in (NOTHING_OWED, CODE_OWED, ENROLMENT_OWED):
        state = request.session[SESSION_STATE] = owed(request.user)
    return str(state)


def set_session_state(request: Any, state: str) -> None:
    request.session[SESSION_STATE] = state


@receiver(user_logged_in)
def _decide_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Every sign-in (web, admin, a test's force_login) decides what its session owes."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STATE] = owed(user)


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device an enrolment shows and then confirms (one per user, kept across visits)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an app by hand."""
    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI (the CSP allows data: images)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@checks.register(checks.Tags.security)
def check_required_roles(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    unknown = sorted(set(settings.PANGTING_REQUIRE_2FA_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [
        checks.Error(
            f"PANGTING_REQUIRE_2FA_ROLES names unknown roles: {', '.join(unknown)}.",
            hint=f"Known roles: {', '.join(Role.values)}.",
            id="pangting.E2FA",
        )
    ]
