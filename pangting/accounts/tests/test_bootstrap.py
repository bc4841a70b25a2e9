"""A fresh install's three administrators (issue 14 item 1): `manage.py bootstrap_administrators`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from pangting.accounts import policy
from pangting.accounts.models import Role, RoleAssignment, User
from pangting.core.models import AuditEvent
from pangting.orgs.models import Organization


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("bootstrap_administrators", *args, stdout=out)
    return out.getvalue()


def _password(output: str, username: str) -> str:
    line = next(line for line in output.splitlines() if f"：{username} " in line)
    return line.rsplit("初始密码：", 1)[1].strip()


@pytest.mark.django_db
def test_it_makes_the_root_and_one_account_per_duty_that_must_change_its_password():
    output = _run("--root-code", "ROOT", "--root-name", "中共示范大学委员会")

    root = Organization.objects.get(code="ROOT")
    assert root.parent is None
    for username, role in (
        ("xitong", Role.SYSTEM_ADMIN),
        ("anquan", Role.SECURITY_ADMIN),
        ("shenji", Role.AUDIT_ADMIN),
    ):
        user = User.objects.get(username=username)
        assert list(RoleAssignment.objects.current().filter(user=user).values_list("role", "organization")) == [
            (role, root.pk)
        ]
        assert user.must_change_password
        assert user.check_password(_password(output, username))
        client = Client()
        client.force_login(user)
        response = client.get(reverse("home"))
        assert response.status_code == 302 and "password" in response["Location"]
    # The duties are the duties: the security administrator manages accounts, nobody reads business data.
    assert policy.can(User.objects.get(username="anquan"), policy.Action.ACCOUNTS_MANAGE)
    assert not policy.can(User.objects.get(username="xitong"), policy.Action.ACCOUNTS_MANAGE)
    event = AuditEvent.objects.get(action="accounts.bootstrap_administrators")
    assert event.target == "ROOT" and set(event.detail["accounts"].values()) == {"xitong", "anquan", "shenji"}


@pytest.mark.django_db
def test_it_refuses_once_any_administrator_exists():
    _run("--root-code", "ROOT", "--root-name", "中共示范大学委员会")
    with pytest.raises(CommandError, match="已有管理员账号"):
        _run("--system-admin", "x2", "--security-admin", "a2", "--audit-admin", "s2")
    assert not User.objects.filter(username__in=["x2", "a2", "s2"]).exists()


@pytest.mark.django_db
def test_it_needs_the_root_on_an_empty_tree_and_different_accounts():
    with pytest.raises(CommandError, match="组织树为空"):
        _run()
    with pytest.raises(CommandError, match="三员分立"):
        _run("--root-code", "ROOT", "--root-name", "党委", "--system-admin", "same", "--audit-admin", "same")
    assert not Organization.objects.exists() and not User.objects.exclude(username="system").exists()


@pytest.mark.django_db
def test_it_uses_the_existing_root_and_refuses_another_code(world):
    RoleAssignment.objects.filter(role__in=[Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]).delete()
    with pytest.raises(CommandError, match="与给出的编码不符"):
        _run("--root-code", "OTHER")
    _run("--system-admin", "x2", "--security-admin", "a2", "--audit-admin", "s2")
    assert RoleAssignment.objects.current().get(user__username="a2").organization == world.root
