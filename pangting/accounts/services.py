"""Account writes: users, role assignments, tokens. Each audited."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from pangting.core import clock
from pangting.core.audit import record_event
from pangting.core.system import SYSTEM_USERNAME, is_system, require_actor
from pangting.orgs import services as orgs_services
from pangting.orgs.models import PATH_STEP, Organization, OrganizationKind, Person

from . import policy
from .models import ADMIN_DUTIES, BUSINESS_ROLES, ApiToken, GrantStatus, Role, RoleAssignment, User


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
    """A new account. One made by an administrator must change its password at first login
    (issue 14 item 1: the security administrator knows the password he chose)."""
    _require_account_manager(actor)
    if username == SYSTEM_USERNAME:
        raise ValidationError({"username": _("用户名“{username}”为系统保留。").format(username=username)})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名“{username}”已被使用。").format(username=username)})
    user = User(username=username, person=person, email=email or (person.email if person else ""))
    if validate_password:
        password_validation.validate_password(password, user)
    user.set_password(password)
    user.must_change_password = not is_system(actor)
    user._history_user = require_actor(actor)
    user.full_clean(exclude=["password"])
    user.save()
    record_event(actor, "accounts.create_user", target=username)
    return user


@transaction.atomic
def reset_password(user: User, password: str, *, actor: Any) -> None:
    """An administrator sets a new password; the owner must replace it at the next login.

    Whoever knows the new password controls the account until then, so its business roles and
    duties (the security administrator's own duty aside) wait again for a second person, as a
    new grant would (issue 14 item 1: no role reaches an account he controls unconfirmed).
    """
    _require_account_manager(actor)
    if user.pk == actor.pk:
        raise ValidationError(_("请在“修改密码”页面修改自己的密码。"))
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.must_change_password = not is_system(actor)
    user._history_user = actor
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    suspended = []
    if not is_system(actor):
        for grant in RoleAssignment.objects.current().filter(user=user).exclude(role=Role.SECURITY_ADMIN):
            grant.status = GrantStatus.PENDING
            grant.granted_by = actor
            grant.decided_by = None
            grant.decided_at = None
            grant.decision_note = _("密码重置后须重新确认")
            grant._history_user = actor
            grant.save(
                update_fields=["status", "granted_by", "decided_by", "decided_at", "decision_note", "updated_at"]
            )
            suspended.append(grant.pk)
    record_event(actor, "accounts.reset_password", target=user.username, detail={"reconfirm": suspended})


@transaction.atomic
def change_own_password(user: User, password: str, *, request: Any = None) -> User:
    """The owner chose a new password (already validated by the form): the initial one is gone."""
    user.set_password(password)
    user.must_change_password = False
    user._history_user = user
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record_event(user, "auth.password_change", request=request)
    return user


def _require_account_manager(actor: Any) -> None:
    """Accounts and roles are the security administrator's (and the system's) alone (issue 14 item 1)."""
    if not policy.can(require_actor(actor), policy.Action.ACCOUNTS_MANAGE):
        raise ValidationError(_("只有安全管理员可以管理账号和角色。"))


def _held(user: User, *, exclude: RoleAssignment | None = None) -> set[str]:
    """The roles `user` holds or is waiting for: a pending grant counts, so two cannot race."""
    grants = RoleAssignment.objects.current() | RoleAssignment.objects.pending()
    grants = grants.filter(user=user)
    if exclude is not None:
        grants = grants.exclude(pk=exclude.pk)
    return set(grants.values_list("role", flat=True))


def _check_separation(user: User, role: Role, *, exclude: RoleAssignment | None = None) -> None:
    """Three duties (issue 14 item 1, 等保 三员分立): the duties stay with different people, and the
    security administrator never holds a business or audit role."""
    held = _held(user, exclude=exclude)
    if role in ADMIN_DUTIES and held & (ADMIN_DUTIES - {role}):
        raise ValidationError(_("系统管理员、安全管理员、审计管理员须由不同人员担任（三员分立）。"))
    if role == Role.SECURITY_ADMIN and held & BUSINESS_ROLES:
        raise ValidationError(_("安全管理员不能同时担任业务角色。"))
    if role in BUSINESS_ROLES and Role.SECURITY_ADMIN in held:
        raise ValidationError(_("安全管理员不能担任业务角色或审计管理员。"))


def assign_role(
    user: User, role: str, organization: Organization, *, actor: Any, valid_from: dt.date | None = None
) -> RoleAssignment:
    """Grant `role` at `organization` (issue 14 item 1).

    Only the security administrator (or the system) grants, never to himself; the duties stay
    apart. A grant by a person waits for a second person (`confirm_role`) and gives no reach
    until then; the system's grants (demo, commands, tests' builders) are in force at once.
    A refused attempt is logged too, outside the failed write.
    """
    try:
        return _assign_role(user, Role(role), organization, actor=actor, valid_from=valid_from)
    except ValidationError as error:
        record_event(
            actor,
            "accounts.assign_role",
            target=user.username,
            success=False,
            detail={"role": str(role), "org": organization.pk, "reason": error.messages[:1]},
        )
        raise


@transaction.atomic
def _assign_role(
    user: User, role: Role, organization: Organization, *, actor: Any, valid_from: dt.date | None
) -> RoleAssignment:
    _require_account_manager(actor)
    if not is_system(actor) and user.pk == actor.pk:
        raise ValidationError(_("不能给自己授予角色。"))
    _check_separation(user, role)
    if (
        (RoleAssignment.objects.current() | RoleAssignment.objects.pending())
        .filter(user=user, role=role, organization=organization)
        .exists()
    ):
        raise ValidationError(
            _("{username}已在{organization}担任{role}。").format(
                username=user.username, organization=organization, role=role.label
            )
        )
    confirmed = is_system(actor)
    assignment = RoleAssignment(
        user=user,
        role=role,
        organization=organization,
        valid_from=valid_from or clock.today(),
        status=GrantStatus.CONFIRMED if confirmed else GrantStatus.PENDING,
        granted_by=actor,
        decided_by=actor if confirmed else None,
        decided_at=clock.now() if confirmed else None,
    )
    assignment._history_user = actor
    assignment.save()
    record_event(
        actor,
        "accounts.assign_role",
        target=user.username,
        detail={"role": role, "org": organization.pk, "status": assignment.status, "assignment": assignment.pk},
    )
    return assignment


def _decide(assignment: RoleAssignment, status: GrantStatus, *, actor: Any, note: str) -> RoleAssignment:
    # Locked and re-read: two confirmers, or a confirmation racing a withdrawal, decide once.
    locked = RoleAssignment.objects.select_for_update().filter(pk=assignment.pk)
    if not locked.pending().exists():
        raise ValidationError(_("该授权已处理或已收回。"))
    assignment = locked.get()
    if not policy.may_confirm(actor, assignment):
        raise ValidationError(_("您不能确认这项授权：须由授予人和被授予人以外、有权确认的人员确认。"))
    assignment.status = status
    assignment.decided_by = actor
    assignment.decided_at = clock.now()
    assignment.decision_note = note[:200]
    assignment._history_user = actor
    assignment.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    return assignment


@transaction.atomic
def confirm_role(assignment: RoleAssignment, *, actor: Any, note: str = "", request: Any = None) -> RoleAssignment:
    """The second person confirms a pending grant: from now on it gives reach (issue 14 item 1)."""
    require_actor(actor)
    # The rules are checked again: the account may have received a duty since the grant.
    _check_separation(assignment.user, Role(assignment.role), exclude=assignment)
    assignment = _decide(assignment, GrantStatus.CONFIRMED, actor=actor, note=note)
    record_event(
        actor,
        "accounts.confirm_role",
        target=assignment.user.username,
        request=request,
        detail={"role": assignment.role, "org": assignment.organization_id, "assignment": assignment.pk},
    )
    return assignment


@transaction.atomic
def refuse_role(assignment: RoleAssignment, *, actor: Any, note: str = "", request: Any = None) -> RoleAssignment:
    """The second person refuses a pending grant: it never takes effect (issue 14 item 1)."""
    assignment = _decide(assignment, GrantStatus.REFUSED, actor=require_actor(actor), note=note)
    record_event(
        actor,
        "accounts.refuse_role",
        target=assignment.user.username,
        request=request,
        detail={"role": assignment.role, "org": assignment.organization_id, "assignment": assignment.pk},
    )
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, actor: Any) -> None:
    """End a grant now, or withdraw one still pending. Taking a role away needs no second person."""
    _require_account_manager(actor)
    # Roles count as current through their last day; a revoked role must stop now, not at midnight.
    assignment.valid_until = clock.today() - dt.timedelta(days=1)
    assignment._history_user = require_actor(actor)
    assignment.save(update_fields=["valid_until", "updated_at"])
    record_event(
        actor,
        "accounts.revoke_role",
        target=assignment.user.username,
        detail={"role": assignment.role, "status": assignment.status},
    )


@transaction.atomic
def set_active(user: User, active: bool, *, actor: Any) -> None:
    _require_account_manager(actor)
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
def confirm_first_supervisor(user: User, organization: Organization, *, actor: Any) -> RoleAssignment:
    """A fresh install's first supervisor, confirmed on the server (issue 14 item 1).

    Nobody can yet be the second person for the first supervisor grant, so the system
    administrator confirms it with `manage.py confirm_supervisor`. Only while no active
    supervisor reaches the organization: after that a supervisor confirms, as for any grant.
    """
    require_actor(actor)
    grant = RoleAssignment.objects.pending().filter(user=user, role=Role.SUPERVISOR, organization=organization).first()
    if grant is None:
        raise ValidationError(
            _("{username}在{organization}没有待确认的宣传部（督导）授权，请先由安全管理员授予。").format(
                username=user.username, organization=organization
            )
        )
    path = organization.path
    ancestors = [path[:end] for end in range(PATH_STEP, len(path) + 1, PATH_STEP)]
    existing = RoleAssignment.objects.current().filter(
        role=Role.SUPERVISOR, organization__path__in=ancestors, user__is_active=True
    )
    if existing.exists():
        raise ValidationError(
            _("已有宣传部（督导）人员可以确认这项授权（{usernames}），请由其在“待确认的授权”中确认。").format(
                usernames=_("、").join(sorted({a.user.username for a in existing.select_related("user")}))
            )
        )
    _check_separation(user, Role.SUPERVISOR, exclude=grant)
    note = _("首位宣传部（督导）人员，由系统管理员在服务器上确认")
    grant = _decide(grant, GrantStatus.CONFIRMED, actor=actor, note=note)
    record_event(
        actor,
        "accounts.confirm_supervisor",
        target=user.username,
        detail={"role": grant.role, "org": organization.pk, "assignment": grant.pk, "via": "manage.py"},
    )
    return grant


@dataclass(frozen=True)
class BootstrapAccount:
    """An administrator account made by `bootstrap_administrators`, with its one-time password."""

    username: str
    role: Role
    password: str


@transaction.atomic
def bootstrap_administrators(
    *, root_code: str, root_name: str, usernames: dict[Role, str], actor: Any
) -> tuple[Organization, list[BootstrapAccount]]:
    """A fresh install's three administrators (三员), one person per duty, at the root organization.

    Only while no administrator duty is held: after that the security administrator makes accounts
    and the two-person rule applies (issue 14 item 1). Each password is random, shown once to the
    system administrator running the command, and must be changed at first login. The root
    organization is created when the tree is still empty.
    """
    require_actor(actor)
    if (RoleAssignment.objects.current() | RoleAssignment.objects.pending()).filter(role__in=ADMIN_DUTIES).exists():
        raise ValidationError(_("已有管理员账号：新账号请由安全管理员在“账号与角色”中创建。"))
    if set(usernames) != set(ADMIN_DUTIES) or len(set(usernames.values())) != len(ADMIN_DUTIES):
        raise ValidationError(_("系统管理员、安全管理员、审计管理员须由不同账号担任（三员分立）。"))
    root = Organization.objects.filter(parent__isnull=True, deleted_at__isnull=True).order_by("pk").first()
    if root is None:
        if not root_code or not root_name:
            raise ValidationError(_("组织树为空：请给出党委的编码和名称。"))
        root = orgs_services.create_organization(
            actor=actor, code=root_code, name=root_name, kind=OrganizationKind.PARTY_COMMITTEE
        )
    elif root_code and root.code != root_code:
        raise ValidationError(
            _("组织树的根组织是“{organization}”（编码 {code}），与给出的编码不符。").format(
                organization=root, code=root.code
            )
        )
    made = []
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        password = secrets.token_urlsafe(12)
        user = create_user(usernames[role], actor=actor, password=password, validate_password=False)
        user.must_change_password = True  # the person who ran the command saw it
        user._history_user = actor
        user.save(update_fields=["must_change_password"])
        _assign_role(user, role, root, actor=actor, valid_from=None)
        made.append(BootstrapAccount(username=user.username, role=role, password=password))
    record_event(
        actor,
        "accounts.bootstrap_administrators",
        target=root.code,
        detail={"accounts": {account.role: account.username for account in made}},
    )
    return root, made


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
