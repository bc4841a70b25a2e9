from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs
from pangting.orgs.models import Organization, Person

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
    person = forms.ModelChoiceField(label=_("对应人员"), queryset=Person.objects.none(), required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people


class RoleAssignForm(inputs.CheckedForm):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    organization = forms.ModelChoiceField(label=_("组织"), queryset=Organization.objects.none())

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations
