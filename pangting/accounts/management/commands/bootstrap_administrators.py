"""A fresh install's three administrator accounts (三员), run once on the server.

`createsuperuser` gives no role in the application; this command makes one account per duty
at the root organization (creating it while the tree is empty), prints each one-time password
once, and is logged in the audit log. It refuses to run once any administrator exists.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pangting.accounts import services
from pangting.accounts.models import Role
from pangting.core.system import system_actor


class Command(BaseCommand):
    help = "新安装时创建系统管理员、安全管理员、审计管理员三个账号（三员分立），初始密码只显示一次。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--root-code", default="", help="根组织（党委）编码；组织树为空时必填")
        parser.add_argument("--root-name", default="", help="根组织（党委）名称；组织树为空时必填")
        parser.add_argument("--system-admin", default="xitong", help="系统管理员用户名")
        parser.add_argument("--security-admin", default="anquan", help="安全管理员用户名")
        parser.add_argument("--audit-admin", default="shenji", help="审计管理员用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        usernames = {
            Role.SYSTEM_ADMIN: options["system_admin"],
            Role.SECURITY_ADMIN: options["security_admin"],
            Role.AUDIT_ADMIN: options["audit_admin"],
        }
        try:
            root, accounts = services.bootstrap_administrators(
                root_code=options["root_code"],
                root_name=options["root_name"],
                usernames=usernames,
                actor=system_actor(),
            )
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        self.stdout.write(f"根组织：{root}（{root.code}）")
        for account in accounts:
            self.stdout.write(f"{account.role.label}：{account.username}  初始密码：{account.password}")
        self.stdout.write(
            self.style.SUCCESS("请将初始密码分别当面交给三位管理员；首次登录须修改密码。此输出不会再次显示。")
        )
