"""Benchmark the pages and API lists as served in production: gunicorn on PostgreSQL (issue 15 item 1).

    .venv/bin/python -m bench.pages --units 1000              # the short run (several minutes)
    .venv/bin/python -m bench.pages --units 200 --duration 20 --requests 10

Starts everything it needs and removes it afterwards: a throwaway PostgreSQL on loopback (as
scripts/with-postgres.sh does, with PostgreSQL's default durability settings, since the fault
run counts acknowledged writes), the migrations, `generate_scale --units N`, and the project's
gunicorn command (`gunicorn -c deploy/gunicorn.conf.py pangting.wsgi`, its default workers and
threads) on a free loopback port. The server runs the production settings plus one middleware
(`bench.pages.settings`) that reports each request's SQL queries and SQL time in a
`Server-Timing` header.

Three people sign in through the login form: the province supervisor (`scale_supervisor`), a
city supervisor (`scale_city01`) and a unit secretary (`scale_secretary1`). Their pages are the
main menu's entries the policy shows them, plus the home page; their API lists are the
router's list endpoints that answer them 200.

1. Sequential: each page and API list `--requests` times after one warm-up request: p50/p95 of
   the time the client waited, SQL queries and SQL time (from the header), and the page time
   against its SQL time.
2. Concurrency: 1, 10 and 50 users for `--duration` seconds each, each user one of the three
   people, requesting that person's pages and API lists at random and waiting 1–3 s between
   requests: throughput, p50/p95, errors, and p95 per page at the last level. Then saturation:
   `--saturation-users` users with no wait.
3. Fault: `--writers` users add self-study records through the API (POST, as the secretary)
   while PostgreSQL is restarted (`pg_ctl restart -m fast`): every failure must be a clean HTTP
   5xx, writes must succeed again soon after, and every acknowledged record (by id) must exist.

Targets (issue 15): every page's p95 ≤ 200 ms at 50 concurrent users, ≤ 500 ms for the
full-province dashboards (the supervisor's `DASHBOARDS`); each page's time (p50, sequential)
≤ 2 × its SQL time or ≤ its SQL time + 30 ms. The client runs on the same machine as the
server and the database, so its own CPU is part of every figure. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

PERSONAS = {"supervisor": "scale_supervisor", "city": "scale_city01", "secretary": "scale_secretary1"}
# The pages that summarize the whole province for its supervisor: 500 ms instead of 200 ms.
DASHBOARDS = {"reports:dashboard", "reports:levels", "assessment:sheet", "analysis:calibration"}
TARGET_P95_MS = 200.0
TARGET_DASHBOARD_P95_MS = 500.0
TARGET_SQL_FACTOR = 2.0
TARGET_SQL_EXTRA_MS = 30.0
THINK_SECONDS = (1.0, 3.0)
# Writes must succeed again within this many seconds of PostgreSQL accepting connections.
RECOVERY_LIMIT_S = 10.0
TIMING = re.compile(r'db;dur=([\d.]+);desc="(\d+)", app;dur=([\d.]+)')


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


# -- the throwaway PostgreSQL server -----------------------------------------------------------


class Postgres:
    """initdb, pg_ctl start / restart / stop on a temporary data directory, as the postgres user under root."""

    def __init__(self, port: int) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name.split(".")[0]))
        if not bins:
            raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
        self.bin = bins[-1]
        self.port = port
        self.data = Path(tempfile.mkdtemp(prefix="pangting-bench-pg."))
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if os.getuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{port}/pangting"

    def _run(self, *args: str) -> None:
        command = [*self.as_postgres, *args]
        subprocess.run(command, cwd="/", check=True, stdout=subprocess.DEVNULL)  # nosec B603

    def _ctl(self, *args: str) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.data}"
        log = str(self.data / "server.log")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", options, *args)

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._ctl("start")
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "pangting")

    def restart(self) -> None:
        self._ctl("-m", "fast", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.data, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the dataset and the server ----------------------------------------------------------------


def prepare(units: int, seed: int) -> None:
    """Migrate and generate the province (in this process: Django is set up on the bench settings)."""
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    out = io.StringIO()
    call_command("generate_scale", units=units, seed=seed, force=True, stdout=out)
    summary = next((line for line in out.getvalue().splitlines() if line.startswith("完成")), "")
    print(f"dataset: {summary} (with migrations {time.perf_counter() - started:.0f} s)", flush=True)
    # The generator writes rows in bulk, around the services: index the texts as the nightly scan
    # does, so the near-duplicate pairs and the theme hints' stored words exist as in production.
    started = time.perf_counter()
    texts = io.StringIO()
    call_command("scan_texts", no_progress=True, stdout=texts)
    call_command("rebuild_theme_tokens", stdout=texts)
    print(f"texts: {' '.join(texts.getvalue().split())} ({time.perf_counter() - started:.0f} s)", flush=True)


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "pangting.wsgi"]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env | {"WEB_BIND": f"127.0.0.1:{port}"}, stdout=out, stderr=out
        )  # nosec B603
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {log}")
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass  # not listening yet: poll again
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def sign_in(base: str, username: str, password: str) -> dict[str, str]:
    """The session and CSRF cookies of a sign-in through the login form."""
    session = requests.Session()
    form = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"sign-in of {username} failed: HTTP {answer.status_code}")
    return {cookie.name: cookie.value or "" for cookie in session.cookies}


@dataclass(frozen=True)
class Target:
    persona: str
    label: str  # URL name of a page, "api:<prefix>" for an API list
    url: str

    @property
    def limit_ms(self) -> float:
        dashboard = self.persona == "supervisor" and self.label in DASHBOARDS
        return TARGET_DASHBOARD_P95_MS if dashboard else TARGET_P95_MS


def candidate_targets(persona: str, username: str) -> list[Target]:
    """The menu entries the policy shows the user (as the navigation does), the home page and the API lists."""
    from django.contrib.auth import get_user_model
    from django.urls import NoReverseMatch, reverse

    from pangting.accounts import policy
    from pangting.api_urls import router
    from pangting.core import registry

    user = get_user_model().objects.get(username=username)
    targets = [Target(persona, "home", reverse("home"))]
    for entry in registry.navigation():
        if entry.action is not None and not policy.can(user, policy.Action(entry.action)):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        if url != targets[0].url:
            targets.append(Target(persona, entry.url_name, url))
    for prefix, viewset, _basename in router.registry:
        if hasattr(viewset, "list"):
            targets.append(Target(persona, f"api:{prefix}", f"/api/v1/{prefix}/"))
    return targets


# -- measuring -----------------------------------------------------------------------------------


@dataclass
class Sample:
    target: Target
    started: float
    ms: float
    status: int  # 0: no HTTP answer (connection error, timeout)
    db_ms: float = 0.0
    queries: int = 0
    app_ms: float = 0.0


def fetch(session: requests.Session, base: str, target: Target) -> Sample:
    started = time.monotonic()
    try:
        answer = session.get(base + target.url, timeout=60, allow_redirects=False)
    except requests.RequestException:
        return Sample(target, started, (time.monotonic() - started) * 1000, 0)
    sample = Sample(target, started, (time.monotonic() - started) * 1000, answer.status_code)
    timing = TIMING.search(answer.headers.get("Server-Timing", ""))
    if timing:
        sample.db_ms, sample.queries, sample.app_ms = float(timing[1]), int(timing[2]), float(timing[3])
    return sample


def session_for(cookies: dict[str, str]) -> requests.Session:
    session = requests.Session()
    session.cookies.update(cookies)
    return session


@dataclass
class PageFigures:
    target: Target
    p50: float
    p95: float
    queries: int
    db_p50: float
    app_p50: float

    @property
    def sql_ok(self) -> bool:
        return self.p50 <= max(TARGET_SQL_FACTOR * self.db_p50, self.db_p50 + TARGET_SQL_EXTRA_MS)


def sequential(base: str, cookies: dict[str, dict[str, str]], targets: list[Target], repeat: int) -> list[PageFigures]:
    figures = []
    sessions = {persona: session_for(jar) for persona, jar in cookies.items()}
    for target in targets:
        session = sessions[target.persona]
        fetch(session, base, target)  # warm-up: the worker's first query plans and template loads
        samples = [fetch(session, base, target) for _ in range(repeat)]
        if any(s.status != 200 for s in samples):
            raise SystemExit(
                f"{target.persona} {target.url}: HTTP {next(s.status for s in samples if s.status != 200)}"
            )
        ms = [s.ms for s in samples]
        figures.append(
            PageFigures(
                target,
                p50=statistics.median(ms),
                p95=percentile(ms, 0.95),
                queries=max(s.queries for s in samples),
                db_p50=statistics.median(s.db_ms for s in samples),
                app_p50=statistics.median(s.app_ms for s in samples),
            )
        )
    return figures


def load(
    base: str,
    cookies: dict[str, dict[str, str]],
    targets: list[Target],
    users: int,
    seconds: float,
    think: tuple[float, float] | None,
) -> list[Sample]:
    """`users` threads, user i as persona i mod 3, each requesting its persona's targets at random."""
    by_persona: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        by_persona[target.persona].append(target)
    personas = list(cookies)
    samples: list[Sample] = []
    deadline = time.monotonic() + seconds

    def user(index: int) -> None:
        rng = random.Random(index)  # noqa: S311  # nosec B311 - a benchmark's request mix
        persona = personas[index % len(personas)]
        session = session_for(cookies[persona])
        if think:
            time.sleep(rng.uniform(0, think[1]))  # spread the first requests as people would
        while time.monotonic() < deadline:
            samples.append(fetch(session, base, rng.choice(by_persona[persona])))
            if think:
                time.sleep(min(rng.uniform(*think), max(0.0, deadline - time.monotonic())))

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


@dataclass
class LoadFigures:
    users: int
    think: bool
    seconds: float
    samples: list[Sample] = field(repr=False)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.status != 200)

    def error_kinds(self) -> str:
        """Errors by HTTP status ("none": no answer within the client's 60 s, or the connection dropped)."""
        kinds = Counter("none" if s.status == 0 else str(s.status) for s in self.samples if s.status != 200)
        return ", ".join(f"{kind} ×{count}" for kind, count in sorted(kinds.items()))

    def line(self) -> str:
        ms = [s.ms for s in self.samples]
        rate = len(self.samples) / self.seconds
        wait = "1-3 s" if self.think else "none"
        return (
            f"{self.users:>5} {wait:>6} {len(self.samples):>8} {rate:>8.1f} {percentile(ms, 0.5):>8.0f} "
            f"{percentile(ms, 0.95):>8.0f} {max(ms, default=0):>8.0f} {self.errors:>6}"
            + (f" ({self.error_kinds()})" if self.errors else "")
        )


# -- the fault run ---------------------------------------------------------------------------------


@dataclass
class Write:
    started: float
    ended: float
    status: int  # 0: no HTTP answer
    record_id: int | None


def fault_run(base: str, cookies: dict[str, str], pg: Postgres, writers: int, seconds: float) -> dict[str, Any]:
    """Self-study records added through the API while PostgreSQL restarts a quarter of the way in.

    As many readers fetch the home page meanwhile, so that every server thread's connection is used
    after the restart, also those no write happened to reach while the database was away.
    """
    writes: list[Write] = []
    reads: list[Write] = []
    deadline = [time.monotonic() + seconds]  # moved on if the restart ends late
    studied_on = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    tag = f"bench-{secrets.token_hex(4)}"

    def writer(index: int) -> None:
        session = session_for(cookies)
        session.headers["X-CSRFToken"] = cookies["csrftoken"]
        n = 0
        while time.monotonic() < deadline[0]:
            n += 1
            body = {"studied_on": studied_on, "material": f"{tag} 学习材料 {index}-{n}", "hours": "1.0"}
            started = time.monotonic()
            try:
                answer = session.post(f"{base}/api/v1/self-study-records/", json=body, timeout=60)
            except requests.RequestException:
                writes.append(Write(started, time.monotonic(), 0, None))
                time.sleep(0.2)
                continue
            record_id = answer.json().get("id") if answer.status_code == 201 else None
            writes.append(Write(started, time.monotonic(), answer.status_code, record_id))
            if answer.status_code != 201:
                time.sleep(0.2)  # a person would not resubmit at once either

    def reader() -> None:
        session = session_for(cookies)
        while time.monotonic() < deadline[0]:
            started = time.monotonic()
            try:
                status = session.get(f"{base}/", timeout=60, allow_redirects=False).status_code
            except requests.RequestException:
                status = 0
            reads.append(Write(started, time.monotonic(), status, None))
            time.sleep(0.2)

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(writers)]
    threads += [threading.Thread(target=reader, daemon=True) for _ in range(writers)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 4)
    restart_began = time.monotonic()
    pg.restart()
    restart_ended = time.monotonic()
    deadline[0] = max(deadline[0], restart_ended + RECOVERY_LIMIT_S)  # time to see the recovery
    for thread in threads:
        thread.join()
    idle_failures = idle_restart(base, cookies, pg)

    from django.db import connections

    from pangting.study.models import SelfStudyRecord

    connections.close_all()  # this process's connection did not survive the restart either
    acknowledged = [w.record_id for w in writes if w.record_id is not None]
    found = SelfStudyRecord.objects.filter(pk__in=acknowledged).count()
    stored = SelfStudyRecord.objects.filter(material__startswith=tag).count()
    failures = [w for w in writes if w.status != 201] + [r for r in reads if r.status != 200]
    unclean = [w for w in failures if not 500 <= w.status <= 599]
    after = [w for w in writes if w.started >= restart_ended]
    first_ok = min((w.ended for w in after if w.status == 201), default=None)
    read_failures = [r for r in reads if r.status != 200]
    last_failure = max((w.ended for w in failures), default=None)
    return {
        "writes": len(writes),
        "acknowledged": len(acknowledged),
        "distinct": len(set(acknowledged)),
        "found": found,
        "stored": stored,
        "reads": len(reads),
        "failed_writes": len(failures) - len(read_failures),
        "failed_reads": len(read_failures),
        "failures": len(failures),
        "statuses": sorted({w.status for w in failures}),
        "unclean": len(unclean),
        "restart_s": restart_ended - restart_began,
        "first_ok_after_s": None if first_ok is None else first_ok - restart_ended,
        "last_failure_after_s": None if last_failure is None else last_failure - restart_ended,
        "failures_after_restart": sum(1 for w in failures if w.started >= restart_ended),
        "read_failures_after_restart": sum(1 for r in read_failures if r.started >= restart_ended),
        "idle_restart_failures": idle_failures,
    }


def listed(items: list[str], limit: int = 8) -> str:
    """A short list for a PASS/FAIL line: the first `limit` items and how many more."""
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def idle_restart(base: str, cookies: dict[str, str], pg: Postgres, burst: int = 48) -> int:
    """PostgreSQL restarted while nobody asks anything, then `burst` requests at once: how many fail.

    Every server thread keeps its connection (CONN_MAX_AGE) across the restart, so this reaches
    the threads' dead connections, which a restart under load may happen to clear with errors.
    """
    pg.restart()
    statuses: list[int] = []

    def one() -> None:
        try:
            statuses.append(session_for(cookies).get(f"{base}/", timeout=60, allow_redirects=False).status_code)
        except requests.RequestException:
            statuses.append(0)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(burst)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(1 for status in statuses if status != 200)


# -- the run ------------------------------------------------------------------------------------


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000, help="units of the generated province (default 1000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=20, help="sequential requests per page (default 20)")
    parser.add_argument("--users", default="1,10,50", help="concurrency levels (default 1,10,50)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per concurrency level (default 30)")
    parser.add_argument("--saturation-users", type=int, default=16, help="users with no wait (default 16)")
    parser.add_argument("--writers", type=int, default=4, help="users writing in the fault run (default 4)")
    parser.add_argument("--fault-seconds", type=float, default=20.0, help="length of the fault run (default 20)")
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("PANGTING_PG_PORT", "0")) or free_port())
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.users.split(",") if x.strip()]

    work = Path(tempfile.mkdtemp(prefix="pangting-bench-pages."))
    pg = Postgres(args.pg_port)
    env = {
        "DATABASE_URL": pg.url,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "PANGTING_VAR_DIR": str(work / "var"),
        "DJANGO_SETTINGS_MODULE": "bench.pages.settings",
    }
    os.environ.update(env)
    print(f"load average at start: {loadavg()}", flush=True)
    try:
        pg.start()
        prepare(args.units, args.seed)
        checks = measure(args, levels, work, pg)
    finally:
        from django.db import connections

        connections.close_all()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average at the end: {loadavg()}")
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'} {text}")
    return 0 if all(ok for ok, _ in checks) else 1


def measure(args: argparse.Namespace, levels: list[int], work: Path, pg: Postgres) -> list[tuple[bool, str]]:
    """Serve the generated database with gunicorn and take the three measurements; the target checks."""
    from pangting.reports.scale import PASSWORD

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    checks: list[tuple[bool, str]] = []
    server = None
    try:
        server = start_server(port, dict(os.environ), work / "gunicorn.log")
        cookies = {persona: sign_in(base, username, PASSWORD) for persona, username in PERSONAS.items()}
        targets: list[Target] = []
        probe = {persona: session_for(jar) for persona, jar in cookies.items()}
        skipped: list[str] = []
        for persona, username in PERSONAS.items():
            for target in candidate_targets(persona, username):
                status = fetch(probe[persona], base, target).status
                if status == 200:
                    targets.append(target)
                elif not target.label.startswith("api:") or status not in (403, 404):
                    skipped.append(f"{persona} {target.url} HTTP {status}")
        if skipped:
            print("not measured (no 200 answer): " + "; ".join(skipped))

        print(f"\n1. Sequential: {args.requests} requests per page after a warm-up (load average {loadavg()})")
        print(
            f"{'persona':<10} {'page':<38} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} {'SQL ms':>7} {'app ms':>7}"
            "  SQL check"
        )
        figures = sequential(base, cookies, targets, args.requests) if args.requests else []
        for f in figures:
            mark = "ok" if f.sql_ok else "over"
            print(
                f"{f.target.persona:<10} {f.target.label:<38} {f.p50:>7.1f} {f.p95:>7.1f} {f.queries:>7} "
                f"{f.db_p50:>7.1f} {f.app_p50:>7.1f}  {mark}"
            )
        over = [f for f in figures if not f.sql_ok]
        over.sort(key=lambda f: f.db_p50 - f.p50)
        worst = [f"{f.target.persona} {f.target.label} {f.p50:.0f}/{f.db_p50:.0f} ms" for f in over]
        checks += (
            []
            if not figures
            else [
                (
                    not over,
                    f"page time ≤ 2× SQL time or ≤ SQL + {TARGET_SQL_EXTRA_MS:.0f} ms (p50, sequential): "
                    f"{len(figures) - len(over)}/{len(figures)} pages"
                    + (" — over (most first): " + listed(worst) if over else ""),
                )
            ]
        )

        print(f"\n2. Concurrency: {args.duration:.0f} s per level")
        print(
            f"{'users':>5} {'wait':>6} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
            f" {'errors':>6}  load avg"
        )
        runs = []
        for users in levels:
            result = LoadFigures(
                users, True, args.duration, load(base, cookies, targets, users, args.duration, THINK_SECONDS)
            )
            runs.append(result)
            print(f"{result.line()}  {loadavg()}", flush=True)
        if args.saturation_users:
            saturation = LoadFigures(
                args.saturation_users,
                False,
                args.duration,
                load(base, cookies, targets, args.saturation_users, args.duration, None),
            )
            print(f"{saturation.line()}  {loadavg()}  (saturation)", flush=True)
            runs.append(saturation)
        for result in runs:
            checks.append(
                (
                    result.errors == 0,
                    f"no errors at {result.users} users ({'1-3 s wait' if result.think else 'no wait'}): "
                    f"{result.errors}" + (f" ({result.error_kinds()})" if result.errors else ""),
                )
            )
        if levels:
            top = runs[len(levels) - 1]
            by_target: dict[Target, list[float]] = defaultdict(list)
            for sample in top.samples:
                by_target[sample.target].append(sample.ms)
            slow: list[tuple[float, str]] = []
            print(f"\np95 per page at {top.users} users (samples, p95 ms, limit):")
            for target in targets:
                ms = by_target.get(target, [])
                p95 = percentile(ms, 0.95)
                if ms and p95 > target.limit_ms:
                    slow.append((p95, f"{target.persona} {target.label} {p95:.0f} ms"))
                if ms:
                    print(f"  {target.persona:<10} {target.label:<38} {len(ms):>4} {p95:>7.0f} {target.limit_ms:>5.0f}")
            slow.sort(reverse=True)
            sampled = sum(1 for t in targets if by_target.get(t))
            checks.append(
                (
                    not slow,
                    f"page p95 ≤ {TARGET_P95_MS:.0f} ms (dashboards ≤ {TARGET_DASHBOARD_P95_MS:.0f} ms)"
                    f" at {top.users} users: "
                    f"{sampled - len(slow)}/{sampled} pages sampled"
                    + (" — over (most first): " + listed([text for _, text in slow]) if slow else ""),
                )
            )

        print(
            f"\n3. Fault: {args.writers} writers and {args.writers} readers for {args.fault_seconds:.0f} s,"
            f" PostgreSQL restarted after {args.fault_seconds / 4:.0f} s"
        )
        fault = fault_run(base, cookies["secretary"], pg, args.writers, args.fault_seconds)
        for key, value in fault.items():
            print(f"  {key}: {value:.2f}" if isinstance(value, float) else f"  {key}: {value}")
        checks.append(
            (
                fault["unclean"] == 0,
                f"fault: every failed request a clean HTTP 5xx: {fault['failures']} failures,"
                f" statuses {fault['statuses']}",
            )
        )
        recovered = fault["first_ok_after_s"] is not None and (fault["last_failure_after_s"] or 0.0) <= RECOVERY_LIMIT_S
        checks.append(
            (
                recovered,
                f"fault: writes succeed again within {RECOVERY_LIMIT_S:.0f} s of the restart: last failure "
                f"{max(0.0, fault['last_failure_after_s'] or 0.0):.1f} s after it",
            )
        )
        checks.append(
            (
                fault["idle_restart_failures"] == 0,
                f"fault: no failed request after a restart while idle: {fault['idle_restart_failures']}",
            )
        )
        present = fault["found"] == fault["acknowledged"] == fault["distinct"] and fault["acknowledged"] > 0
        checks.append(
            (present, f"fault: every acknowledged write present by id: {fault['found']}/{fault['acknowledged']}")
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return checks
