"""Users, their roles per organization, and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pangting.core import clock
from pangting.core.audit import record_event
from pangting.core.models import RecordModel
from pangting.orgs.models import Organization, Person


class Role(models.TextChoices):
    """What a user does in the system; granted per organization by `RoleAssignment`."""

    SUPERVISOR = "supervisor", _("宣传部（督导）")
    OBSERVATION_LEADER = "observation_leader", _("旁听组组长")
    LIAISON = "liaison", _("联络员")
    STUDY_SECRETARY = "study_secretary", _("学习秘书")
    MEMBER = "member", _("中心组成员")
    LEADERSHIP_VIEWER = "leadership_viewer", _("党委领导（只读）")
    # R-O21: the partner departments that supervise jointly with the propaganda department.
    ORG_DEPARTMENT = "org_department", _("组织部（联合督导）")
    ORGANS_COMMITTEE = "organs_committee", _("机关工委（联合督导）")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


ADMIN_DUTIES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
PARTNER_ROLES = frozenset({Role.ORG_DEPARTMENT, Role.ORGANS_COMMITTEE})
# Everything else: the roles that read and write study and observation records (issue 14 item 1).
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_DUTIES)


class User(AbstractUser):
    """An account. Linked to a `Person` for everyone but pure administrators."""

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="user", verbose_name=_("人员")
    )
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Set when an administrator chose the password (a new account, a reset): the owner must
    # replace it before anything else, on the pages and the API (issue 14 items 1 and 3).
    must_change_password = models.BooleanField(_("须修改初始密码"), default=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    _history_user: Any  # not a field: the actor the services give django-simple-history for the next save

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.name
        return self.get_full_name() or self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = clock.now()

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving a new password (own change, admin reset, command) revokes the API tokens.

        `set_password` leaves `_password` set until the save, whichever path called it, so this
        is the one place every password change passes through.
        """
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.revoke_all(self, reason="password_change")

    def password_expired(self, now: dt.datetime | None = None) -> bool:
        max_age = settings.PANGTING_PASSWORD_MAX_AGE_DAYS
        if not max_age or self.password_changed_at is None:
            return False
        return (now or clock.now()) - self.password_changed_at > dt.timedelta(days=max_age)

    def password_change_required(self) -> bool:
        """An initial (administrator-chosen) or expired password: pages and API wait for a new one."""
        return self.must_change_password or self.password_expired()


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords, so none is reused (issue 14 item 3; the newest is the current one).

    Written by `validators.PasswordHistoryValidator.password_changed` on every save that sets a
    password, pruned to `PANGTING_PASSWORD_HISTORY` rows per user.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        # Serves "the user's newest N hashes".
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_user_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class GrantStatus(models.TextChoices):
    """Two-person rule (issue 14 item 1): a grant by the security administrator waits for a second person."""

    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已生效")
    REFUSED = "refused", _("已拒绝")


class RoleAssignmentQuerySet(models.QuerySet):
    def _open(self, on: dt.date) -> RoleAssignmentQuerySet:
        return self.filter(deleted_at__isnull=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))

    def current(self, on: dt.date | None = None) -> RoleAssignmentQuerySet:
        """Confirmed grants in force on `on`: the only ones that give reach (pending ones give none)."""
        on = on or clock.today()
        return self._open(on).filter(status=GrantStatus.CONFIRMED, valid_from__lte=on)

    def pending(self, on: dt.date | None = None) -> RoleAssignmentQuerySet:
        """Grants waiting for their second person (not withdrawn, not ended)."""
        return self._open(on or clock.today()).filter(status=GrantStatus.PENDING)


class RoleAssignment(RecordModel):
    """A role held by a user at an organization (its subtree, for the roles that reach down)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("组织")
    )
    valid_from = models.DateField(_("起始日期"), default=timezone.localdate)
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=GrantStatus.choices, default=GrantStatus.PENDING)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("授予人")
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("确认人")
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_note = models.CharField(_("确认意见"), max_length=200, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()
    policy_org_field: ClassVar[str] = "organization"

    class Meta:
        ordering = ["user__username", "role"]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization"],
                condition=Q(deleted_at__isnull=True, valid_until__isnull=True, status__in=["pending", "confirmed"]),
                name="role_unique_open_assignment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.get_role_display()} @ {self.organization}"

    @property
    def is_duty(self) -> bool:
        return self.role in ADMIN_DUTIES


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenState(models.TextChoices):
    ACTIVE = "active", _("有效")
    IDLE = "idle", _("闲置过期")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已撤销")


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw value is shown once.

    Valid until `expires_at` (absolute lifetime, `PANGTING_API_TOKEN_DAYS`) and while used at
    least every `PANGTING_API_TOKEN_IDLE_MINUTES` (idle lifetime, counted from the last use or
    the issue). `last_used_at` is written at most every `PANGTING_API_TOKEN_TOUCH_SECONDS`, so
    the idle lifetime is exact to within that interval.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.username})"

    @property
    def idle_expires_at(self) -> dt.datetime:
        return (self.last_used_at or self.created_at) + dt.timedelta(minutes=settings.PANGTING_API_TOKEN_IDLE_MINUTES)

    def state(self, now: dt.datetime | None = None) -> TokenState:
        now = now or clock.now()
        if self.revoked_at:
            return TokenState.REVOKED
        if self.expires_at <= now:
            return TokenState.EXPIRED
        if self.idle_expires_at <= now:
            return TokenState.IDLE
        return TokenState.ACTIVE

    def get_state_display(self) -> str:
        return str(self.state().label)

    def touch_due(self, now: dt.datetime) -> bool:
        """Whether this use should be written: at most once per touch interval (reads do not write)."""
        interval = dt.timedelta(seconds=settings.PANGTING_API_TOKEN_TOUCH_SECONDS)
        return self.last_used_at is None or now - self.last_used_at >= interval

    @classmethod
    def revoke_all(cls, user: User, *, reason: str, actor: Any = None) -> int:
        """Revoke every live token of `user` (password change, deactivation); audited when any was."""
        count = cls.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
        if count:
            record_event(
                actor,
                "api.token_revoked",
                target=user.username,
                username="" if actor is not None else user.username,
                detail={"reason": reason, "count": count},
            )
        return count

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            key_hash=_hash_token(raw),
            prefix=raw[:8],
            expires_at=clock.now() + dt.timedelta(days=settings.PANGTING_API_TOKEN_DAYS),
        )
        return token, raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        token = cls.objects.select_related("user").filter(key_hash=_hash_token(raw)).first()
        if token is None or token.state() != TokenState.ACTIVE:
            return None
        return token
