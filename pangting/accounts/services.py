"""Account writes: users, role assignments, tokens. Each audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from pangting.core import clock
from pangting.core.audit import record_event
from pangting.core.system import SYSTEM_USERNAME, require_actor
from pangting.orgs.models import Organization, Person

from .models import ADMIN_DUTIES, ApiToken, Role, RoleAssignment, User


@transaction.atomic
def create_user(
    username: str,
    *,
    actor: Any,
    password: str,
    person: Person | None = None,
    email: str = "",
    validate_password: bool = True,
) -> User:
    if username == SYSTEM_USERNAME:
        raise ValidationError({"username": _("用户名“{username}”为系统保留。").format(username=username)})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名“{username}”已被使用。").format(username=username)})
    user = User(username=username, person=person, email=email or (person.email if person else ""))
    if validate_password:
        password_validation.validate_password(password, user)
    user.set_password(password)
    user._history_user = require_actor(actor)
    user.full_clean(exclude=["password"])
    user.save()
    record_event(actor, "accounts.create_user", target=username)
    return user


@transaction.atomic
def assign_role(
    user: User, role: str, organization: Organization, *, actor: Any, valid_from: dt.date | None = None
) -> RoleAssignment:
    """Grant `role` at `organization`. The three administrator duties stay with different people."""
    role = Role(role)
    current = RoleAssignment.objects.current().filter(user=user)
    if role in ADMIN_DUTIES:
        other_duties = current.filter(role__in=ADMIN_DUTIES).exclude(role=role)
        if other_duties.exists():
            raise ValidationError(_("系统管理员、安全管理员、审计管理员须由不同人员担任（三员分立）。"))
    if current.filter(role=role, organization=organization).exists():
        raise ValidationError(
            _("{username}已在{organization}担任{role}。").format(
                username=user.username, organization=organization, role=role.label
            )
        )
    assignment = RoleAssignment(user=user, role=role, organization=organization, valid_from=valid_from or clock.today())
    assignment._history_user = require_actor(actor)
    assignment.save()
    record_event(actor, "accounts.assign_role", target=user.username, detail={"role": role, "org": organization.pk})
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, actor: Any) -> None:
    # Roles count as current through their last day; a revoked role must stop now, not at midnight.
    assignment.valid_until = clock.today() - dt.timedelta(days=1)
    assignment._history_user = require_actor(actor)
    assignment.save(update_fields=["valid_until", "updated_at"])
    record_event(actor, "accounts.revoke_role", target=assignment.user.username, detail={"role": assignment.role})


@transaction.atomic
def set_active(user: User, active: bool, *, actor: Any) -> None:
    user.is_active = active
    user._history_user = require_actor(actor)
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.revoke_all(user, reason="deactivation", actor=actor)
    record_event(actor, "accounts.activate" if active else "accounts.deactivate", target=user.username)


@transaction.atomic
def issue_token(user: User, *, request: Any = None) -> str:
    _token, raw = ApiToken.issue(user)
    record_event(user, "api.token_issued", request=request)
    return raw


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: Any, request: Any = None) -> bool:
    """Revoke one token (its owner on the token page or by the API). False if it was already revoked."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
    if updated:
        record_event(
            actor,
            "api.token_revoked",
            target=token.user.username,
            request=request,
            detail={"reason": "revoked", "prefix": token.prefix},
        )
    return bool(updated)


@transaction.atomic
def unlock(*, username: str, ip_address: str | None, actor: Any, request: Any = None) -> int:
    """The security administrator lifts a lockout before it expires (audited).

    An empty `username` lifts a whole address's lockout (the per-address limit).
    """
    from . import lockout

    count = lockout.clear(username=username, ip_address=ip_address)
    record_event(
        actor,
        "accounts.unlock",
        target=username or (ip_address or ""),
        request=request,
        detail={"username": username, "ip_address": ip_address, "attempts": count},
    )
    return count


# --- the TOTP second factor -------------------------------------------------------------------


def _clean_code(code: str) -> str:
    return "".join(code.split())[:12]


@transaction.atomic
def confirm_totp_device(device: TOTPDevice, code: str, *, request: Any = None) -> bool:
    """Enrolment: the first right code confirms the device; any other device of the user goes."""
    if not device.verify_token(_clean_code(code)):
        record_event(device.user, "auth.otp_enrol", success=False, request=request)
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(device.user, "auth.otp_enrol", request=request)
    return True


def verify_second_factor(user: User, code: str, *, request: Any = None) -> TOTPDevice | None:
    """The code after the password (page or API). Failures are throttled by django-otp and audited."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    verified = device is not None and device.verify_token(_clean_code(code))
    record_event(user, "auth.otp_verify", success=verified, request=request)
    return device if verified else None


@transaction.atomic
def remove_totp_device(user: User, *, actor: Any = None, request: Any = None) -> None:
    """The user switching it off, or (`actor`) the security administrator after a lost phone."""
    TOTPDevice.objects.filter(user=user).delete()
    record_event(actor or user, "auth.otp_remove", target=user.username, request=request)
