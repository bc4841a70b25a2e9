"""R-S18 / R-B6: a secretary training not yet held is owed, reminded and listed as a to-do, from
the one definition the checks judge the year by (`study.training`)."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.compliance.tests.builders import filed_plan, findings, travel
from pangting.core import parameters
from pangting.core.system import system_actor
from pangting.study import reminders, services, training
from pangting.study.models import SecretaryTraining
from pangting.study.todos import training_todos

pytestmark = pytest.mark.django_db

BEFORE_PERIOD = dt.date(2026, 11, 30)  # 30 days before 31 December is 1 December
IN_PERIOD = dt.date(2026, 12, 2)
NEXT_YEAR = dt.date(2027, 1, 5)
STUDY = SecretaryTraining.Audience.STUDY_SECRETARIES
BRANCH = SecretaryTraining.Audience.BRANCH_SECRETARIES


@pytest.fixture
def emails(world):
    for name in ("supervisor", "secretary_a", "secretary_b"):
        user = getattr(world, name)
        user.email = f"{name}@example.edu.cn"
        user.save(update_fields=["email"])
    return world


def _owed(today: dt.date) -> set[tuple[str, int, tuple[int, ...]]]:
    return {(item.rule, item.office.pk, tuple(u.pk for u in item.units)) for item in training.owed(today)}


def _training_reminders(day: dt.date) -> list[tuple[str, str, list[str]]]:
    return sorted(
        (r.key.split(":")[1], r.stage, r.emails)
        for r in reminders.due_reminders(day)
        if r.key.split(":")[1].startswith("training")
    )


def _train(w, audience: str, organization, trainees=()) -> None:
    with travel(dt.date(2026, 12, 10)):
        services.record_training(
            organization, actor=system_actor(), held_on=dt.date(2026, 12, 9), title="培训", trainees=trainees,
            audience=audience,
        )  # fmt: skip


def test_it_owes_the_year_s_trainings_from_the_reminder_period_to_the_year_s_end(world):
    """R-S18 for every unit with a center group, owed by its supervisor; R-B6 for units with branches, by the unit."""
    assert training.owed(BEFORE_PERIOD) == []
    assert _owed(IN_PERIOD) == {
        ("R-S18", world.root.pk, (world.unit_a.pk, world.unit_b.pk)),
        ("R-B6", world.unit_a.pk, (world.unit_a.pk,)),
    }
    _train(world, STUDY, world.root, trainees=[world.secretary_a_person])
    _train(world, BRANCH, world.unit_a)
    assert _owed(dt.date(2026, 12, 31)) == {("R-S18", world.root.pk, (world.unit_b.pk,))}
    assert training.owed(NEXT_YEAR) == []  # the new year's period has not started


def test_the_checks_judge_the_year_by_the_same_definition(world):
    """R-S18 / R-B6: what is still owed on 31 December is what the checks find once the year is over."""
    filed_plan(world, world.unit_b)  # 2026 is a year the system is used for
    _train(world, STUDY, world.root, trainees=[world.secretary_a_person])
    owed = _owed(dt.date(2026, 12, 31))
    found = {(f.unit_id, f.key) for rule in ("R-S18", "R-B6") for f in findings(rule, today=NEXT_YEAR)}
    assert found == {(unit, "training") for _rule, _office, units in owed for unit in units}
    assert found == {(world.unit_b.pk, "training"), (world.unit_a.pk, "training")}


def test_it_reminds_whoever_owes_the_training_once_early_once_on_the_day(emails):
    """R-B6 → the unit's study secretary; R-S18 → the supervisor of the untrained units."""
    assert _training_reminders(BEFORE_PERIOD) == []
    assert _training_reminders(IN_PERIOD) == [
        ("training_branch", "before", ["secretary_a@example.edu.cn"]),
        ("training_study", "before", ["supervisor@example.edu.cn"]),
    ]
    (study_reminder,) = [r for r in reminders.due_reminders(IN_PERIOD) if "training_study" in r.key]
    assert "甲学院党委、乙学院党委" in study_reminder.body and "2026年12月31日" in study_reminder.body
    with travel(IN_PERIOD, 8):
        first = reminders.queue_reminders(IN_PERIOD)
        again = reminders.queue_reminders(dt.date(2026, 12, 3))  # the same stage: nothing new
    assert first.queued >= 2 and again.queued == 0
    _train(emails, BRANCH, emails.unit_a)
    assert _training_reminders(dt.date(2026, 12, 31)) == [("training_study", "due", ["supervisor@example.edu.cn"])]
    assert _training_reminders(NEXT_YEAR) == []


def test_the_reminder_period_is_a_registered_parameter(world):
    """R-S18 / R-B6 `remind_days`: a shorter period starts later."""
    parameters.set_value("R-S18", "remind_days", 10, actor=system_actor())  # from 21 December
    assert {rule for rule, _office, _units in _owed(IN_PERIOD)} == {"R-B6"}
    assert {rule for rule, _office, _units in _owed(dt.date(2026, 12, 21))} == {"R-B6", "R-S18"}


def test_the_to_dos_go_to_whoever_owes_the_training(world):
    """The supervisor organizes the study secretaries' training (R-S18), unit A's secretary its
    branch secretaries' (R-B6); unit B has no branch and owes nothing."""
    with travel(BEFORE_PERIOD):
        assert training_todos(world.supervisor) == []
    with travel(IN_PERIOD):
        [supervisor] = training_todos(world.supervisor)
        [secretary_a] = training_todos(world.secretary_a)
        assert training_todos(world.secretary_b) == []
        assert training_todos(world.member) == []
    assert "2个单位尚未参训" in supervisor.title and "R-S18" in supervisor.detail
    assert "党支部书记培训" in secretary_a.title and "R-B6" in secretary_a.detail
    assert secretary_a.due == dt.date(2026, 12, 31)
    _train(world, BRANCH, world.unit_a)
    with travel(dt.date(2026, 12, 12)):
        assert training_todos(world.secretary_a) == []


def test_a_branch_counts_for_its_own_unit_when_a_unit_above_it_is_asked_about_alone(world):
    """R-B6: the college's department (a unit of its own) has the branch; asked about alone, the
    college needs no branch secretary training for it (the department does)."""
    from pangting.tests.levels import Levels

    levels = Levels(world)
    assert training.needing([levels.college], BRANCH) == []
    assert training.needing([levels.department], BRANCH) == [levels.department]
    assert training.needing([levels.college, levels.department], BRANCH) == [levels.department]
