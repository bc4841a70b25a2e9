from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs, widgets

from .models import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续失败多次后账号将被临时锁定。"),
        "inactive": _("该账号已停用。"),
    }


class UserCreateForm(inputs.CheckedForm):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 _.@+-。")},
    )
    person = widgets.PersonSearchField(label=_("对应人员"), scope="accounts.manage", required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people


class RoleAssignForm(inputs.CheckedForm):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    organization = widgets.OrganizationSearchField(label=_("组织"), scope="accounts.manage")

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations


class PasswordResetForm(forms.Form):
    """The security administrator sets a new password; the owner replaces it at the next login."""

    password = forms.CharField(label=_("新初始密码"), widget=forms.PasswordInput, strip=False)


class GrantDecisionForm(forms.Form):
    """The second person's confirmation or refusal of a pending grant (issue 14 item 1)."""

    decision = forms.ChoiceField(choices=[("confirm", _("确认")), ("refuse", _("拒绝"))])
    note = forms.CharField(label=_("意见"), max_length=200, required=False)


class UnlockForm(forms.Form):
    """One lockout to lift, as listed on the lockouts page (empty username: the whole address)."""

    username = forms.CharField(max_length=150, required=False)
    ip_address = forms.GenericIPAddressField(required=False)


class OtpCodeForm(forms.Form):
    """A six-digit code from the authenticator app (spaces allowed, as apps show them)."""

    code = forms.RegexField(
        label=_("动态验证码"),
        max_length=12,
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("请输入验证器上显示的6位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
