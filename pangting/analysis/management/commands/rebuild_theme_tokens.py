"""Recount the theme hints' stored words (R-S6) from the texts, or check them against a recount.

    manage.py rebuild_theme_tokens           # rewrite every stored word set that differs
    manage.py rebuild_theme_tokens --check   # only report; exit status 1 when any differs

Reads every speech (its fields and uploaded file, as the near-duplicate index does), every
center-group session's theme and every plan theme, cuts them into words as the page's hints need
them and compares with what is stored. A speech the near-duplicate index does not hold yet is
named too: `scan_texts` indexes it, with its words.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from pangting.analysis import themes

SHOWN = 20


class Command(BaseCommand):
    help = "按文本重新计算主题提示所存的词语（--check：只核对，不一致时以状态1退出）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="只核对存储的词语与重新计算是否一致，不修改")

    def handle(self, *args: Any, **options: Any) -> None:
        check = options["check"]
        with transaction.atomic():
            result = themes.recount(write=not check)
        verb = "不一致" if check else "已重写"
        self.stdout.write(
            f"核对{result.checked}项，{verb}{len(result.differing)}项，未入文本索引的发言{len(result.unindexed)}篇。"
        )
        for label, keys in ((verb, result.differing), ("未入文本索引（请运行 scan_texts）", result.unindexed)):
            if keys:
                more = f" 等{len(keys)}项" if len(keys) > SHOWN else ""
                self.stdout.write(f"{label}：{'、'.join(keys[:SHOWN])}{more}")
        if check and (result.differing or result.unindexed):
            sys.exit(1)
