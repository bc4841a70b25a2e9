"""Benchmark the ledger export (台账): time and memory by size, against plain writer loops.

    .venv/bin/python -m bench.ledgers                        # 50k and 150k attendance rows
    .venv/bin/python -m bench.ledgers --sizes 10000,100000,500000 --heap
    PANGTING_PG_PORT=54329 scripts/with-postgres.sh sh -c \
        '.venv/bin/python -m bench.ledgers --database-url "$DATABASE_URL"'

Builds a province-sized synthetic dataset (units, people, sessions, one attendance row per
person per session) with bulk_create in a throwaway SQLite database (or in the empty
PostgreSQL database `--database-url` names), then exports the attendance ledger (one row
per person per session) and the sessions ledger through the same code the page uses
(`write_ledgers`, into an unnamed temporary file, as the view does).

For comparison, the attendance ledger's query is also written by two plain loops with no
labels, numbering or checks: openpyxl's write-only mode and XlsxWriter's `constant_memory`
mode, each reading the same rows as tuples (`values_list`, `.iterator()`). They show what
the writer alone costs, and which writer is faster.

Each export runs in a child process, so its peak resident set (VmHWM) belongs to it alone;
"CPU s" is the child's own processor time (the PostgreSQL server's is not in it), the fairer
figure on a shared machine; "peak RSS" is the whole process's peak during the export, "RSS growth" that peak minus the
resident set just before the export. With `--heap`, another child measures the Python heap
peak of the project's export with tracemalloc (several times slower, so its time is not
reported). Targets (issue 15): 150,000 attendance rows in at most 20 s and 200 MB peak RSS;
memory must not grow with the row count. Not part of the test suite.
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
DEFAULT_SIZES = (50_000, 150_000)
WRITERS = ("project", "openpyxl", "xlsxwriter")
# Issue 15: 150,000 rows in at most 20 s (checked pro rata for other sizes of at least
# 150,000 rows) and at most 200 MB peak resident memory.
TARGET_ROWS = 150_000
TARGET_SECONDS = 20.0
TARGET_RSS_MB = 200.0
# Memory may not grow by more than this between the smallest and the largest export.
GROWTH_LIMIT_MB = 32.0


def _setup(var_dir: str, database_url: str = "") -> None:
    os.environ["PANGTING_VAR_DIR"] = var_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pangting.test_settings")
    import django

    django.setup()


def build(var_dir: str, sizes: list[int], database_url: str = "") -> dict[str, int]:
    """Units, people and sessions so that year 2000 + i holds exactly sizes[i] attendance rows."""
    _setup(var_dir, database_url)
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, as a live database has
            cursor.execute("ANALYZE")
    return counts


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


# The attendance ledger's columns as stored, for the plain loops (no labels, no checks).
PLAIN_FIELDS = (
    "session__organization__name",
    "session__starts_at",
    "session__title",
    "session__kind",
    "person__name",
    "post",
    "status",
    "method",
    "checked_in_at",
    "leave_reason",
    "makeup_done_on",
    "makeup_note",
)


def _plain_rows(query: object, chunk_size: int) -> object:
    """The attendance ledger's rows as tuples, numbered, aware datetimes made naive (Beijing)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from pangting.reports.ledgers import LEDGERS, Scope

    beijing = ZoneInfo("Asia/Shanghai")
    ledger = LEDGERS["attendance"]
    records = ledger.queryset(Scope(everything=True).reach(ledger), query).values_list(*PLAIN_FIELDS)
    for number, record in enumerate(records.iterator(chunk_size=chunk_size), start=1):
        yield [
            number,
            *(v.astimezone(beijing).replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in record),
        ]


def _plain_openpyxl(query: object, target: object) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("学习会考勤台账")
    worksheet.append(["序号", *PLAIN_FIELDS])
    for row in _plain_rows(query, 2000):  # type: ignore[attr-defined]
        worksheet.append(row)
    workbook.save(target)


def _plain_xlsxwriter(query: object, target: object) -> None:
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(target, options)
    worksheet = workbook.add_worksheet("学习会考勤台账")
    worksheet.write_row(0, 0, ["序号", *PLAIN_FIELDS])
    for number, row in enumerate(_plain_rows(query, 2000), start=1):  # type: ignore[attr-defined]
        worksheet.write_row(number, 0, row)
    workbook.close()


def measure(var_dir: str, kind: str, year: int, writer: str, trace: bool, database_url: str) -> dict[str, float]:
    """One export in this (child) process: seconds, output bytes, peak RSS and its growth, heap peak."""
    _setup(var_dir, database_url)
    import tracemalloc

    from pangting.reports.ledgers import LEDGERS, LedgerQuery, Period, Scope, write_ledgers

    scope = Scope(everything=True)
    query = LedgerQuery(Period(year))

    def export(target: object, period: LedgerQuery) -> None:
        if writer == "openpyxl":
            _plain_openpyxl(period, target)
        elif writer == "xlsxwriter":
            _plain_xlsxwriter(period, target)
        else:
            write_ledgers([LEDGERS[kind]], scope, period, target)  # type: ignore[arg-type]

    with tempfile.TemporaryFile() as warm:  # imports and first-use caches are not the export's
        export(warm, LedgerQuery(Period(1990)))
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = _rss_kb("VmRSS:")
    if trace:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    with tempfile.TemporaryFile() as target:
        export(target, query)
        size = target.tell()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_heap = tracemalloc.get_traced_memory()[1] if trace else 0
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "bytes": size,
        "rss_peak_mb": _rss_kb("VmHWM:") / 1024,
        "rss_growth_mb": (_rss_kb("VmHWM:") - before) / 1024,
        "heap_peak_mb": peak_heap / 1024 / 1024,
    }


def _child(var_dir: str, kind: str, year: int, writer: str, trace: bool, database_url: str) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.ledgers.run", "--measure", kind, str(year), writer, var_dir, database_url]
    if trace:
        command.append("--trace")
    output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        kind, year, writer, var_dir, database_url = argv[1], int(argv[2]), argv[3], argv[4], argv[5]
        print(json.dumps(measure(var_dir, kind, year, writer, "--trace" in argv, database_url)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--writers", default=",".join(WRITERS), help="project, openpyxl, xlsxwriter")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--heap", action="store_true", help="also measure the heap peak with tracemalloc (slow)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    writers = [w for w in args.writers.split(",") if w]
    if unknown := set(writers) - set(WRITERS):
        parser.error(f"unknown writers: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    with tempfile.TemporaryDirectory(prefix="pangting-bench-") as var_dir:
        counts = _build_in_child(var_dir, sizes, args.database_url)
        load = os.getloadavg()[0]
        print(f"load average before the exports: {load:.1f} (on {os.cpu_count()} CPUs)")
        print(f"{database}: dataset built in {time.perf_counter() - started:.1f} s: attendance rows per year {counts}")
        print(
            f"{'ledger':<11} {'writer':<10} {'rows':>8} {'time s':>7} {'CPU s':>6} {'rows/s':>8} {'xlsx MB':>8} "
            f"{'peak RSS MB':>12} {'RSS growth MB':>14}" + (f" {'heap peak MB':>13}" if args.heap else "")
        )
        growth: list[float] = []
        verdicts: list[str] = []
        for index in range(len(sizes)):
            year = 2000 + index
            rows_by_kind = (("attendance", counts[str(year)]), ("sessions", counts[str(year)] // PEOPLE_PER_UNIT))
            for kind, rows in rows_by_kind:
                for writer in writers if kind == "attendance" else ["project"] * ("project" in writers):
                    plain = _child(var_dir, kind, year, writer, False, args.database_url)
                    heap = ""
                    if args.heap and writer == "project":
                        traced = _child(var_dir, kind, year, writer, True, args.database_url)
                        heap = f" {traced['heap_peak_mb']:>13.1f}"
                    print(
                        f"{kind:<11} {writer:<10} {rows:>8} {plain['seconds']:>7.1f} {plain['cpu_seconds']:>6.1f} "
                        f"{rows / plain['seconds']:>8.0f} "
                        f"{plain['bytes'] / 1e6:>8.1f} {plain['rss_peak_mb']:>12.1f} {plain['rss_growth_mb']:>14.1f}"
                        + heap,
                        flush=True,
                    )
                    if writer != "project":
                        continue
                    growth.append(plain["rss_growth_mb"])
                    if kind == "attendance" and rows >= TARGET_ROWS:
                        allowed = TARGET_SECONDS * rows / TARGET_ROWS
                        fast = plain["seconds"] <= allowed
                        small = plain["rss_peak_mb"] <= TARGET_RSS_MB
                        verdicts.append(
                            f"{rows:,} attendance rows in ≤ {allowed:.0f} s ({plain['seconds']:.1f} s): "
                            f"{'PASS' if fast else 'FAIL'}\n"
                            f"{rows:,} attendance rows in ≤ {TARGET_RSS_MB:.0f} MB peak RSS "
                            f"({plain['rss_peak_mb']:.0f} MB): {'PASS' if small else 'FAIL'}"
                        )
    passed = True
    if growth:
        flat = max(growth) - min(growth) <= GROWTH_LIMIT_MB
        passed = flat
        print(f"memory flat across sizes (RSS growth spread ≤ {GROWTH_LIMIT_MB:.0f} MB): {'PASS' if flat else 'FAIL'}")
    for verdict in verdicts:
        print(verdict)
        passed = passed and "FAIL" not in verdict
    if "project" in writers and not verdicts:
        print(f"no size reaches {TARGET_ROWS:,} attendance rows: the time and memory targets were not checked")
    print(f"whole run {time.perf_counter() - started:.1f} s")
    return 0 if passed else 1


def _build_in_child(var_dir: str, sizes: list[int], database_url: str) -> dict[str, int]:
    command = [sys.executable, "-m", "bench.ledgers.run", "--build", var_dir, ",".join(str(s) for s in sizes)]
    output = subprocess.run([*command, database_url], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        url = sys.argv[4] if len(sys.argv) > 4 else ""
        print(json.dumps(build(sys.argv[2], [int(s) for s in sys.argv[3].split(",")], url)))
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
