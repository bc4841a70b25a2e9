"""Recompute the audit chain and report every altered, inserted or deleted event.

    manage.py verify_audit_log [--expect SEQ:HASH]

Each event's hash is recomputed from its fields and its predecessor's hash. A change to an
event breaks its hash; an inserted event has no place in the sequence; a deleted event leaves a
gap. The deletion of the *newest* event leaves no gap, so it is caught by the chain head kept
apart from the events: the head row (written with every event), the daily checkpoints
(`audit_checkpoint`) and the head in every backup manifest. Pass a head copied from outside the
database (a manifest, a printed checkpoint) with `--expect` to check against what a database
administrator cannot rewrite. Exit status 1 when anything is wrong.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pangting.core import audit_chain


def _expect(value: str) -> tuple[int, str]:
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or not digest:
        raise CommandError("--expect 的格式应为 序号:摘要，例如 1234:ab12…")
    return int(seq), digest.strip().lower()


class Command(BaseCommand):
    help = "校验审计日志的哈希链，报告被修改、插入或删除的记录（含最新一条）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--expect", help="从备份清单等处抄录的链头：序号:摘要")

    def handle(self, *args: Any, **options: Any) -> None:
        expect = _expect(options["expect"]) if options.get("expect") else None
        result = audit_chain.verify(expect)
        for problem in result.problems:
            self.stderr.write(f"FAIL {problem}")
        summary = f"{result.checked} events checked (#{result.first_seq}..#{result.last_seq}), head {result.last_hash}"
        if not result.ok:
            raise CommandError(f"audit log NOT intact: {len(result.problems)} problem(s); {summary}")
        self.stdout.write(f"audit log intact: {summary}")
