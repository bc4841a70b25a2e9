"""Confirm the first supervisor of a fresh install (issue 14 item 1), run on the server by the
system administrator: the security administrator grants the role, this is the second person."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pangting.accounts import services
from pangting.accounts.models import User
from pangting.core.system import system_actor
from pangting.orgs.models import Organization


class Command(BaseCommand):
    help = "确认首位宣传部（督导）人员的授权（安全管理员授予后，由系统管理员在服务器上执行）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--organization", required=True, help="组织代码或编号")

    def handle(self, *args: Any, username: str, organization: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为“{username}”的账号。")
        org = Organization.objects.filter(code=organization).first()
        if org is None and organization.isdigit():
            org = Organization.objects.filter(pk=int(organization)).first()
        if org is None:
            raise CommandError(f"没有代码或编号为“{organization}”的组织。")
        try:
            services.confirm_first_supervisor(user, org, actor=system_actor())
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"已确认 {username} 在 {org} 担任宣传部（督导）。"))
