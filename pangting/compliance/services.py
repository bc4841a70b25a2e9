"""Running the checks and reading their findings.

`run_checks` computes every (or some) rule for a year over the units in scope and
reconciles the `Finding` table; `rule_status` turns open findings into red/amber/green per
unit and rule for the unit page and the dashboards. Both cost a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from pangting.orgs.models import Organization

from .models import ComplianceRun, Finding, RuleParameter
from .registry import CheckContext, FindingData, Rule, ordered_rules

GREEN = "green"


def units_in_scope(unit: Organization | None = None) -> list[Organization]:
    """The units whose center groups the rules apply to: every organization with a study group."""
    qs = Organization.objects.filter(study_group__isnull=False).order_by("path")
    if unit is not None:
        qs = qs.filter(path__startswith=unit.path)
    return list(qs)


def parameters(rule: Rule) -> dict[str, Any]:
    """The rule's parameters: its defaults overridden by the deployment's `RuleParameter` rows."""
    values = rule.defaults()
    values.update(dict(RuleParameter.objects.filter(rule_id=rule.id).values_list("name", "value")))
    return values


def compute(
    year: int, *, unit: Organization | None = None, rules: Sequence[str] | None = None
) -> list[tuple[Rule, FindingData]]:
    """Every finding for `year` (optionally one unit's subtree, some rules), without saving anything."""
    units = units_in_scope(unit)
    today = timezone.localdate()
    results: list[tuple[Rule, FindingData]] = []
    for rule in ordered_rules():
        if rules and rule.id not in rules:
            continue
        ctx = CheckContext(year=year, units=units, today=today, params=parameters(rule))
        results.extend((rule, f) for f in rule.check(ctx))
    return results


@transaction.atomic
def run_checks(
    year: int,
    *,
    unit: Organization | None = None,
    rules: Sequence[str] | None = None,
    trigger: str = ComplianceRun.Trigger.MANUAL,
    actor: Any = None,
) -> ComplianceRun:
    """Compute the findings and reconcile the table: insert new, refresh seen, resolve gone ones."""
    run = ComplianceRun.objects.create(year=year, unit=unit, rules=list(rules or []), trigger=trigger, actor=actor)
    found = compute(year, unit=unit, rules=rules)
    existing_qs = Finding.objects.filter(year=year)
    if unit is not None:
        existing_qs = existing_qs.filter(unit__path__startswith=unit.path)
    if rules:
        existing_qs = existing_qs.filter(rule_id__in=list(rules))
    existing = {(f.rule_id, f.unit_id, f.period, f.key): f for f in existing_qs}
    now = timezone.now()
    new: list[Finding] = []
    refreshed: list[Finding] = []
    seen: set[tuple[str, int, str, str]] = set()
    for rule, data in found:
        identity = (rule.id, data.unit_id, data.period, data.key)
        if identity in seen:
            continue
        seen.add(identity)
        values = _values(data)
        finding = existing.get(identity)
        if finding is None:
            new.append(
                Finding(rule_id=rule.id, unit_id=data.unit_id, year=year, first_seen=run, last_seen=run, **values)
            )
            continue
        for name, value in values.items():
            setattr(finding, name, value)
        finding.last_seen = run
        finding.resolved_at = None
        refreshed.append(finding)
    gone = [f for identity, f in existing.items() if identity not in seen and f.resolved_at is None]
    for finding in gone:
        finding.resolved_at = now
    Finding.objects.bulk_create(new, batch_size=500)
    fields = ["severity", "message", "evidence", "measured", "period", "last_seen", "resolved_at"]
    Finding.objects.bulk_update(refreshed, fields, batch_size=500)
    Finding.objects.bulk_update(gone, ["resolved_at"], batch_size=500)
    run.finished_at = timezone.now()
    run.counts = {"new": len(new), "still": len(refreshed), "resolved": len(gone)}
    run.save(update_fields=["finished_at", "counts"])
    return run


def _values(data: FindingData) -> dict[str, Any]:
    return {
        "period": data.period,
        "key": data.key,
        "severity": data.severity,
        "message": data.message[:300],
        "evidence": [{"model": e.model, "pk": e.pk, "label": e.label} for e in data.evidence],
        "measured": dict(data.measured),
    }


def rule_status(findings: Iterable[Finding]) -> dict[int, dict[str, str]]:
    """Colour per unit and rule from open findings: red if any red, amber if any amber, else green.

    Units or rules absent from the result are green.
    """
    status: dict[int, dict[str, str]] = defaultdict(dict)
    for finding in findings:
        current = status[finding.unit_id].get(finding.rule_id)
        if current != Finding.Severity.RED:
            status[finding.unit_id][finding.rule_id] = finding.severity
    return status
