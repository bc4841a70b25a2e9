"""Print the demo logins (make run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pangting.accounts import policy
from pangting.accounts.models import User

from .seed_demo import DEMO_PASSWORD

DEMO_USERS = [
    "admin",
    "anquan",
    "shenji",
    "xuanchuan",
    "dangwei",
    "lingdao",
    "lianluo",
    "mishu",
    "chengyuan",
    # The level above the university (R-O23): the city's office, its team leader, the secretaries
    # of the center groups it supervises.
    "shijiaogong",
    "shilingdao",
    "xiaomishu",
    "yixiaomishu",
    "weixiaomishu",
]


class Command(BaseCommand):
    help = "Print the demo accounts and the address to open."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, port: str = "8000", **options: Any) -> None:
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS).select_related("person")}
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"旁听 Pangting 已就绪：http://127.0.0.1:{port}/"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username in DEMO_USERS:
            user = users.get(username)
            if user is None:
                continue
            roles = "、".join(
                f"{a.get_role_display()}（{a.organization.display_name}）" for a in policy.assignments(user)
            )
            self.stdout.write(f"  {username:<12} {user.display_name:<8} {roles}")
        self.stdout.write("")
