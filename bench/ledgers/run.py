"""Benchmark the ledger export (台账): time and memory at 10k / 100k / 500k rows.

    .venv/bin/python -m bench.ledgers                  # 10k, 100k, 500k attendance rows
    .venv/bin/python -m bench.ledgers --sizes 10000,100000

Builds a province-sized synthetic dataset (units, people, sessions, one attendance row per
person per session) with bulk_create in a throwaway SQLite database, then exports the
attendance ledger (one row per person per session) and the sessions ledger through the same
code the page uses (`write_ledgers`, into an unnamed temporary file, as the view does).

Each size runs in a child process, so its peak resident set (VmHWM) belongs to it alone;
"RSS growth" is that peak minus the resident set just before the export. A second child
measures the Python heap peak with tracemalloc (slower, so its time is not reported).
Memory must not grow with the row count. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

PEOPLE_PER_UNIT = 20
SESSIONS_PER_YEAR = 24  # two a month: the center group's sessions and one branch meeting
DEFAULT_SIZES = (10_000, 100_000, 500_000)
# Memory may not grow by more than this between the smallest and the largest export.
GROWTH_LIMIT_MB = 32.0


def _setup(var_dir: str) -> None:
    os.environ["PANGTING_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pangting.test_settings")
    import django

    django.setup()


def build(var_dir: str, sizes: list[int]) -> dict[str, int]:
    """Units, people and sessions so that year 2000 + i holds exactly sizes[i] attendance rows."""
    _setup(var_dir)
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from pangting.orgs.models import Organization, Person, StudyGroup
    from pangting.study.models import Attendance, StudySession

    call_command("migrate", verbosity=0)
    root = Organization.objects.create(name="中共某省委员会", code="ROOT", kind="party_committee", path="00000001")
    units_needed = max(sizes) // (PEOPLE_PER_UNIT * SESSIONS_PER_YEAR) + 1
    units = Organization.objects.bulk_create(
        Organization(name=f"第{n}单位党委", code=f"U{n:05d}", kind="party_committee", parent=root, depth=1,
                     path=f"00000001{n + 2:08d}")
        for n in range(units_needed)
    )  # fmt: skip
    groups = StudyGroup.objects.bulk_create(StudyGroup(organization=u, name=f"{u.name}理论学习中心组") for u in units)
    people = {
        u.pk: Person.objects.bulk_create(
            Person(name=f"成员{u.pk}-{k}", organization=u, post="副院长") for k in range(PEOPLE_PER_UNIT)
        )
        for u in units
    }
    zone = timezone.get_current_timezone()
    counts: dict[str, int] = {}
    for index, size in enumerate(sizes):
        year = 2000 + index
        sessions_needed = size // PEOPLE_PER_UNIT
        made: list[StudySession] = []
        for n in range(sessions_needed):
            unit, group = units[n % len(units)], groups[n % len(units)]
            day = dt.date(year, 1, 1) + dt.timedelta(days=(n // len(units)) * 15 % 360)
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 30)), zone)
            made.append(
                StudySession(organization=unit, group=group, title="学习贯彻党的二十届四中全会精神", place="301会议室",
                             starts_at=start, ends_at=start + dt.timedelta(hours=2), sequence=n // len(units) + 1,
                             arrangement_due=day - dt.timedelta(days=2), report_due=day + dt.timedelta(days=2))
            )  # fmt: skip
        for batch in range(0, len(made), 5000):
            StudySession.objects.bulk_create(made[batch : batch + 5000])
        statuses = ["present"] * 17 + ["leave", "absent", "present"]
        rows = (
            Attendance(session=s, person=p, post=p.post, status=statuses[k],
                       leave_reason="出差" if statuses[k] == "leave" else "")
            for s in made for k, p in enumerate(people[s.organization_id])
        )  # fmt: skip
        batch_rows: list[Attendance] = []
        for row in rows:
            batch_rows.append(row)
            if len(batch_rows) == 10_000:
                Attendance.objects.bulk_create(batch_rows)
                batch_rows = []
        Attendance.objects.bulk_create(batch_rows)
        counts[str(year)] = Attendance.objects.filter(session__starts_at__year=year).count()
    return counts


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def measure(var_dir: str, kind: str, year: int, trace: bool) -> dict[str, float]:
    """One export in this (child) process: seconds, output bytes, RSS growth, heap peak."""
    _setup(var_dir)
    import tracemalloc

    from pangting.reports.ledgers import LEDGERS, LedgerQuery, Period, Scope, write_ledgers

    scope = Scope(everything=True)
    query = LedgerQuery(Period(year))
    with tempfile.TemporaryFile() as warm:  # imports and first-use caches are not the export's
        write_ledgers([LEDGERS[kind]], scope, LedgerQuery(Period(1990)), warm)
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = _rss_kb("VmRSS:")
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as target:
        write_ledgers([LEDGERS[kind]], scope, query, target)
        size = target.tell()
    seconds = time.perf_counter() - started
    peak_heap = tracemalloc.get_traced_memory()[1] if trace else 0
    return {
        "seconds": seconds,
        "bytes": size,
        "rss_growth_mb": (_rss_kb("VmHWM:") - before) / 1024,
        "heap_peak_mb": peak_heap / 1024 / 1024,
    }


def _child(var_dir: str, kind: str, year: int, trace: bool) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.ledgers.run", "--measure", kind, str(year), var_dir]
    if trace:
        command.append("--trace")
    output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        kind, year, var_dir = argv[1], int(argv[2]), argv[3]
        print(json.dumps(measure(var_dir, kind, year, "--trace" in argv)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pangting-bench-") as var_dir:
        counts = _build_in_child(var_dir, sizes)
        print(f"dataset built in {time.perf_counter() - started:.1f} s: attendance rows per year {counts}")
        print(
            f"{'ledger':<11} {'rows':>8} {'time s':>7} {'rows/s':>8} {'xlsx MB':>8} "
            f"{'RSS growth MB':>14} {'heap peak MB':>13}"
        )
        growth: list[float] = []
        for index in range(len(sizes)):
            year = 2000 + index
            for kind, rows in (("attendance", counts[str(year)]), ("sessions", counts[str(year)] // PEOPLE_PER_UNIT)):
                plain = _child(var_dir, kind, year, trace=False)
                traced = _child(var_dir, kind, year, trace=True)
                growth.append(plain["rss_growth_mb"])
                print(
                    f"{kind:<11} {rows:>8} {plain['seconds']:>7.1f} {rows / plain['seconds']:>8.0f} "
                    f"{plain['bytes'] / 1e6:>8.1f} {plain['rss_growth_mb']:>14.1f} {traced['heap_peak_mb']:>13.1f}"
                )
    flat = max(growth) - min(growth) <= GROWTH_LIMIT_MB
    print(f"memory flat across sizes (RSS growth spread ≤ {GROWTH_LIMIT_MB:.0f} MB): {'PASS' if flat else 'FAIL'}")
    print(f"whole run {time.perf_counter() - started:.1f} s")
    return 0 if flat else 1


def _build_in_child(var_dir: str, sizes: list[int]) -> dict[str, int]:
    command = [sys.executable, "-m", "bench.ledgers.run", "--build", var_dir, ",".join(str(s) for s in sizes)]
    output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        print(json.dumps(build(sys.argv[2], [int(s) for s in sys.argv[3].split(",")])))
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
