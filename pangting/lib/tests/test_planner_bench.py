"""Smoke test of the planning benchmark: the college scale runs and meets its targets.

The full benchmark (`python -m bench.planning`) takes about a minute and is run by hand; this
only keeps it from rotting.
"""

from __future__ import annotations

from bench.planning.instances import SCALES, generate
from bench.planning.run import check_targets, format_row, main, run_scale


def test_it_generates_the_same_instance_from_the_same_seed():
    assert generate(SCALES["city"], 5) == generate(SCALES["city"], 5)
    assert generate(SCALES["city"], 5) != generate(SCALES["city"], 6)


def test_it_runs_the_college_benchmark_and_meets_its_targets():
    baseline, solver, _ = run_scale("college", seed=2026, workers=1, time_limit=10.0)
    assert solver.status == "OPTIMAL"
    assert solver.metrics is not None and solver.metrics.violation_count == 0
    assert all(ok for _, ok in check_targets(baseline, solver)), check_targets(baseline, solver)
    assert "OPTIMAL" in format_row(solver)


def test_it_prints_a_table_and_exits_0_when_the_targets_are_met(capsys):
    assert main(["--scales", "college", "--time-limit", "10"]) == 0
    out = capsys.readouterr().out
    assert "baseline" in out and "cp-sat" in out and "PASS  college: proven OPTIMAL" in out
