"""Benchmark the annual planner against the greedy baseline on synthetic instances.

    .venv/bin/python -m bench.planning                 # all three scales
    .venv/bin/python bench/planning/run.py --scales college,city --workers 1

Both planners get the same instance and the same time budget (the baseline needs a fraction
of a second of it). Every plan is judged by the same independent checker. The run ends with
the targets and exits 1 if one is missed. Not part of the test suite: it takes about a minute.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.planning.instances import SCALES, generate
from pangting.lib.planner import PlanMetrics, PlanningInstance, baseline_plan, plan_metrics, solve_plan

SPREAD_IMPROVEMENT = 0.30
TARGET_SECONDS = {"college": 5.0, "city": 20.0, "province": 60.0}


@dataclasses.dataclass(frozen=True)
class Row:
    scale: str
    method: str
    seconds: float
    status: str
    metrics: PlanMetrics | None
    gap: float | None
    parts: str = ""


def run_scale(
    name: str, seed: int, workers: int | None, time_limit: float | None, planned_months: bool = True
) -> tuple[Row, Row, float]:
    started = time.perf_counter()
    instance = generate(SCALES[name], seed, time_limit_seconds=time_limit, planned_months=planned_months)
    if workers is not None:
        instance = dataclasses.replace(instance, options=dataclasses.replace(instance.options, num_workers=workers))
    generated = time.perf_counter() - started
    return _baseline_row(name, instance), _solver_row(name, instance), generated


def _baseline_row(name: str, instance: PlanningInstance) -> Row:
    started = time.perf_counter()
    plan = baseline_plan(instance, instance.options.random_seed)
    seconds = time.perf_counter() - started
    return Row(name, "baseline", seconds, "-", plan_metrics(instance, plan), None)


def _solver_row(name: str, instance: PlanningInstance) -> Row:
    result = solve_plan(instance)
    metrics = plan_metrics(instance, result.plan) if result.plan is not None else None
    parts = ", ".join(f"{p.name} {p.wall_time:.2f} s {p.status.value}" for p in result.parts)
    return Row(name, "cp-sat", result.wall_time, result.status.value, metrics, result.gap, parts)


HEADER = (
    f"{'scale':<9} {'method':<8} {'time s':>7} {'status':<10} {'hard viol.':>10} {'coverage':>8} "
    f"{'visits':>6} {'team max-min':>12} {'team CV':>7} {'month max-min':>13} {'month CV':>8} "
    f"{'linked':>6} {'planned':>7} {'objective':>9} {'gap':>6}"
)


def format_row(row: Row) -> str:
    m = row.metrics
    gap = f"{row.gap:.1%}" if row.gap is not None else "-"
    if m is None:
        return f"{row.scale:<9} {row.method:<8} {row.seconds:>7.2f} {row.status:<10} (no plan)"
    return (
        f"{row.scale:<9} {row.method:<8} {row.seconds:>7.2f} {row.status:<10} {m.violation_count:>10} "
        f"{m.coverage:>8.1%} {m.visits:>6} {m.team_range:>12} {m.team_cv:>7.3f} {m.month_range:>13} "
        f"{m.month_cv:>8.3f} {m.linked_share:>6.0%} {m.planned_share:>7.0%} {m.objective:>9} {gap:>6}"
    )


def _better(solver: float, baseline: float) -> bool:
    """At least 30% lower, or zero when the baseline is already zero."""
    return solver <= baseline * (1 - SPREAD_IMPROVEMENT) if baseline > 0 else solver == 0


def check_targets(baseline: Row, solver: Row) -> list[tuple[str, bool]]:
    name, m, b = solver.scale, solver.metrics, baseline.metrics
    assert b is not None
    limit = TARGET_SECONDS[name]
    checks = [
        (f"{name}: a plan within {limit:.0f} s", m is not None and solver.seconds < limit),
        (f"{name}: zero hard-constraint violations", m is not None and m.violation_count == 0),
        (
            f"{name}: team workload range ≥30% below baseline",
            m is not None and _better(m.team_range, b.team_range),
        ),
        (f"{name}: team workload CV ≥30% below baseline", m is not None and _better(m.team_cv, b.team_cv)),
    ]
    if name == "college":
        checks.append((f"{name}: proven OPTIMAL in under {limit:.0f} s", solver.status == "OPTIMAL"))
    if name == "province":
        checks.append((f"{name}: gap reported", solver.gap is not None))
    return checks


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="college,city,province")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None, help="CP-SAT workers (default: the options' 2)")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per scale (default: its target)")
    parser.add_argument(
        "--no-planned-months", action="store_true", help="units without study plans (the instances before R-O20)"
    )
    args = parser.parse_args(argv)

    print(HEADER)
    checks: list[tuple[str, bool]] = []
    for name in args.scales.split(","):
        baseline, solver, generated = run_scale(
            name, args.seed, args.workers, args.time_limit, not args.no_planned_months
        )
        print(format_row(baseline))
        print(format_row(solver))
        print(f"{'':<9} (instance generated in {generated:.2f} s; solver parts: {solver.parts})", flush=True)
        checks += check_targets(baseline, solver)
    print()
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
