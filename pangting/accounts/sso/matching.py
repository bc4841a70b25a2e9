"""Map an external identity to an existing account; refuse, with an audit event, when none fits.

The one place every single sign-on provider asks "who is this?": CAS, OIDC, WeCom and DingTalk
hand over the value of their configured attribute (a staff number by default) and get back an
active account, or None after the refusal was recorded. Nothing here creates users or roles.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pangting.core.audit import record_event
from pangting.lib.phone import mask_phone, normalize_phone

from .. import policy
from ..models import ADMIN_DUTIES, User

# Local field an external value is compared with (PANGTING_SSO_MATCH_FIELD and per-provider overrides).
MATCH_FIELDS = {
    "staff_no": "person__staff_no",
    "username": "username",
    "email": "email__iexact",
    "phone": "person__phone",
}

# Why a sign-on was refused: the code goes into the audit event, the text onto the page.
REFUSALS = {
    "no_match": _("未找到与统一身份认证账号对应的本系统账号，请联系安全管理员"),
    "no_identity": _("统一身份认证未提供用于匹配账号的信息，请联系安全管理员"),
    "ambiguous": _("统一身份认证账号对应本系统多个账号，请联系安全管理员"),
    "inactive": _("对应的本系统账号已停用，请联系安全管理员"),
    "administrator": _("管理员账号不能使用统一身份认证登录，请使用本地账号和密码登录"),
    "invalid": _("统一身份认证未通过（凭据无效、已使用或已过期），请重新登录"),
    "state": _("登录请求已失效或来源不明，请从登录页重新开始"),
    "unavailable": _("统一身份认证服务暂时无法访问，请稍后再试或使用本地账号登录"),
}
REQUEST_MARK = "_pangting_sso_refusal"  # set on the request once the refusal was recorded
OAUTH_METHOD_MARK = "_pangting_sso_oauth_method"  # which OAuth provider signed this request in (audit)


def masked(value: str, field: str) -> str:
    """What the audit log keeps of an external identity: phone numbers masked (personal information)."""
    return mask_phone(normalize_phone(value)) if field == "phone" else value


def refuse(request: Any, *, provider: str, reason: str, identity: str = "", field: str = "") -> None:
    """Record a refused sign-on (audit event `auth.login`, failed, with the method) and mark the request."""
    record_event(
        None,
        "auth.login",
        success=False,
        request=request,
        username=masked(identity, field)[:150],
        detail={"method": provider, "reason": reason},
    )
    if request is not None:
        setattr(request, REQUEST_MARK, reason)


def refusal_of(request: Any) -> str | None:
    return getattr(request, REQUEST_MARK, None)


def is_administrator(user: User) -> bool:
    """The three duties (system, security, audit administrator) and superusers sign in locally only."""
    return bool(user.is_superuser or policy.roles(user) & ADMIN_DUTIES)


def match_account(request: Any, value: Any, *, provider: str, field: str | None = None) -> User | None:
    """The active account whose `field` equals the external `value`, or None (refusal recorded).

    `field` defaults to PANGTING_SSO_MATCH_FIELD. An empty value, no account, several accounts,
    a deactivated account and an administrator are each refused with their own reason.
    """
    field = field or settings.PANGTING_SSO_MATCH_FIELD
    lookup = MATCH_FIELDS.get(field)
    if lookup is None:
        raise ValueError(f"Unknown single sign-on match field: {field}")
    text = "" if value is None else str(value).strip()
    if isinstance(value, list | tuple):  # CAS attributes may come as lists
        text = str(value[0]).strip() if len(value) == 1 else ""
    if not text or len(text) > 254:
        refuse(request, provider=provider, reason="no_identity", identity=text[:150], field=field)
        return None
    if field == "phone":
        text = normalize_phone(text)
    candidates = User.objects.filter(**{lookup: text})
    if field in ("staff_no", "phone"):
        candidates = candidates.filter(person__deleted_at__isnull=True)
    users = list(candidates.select_related("person")[:2])
    reason = None
    if not users:
        reason = "no_match"
    elif len(users) > 1:
        reason = "ambiguous"
    elif not users[0].is_active:
        reason = "inactive"
    elif is_administrator(users[0]):
        reason = "administrator"
    if reason is not None:
        refuse(request, provider=provider, reason=reason, identity=text, field=field)
        return None
    return users[0]
