"""`core.bulk`: the findings a run inserts are stored as `bulk_create` stores them, by COPY on
PostgreSQL (issue 15: a first run inserts every finding of the province), and rows updated by
`update_rows` as `bulk_update` updates them (the text scan rewrites every document)."""

from __future__ import annotations

import pytest

from pangting.compliance.models import ComplianceRun, Finding
from pangting.core.bulk import insert_new, update_rows
from pangting.core.system import system_actor

pytestmark = pytest.mark.django_db
CONTENT = (
    "rule_id", "unit_id", "year", "period", "severity", "message", "message_id", "message_params",
    "evidence", "measured", "digest", "first_seen_id", "last_seen_id", "resolved_at",
)  # fmt: skip


def findings(run: ComplianceRun, unit, key: str) -> list[Finding]:
    awkward = '引号"、反斜杠\\、制表\t、换行\n和 {花括号} 与 NULL'
    made = []
    for n in range(3):
        made.append(
            Finding(
                rule_id="R-S7", unit=unit, year=2026, period="2026-10", key=f"{key}:{n}", severity="amber",
                message=awkward, message_id="{day}学习会会后未形成学习小结",
                message_params={"day": {"date": "2026-10-15"}, "text": awkward},
                evidence=[{"model": "study.studysession", "pk": n, "label": awkward}],
                measured={"count": n, "rate": 0.5, "none": None, "list": [1, "二"]},
                digest="0" * 32, first_seen=run, last_seen=run,
            )
        )  # fmt: skip
    return made


def test_it_stores_what_bulk_create_stores(world):
    run = ComplianceRun.objects.create(year=2026, actor=system_actor())
    insert_new(Finding, findings(run, world.unit_a, "copied"))
    Finding.objects.bulk_create(findings(run, world.unit_a, "created"))
    insert_new(Finding, [])

    def stored(prefix: str) -> list[tuple]:
        return list(Finding.objects.filter(key__startswith=prefix).order_by("key").values_list(*CONTENT))

    assert len(stored("copied")) == 3
    assert stored("copied") == stored("created")
    assert Finding.objects.get(key="copied:2").measured == {"count": 2, "rate": 0.5, "none": None, "list": [1, "二"]}


def test_it_updates_what_bulk_update_updates(world):
    run = ComplianceRun.objects.create(year=2026, actor=system_actor())
    Finding.objects.bulk_create(findings(run, world.unit_a, "copied") + findings(run, world.unit_a, "updated"))
    fields = ["severity", "message", "message_params", "evidence", "measured", "resolved_at"]
    changed = {"copied": [], "updated": []}
    for prefix, rows in changed.items():
        for finding in Finding.objects.filter(key__startswith=prefix).order_by("key"):
            finding.severity, finding.message = "red", f"改为{finding.key[-1]}：\t\\「」"
            finding.message_params, finding.evidence = {"n": [None, "二"]}, []
            finding.measured, finding.resolved_at = {}, run.started_at
            rows.append(finding)
    update_rows(Finding, changed["copied"], fields)
    Finding.objects.bulk_update(changed["updated"], fields)
    update_rows(Finding, [], fields)

    def stored(prefix: str) -> list[tuple]:
        return list(Finding.objects.filter(key__startswith=prefix).order_by("key").values_list(*CONTENT))

    assert stored("copied") == stored("updated") and stored("copied")[0][4] == "red"
    assert Finding.objects.get(key="copied:1").message_params == {"n": [None, "二"]}
    assert Finding.objects.get(key="copied:0").digest == "0" * 32  # a field not named is left alone
