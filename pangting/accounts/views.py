"""Login, profile and tokens; account management (security administrator); audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.core.models import AuditEvent
from pangting.orgs.models import Organization, Person

from . import policy, services
from .forms import GrantDecisionForm, LoginForm, PasswordResetForm, RoleAssignForm, UserCreateForm
from .models import GrantStatus, RoleAssignment, User

A = policy.Action


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


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
