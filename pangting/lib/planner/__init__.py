"""Annual observation-plan generator (R-O1) on OR-Tools CP-SAT, with its own judge and yardstick.

- `solve_plan(instance)`: the plan, solver status, objective, bound, gap and, when there is
  no plan, Chinese explanations (pre-checks first, then an elastic diagnosis).
- `check_plan(instance, plan)`: every hard-rule violation, independent of the model.
- `baseline_plan(instance, seed)`: the greedy plan the solver is measured against.
- `plan_metrics(instance, plan)`: spread, coverage and violations for either plan.

The solver's names are imported when first used: OR-Tools (and the pandas it loads) take about
a second to import, which every process that loads the URLs (a web worker, a command, a job
worker) would otherwise pay whether or not it ever plans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pangting.lib.planner.baseline import baseline_plan
from pangting.lib.planner.checker import Violation, ViolationKind, check_plan
from pangting.lib.planner.instance import (
    AUTUMN,
    DEFAULT_SEMESTERS,
    SPRING,
    Conflict,
    CrossPair,
    InvalidInstance,
    Link,
    ObjectiveWeights,
    Pin,
    Plan,
    PlannerOptions,
    PlanningInstance,
    Semester,
    Team,
    Unit,
    Visit,
    validate_instance,
)
from pangting.lib.planner.metrics import PlanMetrics, objective_value, plan_metrics
from pangting.lib.planner.precheck import explain_infeasibility

if TYPE_CHECKING:
    from pangting.lib.planner.solver import PartReport, PlanResult, SolveStatus, solve_plan

_SOLVER_NAMES = frozenset({"PartReport", "PlanResult", "SolveStatus", "solve_plan"})


def __getattr__(name: str) -> Any:
    if name in _SOLVER_NAMES:
        from pangting.lib.planner import solver

        return getattr(solver, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AUTUMN",
    "DEFAULT_SEMESTERS",
    "SPRING",
    "Conflict",
    "CrossPair",
    "InvalidInstance",
    "Link",
    "ObjectiveWeights",
    "PartReport",
    "Pin",
    "Plan",
    "PlanMetrics",
    "PlanResult",
    "PlannerOptions",
    "PlanningInstance",
    "Semester",
    "SolveStatus",
    "Team",
    "Unit",
    "Violation",
    "ViolationKind",
    "Visit",
    "baseline_plan",
    "check_plan",
    "explain_infeasibility",
    "objective_value",
    "plan_metrics",
    "solve_plan",
    "validate_instance",
]
