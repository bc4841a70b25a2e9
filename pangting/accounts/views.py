"""Login, profile and tokens; account management (security administrator); audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from pangting.core.models import AuditEvent
from pangting.orgs.models import Organization, Person

from . import lockout, otp, policy, services
from .forms import (
    GrantDecisionForm,
    LoginForm,
    OtpCodeForm,
    PasswordResetForm,
    RoleAssignForm,
    UnlockForm,
    UserCreateForm,
)
from .models import GrantStatus, RoleAssignment, User
from .sso import providers as sso_providers
from .sso import views as sso_views

A = policy.Action


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        # The lockout and idle rules as configured, not as the defaults once were.
        return super().get_context_data(
            lockout_failures=settings.AXES_FAILURE_LIMIT,
            lockout_minutes=round(settings.AXES_COOLOFF_TIME * 60),
            idle_minutes=settings.SESSION_COOKIE_AGE // 60,
            sso_providers=sso_providers.enabled(),
            **kwargs,
        )


class LogoutView(auth_views.LogoutView):
    """Django's logout; a session signed in by CAS or OIDC then also leaves the provider's session."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        provider_url = sso_views.provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider_url) if provider_url else response


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # The form checked the old password and the rules (history included); the service saves.
        user = services.change_own_password(request.user, form.cleaned_data["new_password1"], request=request)
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return redirect("home")
    expired = request.user.password_expired()
    initial = request.user.must_change_password
    return render(request, "accounts/password_change.html", {"form": form, "expired": expired, "initial": initial})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        new_token = services.issue_token(request.user, request=request)
    return render(
        request,
        "accounts/profile.html",
        {
            "assignments": policy.assignments(request.user),
            "tokens": request.user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at"),
            "new_token": new_token,
        },
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: each one's state, and a new one on POST (shown once)."""
    new_token = None
    if request.method == "POST":
        new_token = services.issue_token(request.user, request=request)
    # A user's own tokens belong to no organization: the owner is the whole scope.
    rows = request.user.api_tokens.order_by("-created_at")[:100]
    idle = settings.PANGTING_API_TOKEN_IDLE_MINUTES
    idle_text = (
        _("{days} 天").format(days=idle // 1440) if idle % 1440 == 0 else _("{minutes} 分钟").format(minutes=idle)
    )
    context = {
        "tokens": rows,
        "new_token": new_token,
        "token_days": settings.PANGTING_API_TOKEN_DAYS,
        "token_idle": idle_text,
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=pk)  # another user's token answers 404
    if services.revoke_token(token, actor=request.user, request=request):
        messages.success(request, _("令牌 {prefix}… 已撤销。").format(prefix=token.prefix))
    return redirect("accounts:tokens")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Bind an authenticator app: scan the QR code (or type the key), confirm with one code."""
    device = otp.confirmed_device(request.user)
    required = otp.requires_second_factor(request.user)
    if device is not None:
        return render(request, "accounts/otp_enrolled.html", {"device": device, "required": required})
    pending = otp.pending_device(request.user)
    form = OtpCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_device(pending, form.cleaned_data["code"], request=request):
            otp_login(request, pending)
            otp.set_session_state(request, otp.CODE_OWED)
            messages.success(request, _("两步验证已开启，今后登录时需输入验证器上的动态验证码。"))
            return redirect(_next_url(request))
        form.add_error("code", _("验证码不正确，请核对手机时间后重试。"))
    context = {
        "form": form,
        "qr": otp.qr_data_uri(pending),
        "secret": otp.secret_text(pending),
        "required": required,
        "next": _next_url(request),
    }
    return render(request, "accounts/otp_enrol.html", context)


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The code after the password, once per sign-in."""
    if otp.confirmed_device(request.user) is None:
        # The device was reset since sign-in: the session owes whatever the user owes now.
        otp.set_session_state(request, otp.owed(request.user))
        return redirect(_next_url(request))
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = OtpCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(request.user, form.cleaned_data["code"], request=request)
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _("动态验证码不正确或已使用，请等待下一个验证码后重试。"))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_POST
def otp_remove(request: HttpRequest) -> HttpResponse:
    """Switch the second factor off: needs a current code, and is refused where a role requires it."""
    if otp.requires_second_factor(request.user):
        messages.error(request, _("您的角色要求两步验证，不能关闭。"))
        return redirect("accounts:otp_enrol")
    form = OtpCodeForm(request.POST)
    if form.is_valid() and services.verify_second_factor(request.user, form.cleaned_data["code"], request=request):
        services.remove_totp_device(request.user, request=request)
        otp.set_session_state(request, otp.NOTHING_OWED)
        messages.success(request, _("两步验证已关闭。"))
        return redirect("accounts:profile")
    messages.error(request, _("动态验证码不正确，两步验证未关闭。"))
    return redirect("accounts:otp_enrol")


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    users = User.objects.select_related("person__organization").prefetch_related("role_assignments__organization")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(username__icontains=query) | users.filter(person__name__icontains=query)
    page = Paginator(users.order_by("username"), 50).get_page(request.GET.get("page"))
    form = UserCreateForm(people=Person.objects.filter(user__isnull=True))
    return render(request, "accounts/user_list.html", {"page_obj": page, "form": form, "q": query})


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    form = UserCreateForm(
        request.POST if request.method == "POST" else None, people=Person.objects.filter(user__isnull=True)
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(
                form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                person=form.cleaned_data["person"],
                actor=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("账号 {username} 已创建。").format(username=user.username))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    account = _get_user(pk)
    form = RoleAssignForm(request.POST if request.method == "POST" else None, organizations=Organization.objects.all())
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_role(
                account, form.cleaned_data["role"], form.cleaned_data["organization"], actor=request.user
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("角色已授予，待第二人确认后生效。"))
            return redirect("accounts:user_detail", pk=account.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "form": form,
            "reset_form": PasswordResetForm(),
            "assignments": RoleAssignment.objects.current().filter(user=account).select_related("organization"),
            "pending": RoleAssignment.objects.pending()
            .filter(user=account)
            .select_related("organization", "granted_by"),
            "history": RoleAssignment.objects.filter(user=account)
            .filter(Q(valid_until__isnull=False) | Q(status=GrantStatus.REFUSED))
            .select_related("organization", "decided_by"),
            "second_factor": otp.confirmed_device(account) is not None,
        },
    )


@login_required
@require_POST
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The security administrator sets a new password; the owner must change it at the next login."""
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    account = _get_user(pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.reset_password(account, form.cleaned_data["password"], actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("密码已重置，该用户下次登录时须修改密码；其角色须经第二人重新确认后生效。"))
    else:
        messages.error(request, _("请输入新密码。"))
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
def pending_grants(request: HttpRequest) -> HttpResponse:
    """Grants waiting for this user as the second person (issue 14 item 1, two-person rule)."""
    if not (policy.can(request.user, A.ROLES_CONFIRM) or policy.can(request.user, A.DUTIES_CONFIRM)):
        raise Http404
    return render(request, "accounts/pending_grants.html", {"grants": policy.confirmable(request.user)})


@login_required
@require_POST
def grant_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or refuse one pending grant; one the user may not decide answers 404."""
    assignment = get_object_or_404(policy.confirmable(request.user), pk=pk)
    form = GrantDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择确认或拒绝。"))
        return redirect("accounts:pending_grants")
    decide = services.confirm_role if form.cleaned_data["decision"] == "confirm" else services.refuse_role
    try:
        decide(assignment, actor=request.user, note=form.cleaned_data["note"], request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if form.cleaned_data["decision"] == "confirm":
            messages.success(request, _("授权已确认并生效。"))
        else:
            messages.success(request, _("授权已拒绝。"))
    return redirect("accounts:pending_grants")


def _get_user(pk: int) -> User:
    """Accounts are not organization records: the security administrator reaches them all."""
    return get_object_or_404(User.objects.select_related("person"), pk=pk)


@login_required
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    assignment = get_object_or_404(RoleAssignment.objects.current() | RoleAssignment.objects.pending(), pk=pk)
    services.revoke_role(assignment, actor=request.user)
    messages.success(request, _("角色已收回。"))
    return redirect("accounts:user_detail", pk=assignment.user_id)


@login_required
@require_POST
def user_toggle_active(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    account = _get_user(pk)
    if account == request.user:
        messages.error(request, _("不能停用自己的账号。"))
    else:
        services.set_active(account, not account.is_active, actor=request.user)
        messages.success(request, _("账号已启用。") if account.is_active else _("账号已停用。"))
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
def lockouts(request: HttpRequest) -> HttpResponse:
    """Current lockouts (an account from an address, or a whole address) and their unlock step."""
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    return render(
        request,
        "accounts/lockouts.html",
        {"lockouts": lockout.current_lockouts(), "address_limit": lockout.address_limit()},
    )


@login_required
@require_POST
def lockout_clear(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("解锁请求不完整，请从锁定列表重新操作。"))
        return redirect("accounts:lockouts")
    username = form.cleaned_data["username"]
    ip_address = form.cleaned_data["ip_address"] or None
    if services.unlock(username=username, ip_address=ip_address, actor=request.user, request=request):
        messages.success(request, _("已解除锁定。"))
    else:
        messages.info(request, _("该锁定已不存在（可能已到期）。"))
    return redirect("accounts:lockouts")


@login_required
@require_POST
def user_otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """A user lost his phone: the security administrator removes the device; he enrols again."""
    policy.require(request.user, A.ACCOUNTS_MANAGE)
    account = _get_user(pk)
    services.remove_totp_device(account, actor=request.user, request=request)
    messages.success(request, _("已重置该账号的两步验证，用户下次登录时需重新绑定。"))
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.AUDIT_VIEW)
    events = AuditEvent.objects.all()
    action = request.GET.get("action", "").strip()
    username = request.GET.get("username", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    if username:
        events = events.filter(username=username)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page_obj": page, "action": action, "username": username})
