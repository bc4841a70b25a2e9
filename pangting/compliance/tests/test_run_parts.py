"""Issue 15: a run checks and reconciles its units in parts (`services.run_parts`), so that a
province's run holds one part's findings in memory at a time. The parts change nothing: each
unit's findings are its own, a supervising organization's duties (R-O1, R-O15) are judged in
the part that holds all the units it supervises, and only what a run can judge again is
reconciled, by a run of every unit and by a run of some units alike.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.compliance import services
from pangting.compliance.models import Finding
from pangting.core.system import system_actor
from pangting.tests.levels import Levels

from .builders import good_session, travel

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)  # R-O1's plans are long overdue: each supervising level has a finding


@pytest.fixture
def levels(world) -> Levels:
    good_session(world)
    return Levels(world)


def run(**scope) -> dict[str, int]:
    with travel(TODAY, 12):
        return services.run_checks(2026, actor=system_actor(), **scope).counts


def stored() -> list[tuple]:
    fields = ("rule_id", "unit_id", "period", "key", "severity", "message", "message_params", "evidence", "measured")
    return sorted(Finding.objects.filter(resolved_at__isnull=True).values_list(*fields), key=repr)


def stored_of(unit) -> list[tuple]:
    return [row for row in stored() if row[1] == unit.pk]


def test_the_parts_keep_the_units_of_each_supervising_organization_together(levels):
    L, w = levels, levels.w
    units = services.units_in_scope()
    assert [[u.pk for u in part] for part in services.run_parts(units, 1)] == [
        [w.unit_a.pk, w.unit_b.pk, L.college.pk],  # the university's
        [L.department.pk],  # the college's own level
    ]
    assert services.run_parts(units, 4) == [units]


def test_a_run_in_parts_stores_what_a_run_in_one_part_stores(levels, settings):
    L, w = levels, levels.w
    run()
    whole = stored()
    offices = {(rule, unit) for rule, unit, *_ in whole if rule in ("R-O1", "R-O15")}
    assert {("R-O1", w.root.pk), ("R-O1", L.college.pk)} <= offices
    settings.COMPLIANCE_RUN_PART_UNITS = 1
    assert run() == {"new": 0, "still": len(whole), "resolved": 0}
    assert stored() == whole
    Finding.objects.all().delete()
    run()  # from nothing, in parts
    assert stored() == whole
    settings.COMPLIANCE_RUN_PART_UNITS = 250
    assert run() == {"new": 0, "still": len(whole), "resolved": 0}


def test_a_run_of_some_units_leaves_the_duties_of_a_level_it_cannot_judge(levels):
    """The college alone: its own level's plan (R-O1) is judged only with its department in the
    run, so a run of the college leaves it as it is (it used to resolve it). The department has
    no records: a run of it alone used to take the year for unused and resolve its findings."""
    L = levels
    run()
    department = stored_of(L.department)
    assert department  # no records of its own, in a year the others use: its plan is missing (R-S1)
    duty = Finding.objects.get(rule_id="R-O1", unit=L.college)
    assert duty.resolved_at is None
    run(units=[L.college])
    duty.refresh_from_db()
    assert duty.resolved_at is None
    run(units=[L.department])
    duty.refresh_from_db()
    assert duty.resolved_at is None and duty.last_seen.counts["units"] == [L.department.pk]
    assert stored_of(L.department) == department  # a run of the department alone judges it as a whole run does


def test_a_full_run_resolves_what_it_no_longer_judges(levels):
    """An organization that is no longer a unit (its center group dissolved) keeps no open finding."""
    L = levels
    run()
    assert Finding.objects.filter(unit=L.department, resolved_at__isnull=True).exists()
    L.department.study_group.delete()
    assert L.department not in services.units_in_scope()
    counts = run()
    assert not Finding.objects.filter(unit=L.department, resolved_at__isnull=True).exists()
    assert counts["resolved"] >= 1
