"""Entering a calendar year recomputes the deadlines refused for want of it, in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.core.models import AuditEvent
from pangting.workdays import recompute, services
from pangting.workdays.models import CalendarYear

HOLIDAYS_2027 = {dt.date(2027, 1, 1): "元旦"}


@pytest.fixture
def only(monkeypatch):
    """Replace the registered recomputers (the apps' real ones) by the given ones for one test."""

    def install(**recomputers):
        monkeypatch.setattr(recompute, "_recomputers", dict(recomputers))

    return install


def test_it_has_the_apps_recomputers_registered_in_ready():
    assert {"observation.visits", "study.sessions"} <= set(recompute.registered_recomputers())


def test_it_runs_every_recomputer_with_the_year_and_the_actor_and_reports_the_counts(world, only):
    calls = []
    only(a=lambda year, actor: calls.append((year, actor)) or 2, b=lambda year, actor: 1)
    entered = services.enter_year(2027, holidays=HOLIDAYS_2027, makeup_workdays={}, actor=world.sysadmin)
    assert calls == [(2027, world.sysadmin)]
    assert entered.recomputed == {"a": 2, "b": 1}
    assert entered.recomputed_total == 3
    assert entered.calendar_year.year == 2027
    event = AuditEvent.objects.get(action="calendar.enter_year", target="2027")
    assert event.detail["recomputed"] == {"a": 2, "b": 1}


def test_it_saves_neither_the_year_nor_any_deadline_when_a_recomputer_fails(world, only):
    def broken(year, actor):
        raise RuntimeError("recomputer failed")

    only(broken=broken)
    with pytest.raises(RuntimeError):
        services.enter_year(2027, holidays=HOLIDAYS_2027, makeup_workdays={}, actor=world.sysadmin)
    assert not CalendarYear.objects.filter(year=2027).exists()
