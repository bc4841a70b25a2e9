"""Benchmark the rule checks (issue 15, item 3): a whole year, and one unit after a change.

    .venv/bin/python -m bench.compliance                     # 100 and 300 units (about 10 minutes)
    .venv/bin/python -m bench.compliance --units 100,1000
    DATABASE_URL=postgres://… .venv/bin/python -m bench.compliance --units 100

For each size, a child process builds the province-shaped dataset of `manage.py generate_scale`
(without its own checks) in a throwaway SQLite database (or the empty PostgreSQL database that
DATABASE_URL names), then, with the clock set to 1 December of the year:

- *compute*: every check over every unit, findings computed but not saved (`compute`);
- *run*: the same with the findings reconciled into the table, as `check_compliance` does;
- *again*: a second run, which refreshes the findings the first one wrote;
- *next day*: a third run with the clock a day later, as the nightly run finds it (the findings
  whose measures count days are rewritten, deadlines that passed overnight make new ones);
- *one unit*: `refresh_unit` of one unit after a change to it (the unit page's run), median of 5;
- the run's queries and the peak resident set growth while checking.

Targets (10,000 units on two cores): a year ≤ 30 s, one unit ≤ 100 ms, queries independent of
the number of units. Below 10,000 units the year's target is scaled down in proportion, and
the growth from the smallest to the largest size must be linear or better (time per unit not
above 1.25 × the smallest size's). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

PROVINCE = 10_000
YEAR_TARGET_S = 30.0
UNIT_TARGET_MS = 100.0
GROWTH_LIMIT = 1.25


def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Start VmHWM again from the current resident set (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure(units: int, year: int, seed: int) -> dict[str, float]:
    """In a child process: build the dataset, then time the checks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pangting.test_settings")
    import datetime as dt
    import zoneinfo

    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pangting.compliance import services
    from pangting.compliance.models import Finding
    from pangting.core.system import system_actor
    from pangting.orgs.units import units as all_units
    from pangting.reports.scale import generate
    from pangting.study.models import StudySession

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with time_machine.travel(
        dt.datetime(year, 12, 1, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=True
    ) as traveller:
        result = generate(units=units, seed=seed, year=year, force=True, checks=False, report=lambda line: None)
        built = time.perf_counter() - started
        actor = system_actor()
        _reset_peak()
        before_kb = _peak_kb()
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            findings = services.compute(year)
        compute_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        services.run_checks(year, actor=actor, trigger="schedule")
        run_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        services.run_checks(year, actor=actor, trigger="schedule")
        again_s = time.perf_counter() - t0
        traveller.shift(dt.timedelta(days=1))
        t0 = time.perf_counter()
        next_day = services.run_checks(year, actor=actor, trigger="schedule")
        next_day_s = time.perf_counter() - t0
        peak_growth_mb = (_peak_kb() - before_kb) / 1024
        unit = all_units().exclude(parent__parent__isnull=True).order_by("path")[len(result.usernames) % 7]
        session = StudySession.objects.filter(organization=unit).order_by("starts_at").first()
        times = []
        for _ in range(5):
            if session is not None:
                session.save()  # a change to the unit's records makes it stale
            t0 = time.perf_counter()
            services.refresh_unit(unit, year, actor=actor)
            times.append(time.perf_counter() - t0)
    return {
        "units": result.units,
        "rows": sum(result.rows.values()),
        "build_s": built,
        "compute_s": compute_s,
        "queries": len(captured),
        "findings": len(findings),
        "open_findings": Finding.objects.filter(resolved_at__isnull=True).count(),
        "run_s": run_s,
        "again_s": again_s,
        "next_day_s": next_day_s,
        "next_day_counts": next_day.counts,
        "unit_ms": statistics.median(times) * 1000,
        "peak_growth_mb": peak_growth_mb,
    }


def _child(units: int, year: int, seed: int) -> dict[str, float]:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="pangting-bench-") as var_dir:
        env["PANGTING_VAR_DIR"] = var_dir
        command = [sys.executable, "-m", "bench.compliance.run", "--measure", str(units), str(year), str(seed)]
        done = subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {units}-unit measurement failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        units, year, seed = (int(a) for a in argv[1:4])
        print(json.dumps(measure(units, year, seed)))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.compliance", description=__doc__.split("\n")[0])
    parser.add_argument("--units", default="100,300", help="comma-separated sizes (default 100,300)")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.units.split(","))
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    header = (
        f"{'units':>6} {'rows':>9} {'build s':>8} {'compute s':>9} {'queries':>7} {'findings':>8} "
        f"{'run s':>6} {'again s':>7} {'next day s':>10} {'1 unit ms':>9} {'peak +MB':>8}"
    )
    print(header)
    results = []
    for size in sizes:
        r = _child(size, args.year, args.seed)
        results.append(r)
        print(
            f"{r['units']:>6,} {r['rows']:>9,} {r['build_s']:>8.1f} {r['compute_s']:>9.2f} {r['queries']:>7} "
            f"{r['findings']:>8,} {r['run_s']:>6.2f} {r['again_s']:>7.2f} {r['next_day_s']:>10.2f} "
            f"{r['unit_ms']:>9.1f} {r['peak_growth_mb']:>8.1f}",
            flush=True,
        )
        print(f"       the next day's run: {r['next_day_counts']}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    ok = True

    def verdict(passed: bool, text: str) -> None:
        nonlocal ok
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'} {text}")

    for r in results:
        target = YEAR_TARGET_S * r["units"] / PROVINCE
        verdict(
            r["run_s"] <= target,
            f"{r['units']:,} units: a year's run {r['run_s']:.2f} s ≤ {target:.2f} s (30 s × units/10,000)",
        )
        verdict(
            r["unit_ms"] <= UNIT_TARGET_MS,
            f"{r['units']:,} units: one unit {r['unit_ms']:.0f} ms ≤ {UNIT_TARGET_MS:.0f} ms",
        )
    if len(results) > 1:
        small, large = results[0], results[-1]
        per_small = small["run_s"] / small["units"]
        per_large = large["run_s"] / large["units"]
        verdict(
            per_large <= GROWTH_LIMIT * per_small,
            f"time per unit {per_small * 1000:.1f} → {per_large * 1000:.1f} ms: linear or better",
        )
        verdict(
            small["queries"] == large["queries"],
            f"queries {small['queries']} → {large['queries']}: independent of the size",
        )
        projected = per_large * PROVINCE
        print(f"projected for {PROVINCE:,} units at the largest size's rate: {projected:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
