"""Scan every text for near-duplicates: refit the boilerplate model, rebuild the index, verify pairs.

    manage.py scan_texts [--no-progress]
    manage.py scan_texts --enqueue        # queued for the background worker, progress on its job

Reads every text of every registered kind (speeches and their files, reflections, minutes,
observation records, feedback, rectification reports, 述学 reports), with a progress bar on
stderr, then prints how many documents, texts without a text layer, boilerplate shingles,
candidate pairs and flagged pairs it found. Dismissed pairs stay dismissed.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from pangting.analysis import duplicates
from pangting.core import jobs
from pangting.core.system import system_actor


class ProgressBar:
    """A one-line progress bar on a terminal stream, redrawn at most ten times a second."""

    def __init__(self, stream: Any, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = self.width * done // total if total else self.width
        percent = 100 * done // total if total else 100
        self.stream.write(f"\r读取文本 [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {percent}%")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "检查全部文本的雷同情况（重新拟合套话模型、重建索引、逐对核验候选），显示进度。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行进程运行（定时任务用），不在此运行")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            job = jobs.start("analysis.scan_texts", title=gettext("文本雷同检查"), actor=system_actor())
            self.stdout.write(f"已排队后台任务 {job.pk}。")
            return
        bar = None if options["no_progress"] else ProgressBar(sys.stderr)
        started = time.monotonic()
        result = duplicates.scan_corpus(progress=bar)
        if bar is not None:
            bar.close()
        seconds = time.monotonic() - started
        self.stdout.write(
            f"文本{result.documents}份（有文字{result.with_text}份，无文字{result.no_text}份）；"
            f"套话片段{result.boilerplate}个；候选{result.candidates}对；"
            f"雷同{result.pairs}对，其中高度雷同{result.red}对；用时{seconds:.1f}秒。"
        )
