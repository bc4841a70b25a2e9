"""`manage.py verify_draw <id>`: re-derive a draw from its stored record (R-O2); exit 1 if it fails."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pangting.planning.models import Draw
from pangting.planning.services import verify_draw


class Command(BaseCommand):
    help = "验证随机抽取记录：重新推导抽取结果，与公布的结果比对。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("draw", help="抽取记录的数据库编号或抽取编号")

    def handle(self, *args: Any, **options: Any) -> None:
        key = str(options["draw"])
        draw = Draw.objects.filter(draw_id=key).first()
        if draw is None and key.isdigit():
            draw = Draw.objects.filter(pk=int(key)).first()
        if draw is None:
            raise CommandError(f"找不到抽取记录：{key}")
        result = verify_draw(draw)
        self.stdout.write(f"抽取编号：{draw.draw_id}")
        self.stdout.write(f"事由：{draw.purpose}")
        self.stdout.write(f"公开随机值来源：{draw.public_value_source}；取值：{draw.public_value or '（未公布）'}")
        self.stdout.write(f"候选数：{len(draw.candidates)}；排除数：{len(draw.exclusions)}；抽取数：{draw.count}")
        for position, pick in enumerate(result.derived_picks, start=1):
            self.stdout.write(f"  {position}. {pick} {draw.candidate_name(pick)}")
        if not result.ok:
            self.stdout.write("验证结果：未通过")
            for error in result.errors:
                self.stdout.write(f"  - {error}")
            sys.exit(1)
        self.stdout.write("验证结果：通过（种子与承诺一致，名单与哈希一致，抽取结果可完全复现）")
