"""The API waits for a new password as the pages do (issue 14 item 3).

An initial password chosen by an administrator, or an expired one, sends a page to the change
form (`middleware.PasswordExpiryMiddleware`); an API client gets a 403 with a Chinese message
instead. A distinct exception, not `PermissionDenied`: the API answers forbidden records with
404 (`core.api.exception_handler`), while this refusal must say what to do.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, status

PASSWORD_CHANGE_REQUIRED = _("请先登录网页修改密码（初始密码或已过期的密码），修改后才能使用 API。")


class PasswordChangeRequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = PASSWORD_CHANGE_REQUIRED
    default_code = "password_change_required"


def password_change_required(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.password_change_required())


class PasswordIsCurrent(permissions.BasePermission):
    """In `DEFAULT_PERMISSION_CLASSES`, after `IsAuthenticated`: every API view applies it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if password_change_required(request.user):
            raise PasswordChangeRequired
        return True
