"""Run the Tasks backend's own worker command in a test: `run_worker()` takes every ready job once."""

from __future__ import annotations

import signal

from django.core.management import call_command


def run_worker() -> None:
    """`manage.py db_worker --batch`: claim and run the jobs that are due, then return. The command
    installs its own signal handlers; pytest's are put back afterwards. The test must commit
    (`django_db(transaction=True)`): the worker checks its connection between jobs, which would
    end a test's open transaction."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
