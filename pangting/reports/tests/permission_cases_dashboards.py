"""Permission-matrix rows of the reports dashboards part.

The dashboard needs reports.view (the supervisor and the leadership viewer, over their subtree);
a unit page needs compliance.view on that unit:

=========== ==============
persona     compliance.view
=========== ==============
supervisor  root, A, A1, B
leader      A, A1 (linked)
liaison     A, A1
secretary_a A, A1
secretary_b B
viewer      root, A, A1, B
=========== ==============
"""

from __future__ import annotations

from typing import Any

from pangting.tests.matrix import Case, on_both_sides, org

ALL = frozenset({"root", "A", "A1", "B"})
REPORT_READERS = frozenset({"supervisor", "viewer"})
COMPLIANCE_VIEW = {
    "supervisor": ALL, "leader": frozenset({"A", "A1"}), "liaison": frozenset({"A", "A1"}),
    "secretary_a": frozenset({"A", "A1"}), "secretary_b": frozenset({"B"}), "viewer": ALL,
}  # fmt: skip


def unit_pk(w: Any, side: str) -> dict[str, Any]:
    return {"pk": org(w, side).pk}


CASES: list[Case] = [
    Case("reports:dashboard", REPORT_READERS),
    Case("reports:levels", REPORT_READERS),  # R-O23: the supervising levels compared
    *on_both_sides("reports:unit", COMPLIANCE_VIEW, unit_pk),
]
