from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from pangting.core.todos import Todo

from . import lockout, policy


def account_todos(user: Any) -> list[Todo]:
    todos: list[Todo] = []
    if policy.can(user, policy.Action.ROLES_CONFIRM) or policy.can(user, policy.Action.DUTIES_CONFIRM):
        # Two-person rule (issue 14 item 1): grants by the security administrator wait for this user.
        waiting = policy.confirmable(user).count()
        if waiting:
            todos.append(
                Todo(
                    title=_("{count}项角色授权待您确认").format(count=waiting),
                    url=reverse("accounts:pending_grants"),
                    detail=_("安全管理员授予的角色须经您确认后才生效；请核实后确认或拒绝。"),
                    severity="warn",
                )
            )
    if policy.can(user, policy.Action.ACCOUNTS_MANAGE):
        locked = len(lockout.current_lockouts())
        if locked:
            todos.append(
                Todo(
                    title=_("{count}处登录因多次失败被锁定").format(count=locked),
                    url=reverse("accounts:lockouts"),
                    detail=_("锁定到期后自动解除；如确认是本人操作，可在锁定列表中提前解锁。"),
                    severity="warn",
                )
            )
    return todos
