"""The compliance app's rows of the permission matrix (collected by pangting/tests/test_permission_matrix.py).

Rule parameters are deployment settings: only who configures compliance (the supervisor)
reaches them. Findings are read by everyone holding compliance.view somewhere (supervisor,
observation leader, liaison, study secretaries, leadership viewer), each within their reach.
"""

from __future__ import annotations

from typing import Any

from pangting.tests.matrix import API, EVERYONE, POST_REDIRECT, Case, on_both_sides

CONFIGURERS = frozenset({"supervisor"})
VIEWERS = frozenset({"supervisor", "leader", "liaison", "secretary_a", "secretary_b", "viewer"})
ALL = frozenset({"root", "A", "A1", "B"})
# compliance.view: the policy's GRANTS applied to the personas' world, written out by hand.
COMPLIANCE_VIEW = {
    "supervisor": ALL, "leader": frozenset({"A", "A1"}), "liaison": frozenset({"A", "A1"}),
    "secretary_a": frozenset({"A", "A1"}), "secretary_b": frozenset({"B"}), "viewer": ALL,
}  # fmt: skip
# compliance.configure: runs and rule parameters belong to who configures the checks.
COMPLIANCE_CONFIGURE = {"supervisor": ALL}


def _unit(w: Any, side: str) -> Any:
    return {"A": w.unit_a, "B": w.unit_b}[side]


def _run(w: Any, side: str) -> Any:
    from pangting.compliance.models import ComplianceRun

    return ComplianceRun.objects.create(year=2026, unit=_unit(w, side), counts={})


def run_pk(w: Any, side: str) -> dict[str, Any]:
    return {"pk": _run(w, side).pk}


def finding_pk(w: Any, side: str) -> dict[str, Any]:
    from pangting.compliance.tests.builders import stored_finding

    run = _run(w, side)
    finding = stored_finding(
        rule_id="R-S7", unit=_unit(w, side), year=2026, period="2026-09", key="session:1", severity="amber",
        message="会后未形成学习小结", first_seen=run, last_seen=run,
    )  # fmt: skip
    return {"pk": finding.pk}


CASES: list[Case] = [
    Case("compliance:rule_list", CONFIGURERS),
    Case(
        "compliance:rule_parameter",
        CONFIGURERS,
        data=lambda w: {"rule": "R-S3", "name": "min_rate", "value": "85"},
        **POST_REDIRECT,
    ),
    Case("compliance:finding_list", VIEWERS),
    # A full run is queued for the worker (compliance/tests/test_jobs.py); who configures starts it.
    Case("compliance:run_all", CONFIGURERS, data=lambda w: {"year": "2026"}, **POST_REDIRECT),
    # The API: lists answer every signed-in user (scoped contents: compliance/tests/test_api.py).
    *[Case(f"compliance-{kind}-list", EVERYONE, **API) for kind in ("finding", "run", "rule")],
    *on_both_sides("compliance-finding-detail", COMPLIANCE_VIEW, finding_pk, **API),
    *on_both_sides("compliance-run-detail", COMPLIANCE_CONFIGURE, run_pk, **API),
    Case("compliance-rule-detail", CONFIGURERS, kwargs=lambda w: {"pk": "R-S3"}, **API),
]
