"""Issue 15: on PostgreSQL a run's parts are checked by forked worker processes, each with its
own connection (`services._in_processes`); the findings and counts are those of a run in one
process. SQLite (one writer) and a run inside a transaction (which the workers could not see)
check in the running process."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.db import connection, transaction

from pangting.compliance import services
from pangting.compliance.models import Finding
from pangting.core.system import system_actor
from pangting.tests.levels import Levels

from .builders import good_session, travel

# Committed data: the forked workers read it through their own connections.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TODAY = dt.date(2026, 11, 23)
POSTGRES = connection.vendor == "postgresql"


def run(told: Path) -> dict[str, int]:
    """A run of every unit; its progress appended to `told` with the telling process's id (a
    file: a forked worker tells it too)."""

    def progress(done: int, total: int, rule: str) -> None:
        with told.open("a") as out:
            out.write(f"{done} {total} {os.getpid()}\n")

    told.write_text("")
    with travel(TODAY, 12):
        counts = services.run_checks(2026, actor=system_actor(), progress=progress).counts
    reports = [tuple(map(int, line.split())) for line in told.read_text().splitlines()]
    assert reports and all(0 <= done < total for done, total, _pid in reports)
    return counts


def tellers(told: Path) -> set[int]:
    return {int(line.split()[2]) for line in told.read_text().splitlines()}


def stored() -> list[tuple]:
    fields = ("rule_id", "unit_id", "period", "key", "severity", "message", "digest", "first_seen", "resolved_at")
    return sorted(Finding.objects.values_list(*fields), key=repr)


def test_workers_store_what_one_process_stores(world, settings, tmp_path):
    told = tmp_path / "progress"
    good_session(world)
    Levels(world)
    settings.COMPLIANCE_RUN_PART_UNITS = 1  # two parts: the university's units, the college's
    settings.COMPLIANCE_RUN_WORKERS = 1
    assert not services._parallel(2)
    first = run(told)
    assert tellers(told) == {os.getpid()}
    alone = stored()
    settings.COMPLIANCE_RUN_WORKERS = 2
    assert services._parallel(2) == POSTGRES
    with transaction.atomic():
        assert not services._parallel(2)  # the workers would not see the run's row
    Finding.objects.all().delete()
    assert run(told) == first
    # Checked by other processes on PostgreSQL, by this one on SQLite.
    assert (os.getpid() not in tellers(told)) if POSTGRES else tellers(told) == {os.getpid()}
    # The same findings (but for the run that first saw them).
    assert [row[:-2] for row in stored()] == [row[:-2] for row in alone]
    assert run(told) == {"new": 0, "still": first["new"], "resolved": 0}
    assert Finding.objects.filter(resolved_at__isnull=False).count() == 0
