"""R-O15: each supervising level issues the year's summary and a bulletin by the end of December.

The due day and the reminder period are rule parameters; every level (R-O23) owes its own
documents, is reminded of them through the outbox, sees them on its to-do list, and gets a
finding when they are late. Time is moved with time-machine, never read from the real date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pangting.compliance.tests.builders import findings
from pangting.core import parameters
from pangting.core.system import system_actor
from pangting.observation import reminders
from pangting.observation.models import State
from pangting.observation.tests.scenes import travel, walk
from pangting.reports import services, yearend
from pangting.reports.models import DocumentKind
from pangting.reports.todos import yearend_todos
from pangting.tests.levels import Levels

pytestmark = pytest.mark.django_db

SUMMARY, BULLETIN = DocumentKind.SUMMARY, DocumentKind.BULLETIN


@pytest.fixture
def levels(world) -> Levels:
    walk(world, State.CLOSED)  # a year the system was used for (a year without records owes nothing)
    return Levels(world)


@pytest.fixture
def used(world):
    walk(world, State.CLOSED)
    return world


def _issue(actor, office, kind: str, day: str, year: int = 2026) -> None:
    with travel(day):
        document = services.create_document(actor=actor, organization=office, kind=kind, year=year)
        services.issue_document(document, actor=actor)


def _yearend(day: dt.date) -> list[reminders.Reminder]:
    return [r for r in reminders.due_reminders(day) if r.key.startswith("yearend-")]


# --- the due day ----------------------------------------------------------------------------------


def test_it_is_due_on_31_december_by_default_and_the_day_is_configurable():
    assert yearend.due_day(2026) == dt.date(2026, 12, 31)
    assert yearend.remind_from(2026) == dt.date(2026, 12, 1)  # 30 days ahead by default
    parameters.set_value("R-O15", "due_day", "20", actor=system_actor(), note="R-O15 test")
    parameters.set_value("R-O15", "remind_days", "10", actor=system_actor(), note="R-O15 test")
    assert yearend.due_day(2026) == dt.date(2026, 12, 20)
    assert yearend.remind_from(2026) == dt.date(2026, 12, 10)
    parameters.set_value("R-O15", "due_day", "31", actor=system_actor(), note="R-O15 test")
    parameters.set_value("R-O15", "due_month", "2", actor=system_actor(), note="R-O15 test")
    assert yearend.due_day(2026) == dt.date(2026, 2, 28)  # a day past the month's end is its last day


def test_a_moved_due_day_moves_the_finding(used):
    parameters.set_value("R-O15", "due_day", "20", actor=system_actor(), note="R-O15 test")
    assert findings("R-O15", today=dt.date(2026, 12, 20)) == []
    keys = {f.key for f in findings("R-O15", today=dt.date(2026, 12, 21))}
    assert keys == {"summary:2026", "bulletin:2026"}


# --- the finding, per supervising level (R-O23) ---------------------------------------------------


def test_each_level_owes_its_own_summary_and_bulletin(levels):
    w, L = levels.w, levels
    _issue(w.supervisor, w.root, BULLETIN, "2026-12-20")
    _issue(w.supervisor, w.root, SUMMARY, "2026-12-28")
    # The university's documents do not cover the college's own level.
    found = {(f.unit_id, f.key, f.severity) for f in findings("R-O15", today=dt.date(2027, 1, 5))}
    assert found == {(L.college.pk, "summary:2026", "red"), (L.college.pk, "bulletin:2026", "red")}


def test_a_level_that_issued_both_on_time_has_no_finding(levels):
    w, L = levels.w, levels
    for supervisor, office in ((w.supervisor, w.root), (L.college_supervisor, L.college)):
        _issue(supervisor, office, BULLETIN, "2026-12-20")
        _issue(supervisor, office, SUMMARY, "2026-12-30")
    assert findings("R-O15", today=dt.date(2027, 1, 5)) == []


def test_a_bulletin_of_another_year_does_not_count(used):
    _issue(used.supervisor, used.root, BULLETIN, "2026-12-20", year=2025)
    _issue(used.supervisor, used.root, SUMMARY, "2026-12-20")
    [missing] = findings("R-O15", today=dt.date(2027, 1, 5))
    assert (missing.key, missing.severity) == ("bulletin:2026", "red")


# --- reminders through the outbox -----------------------------------------------------------------


def test_it_reminds_each_level_from_the_reminder_period_on_the_day_and_when_overdue(levels):
    w, L = levels.w, levels
    assert _yearend(dt.date(2026, 11, 30)) == []
    first = _yearend(dt.date(2026, 12, 1))
    assert {(r.stage, r.key.split(":")[0], r.key.split(":")[1]) for r in first} == {
        ("before", f"yearend-{kind}", str(office.pk)) for kind in (SUMMARY, BULLETIN) for office in (w.root, L.college)
    }
    # Each level's own supervisors, never the level above (it only reads the college's documents).
    for reminder in first:
        office = w.root if f":{w.root.pk}:" in reminder.key else L.college
        expected = w.supervisor if office == w.root else L.college_supervisor
        assert reminder.recipients == [expected], reminder.key
        assert "2026年12月31日" in reminder.subject
    assert _yearend(dt.date(2026, 12, 15))[0].stage == "before"  # same key: queued once
    assert {r.stage for r in _yearend(dt.date(2026, 12, 31))} == {"due"}
    assert {r.stage for r in _yearend(dt.date(2027, 1, 1))} == {"overdue-0"}
    assert {r.stage for r in _yearend(dt.date(2027, 1, 8))} == {"overdue-1"}


def test_issued_documents_are_no_longer_reminded(levels):
    w, L = levels.w, levels
    _issue(w.supervisor, w.root, BULLETIN, "2026-12-02")
    _issue(L.college_supervisor, L.college, SUMMARY, "2026-12-02")
    _issue(L.college_supervisor, L.college, BULLETIN, "2026-12-03")
    [left] = _yearend(dt.date(2026, 12, 31))
    assert left.key.startswith(f"yearend-{SUMMARY}:{w.root.pk}:2026-12-31:due")
    assert left.subject.endswith("印发2026年度巡听旁听工作总结（截止2026年12月31日）")


def test_the_reminder_goes_through_the_outbox_once(used):
    used.supervisor.email = "supervisor@example.edu.cn"
    used.supervisor.save(update_fields=["email"])
    first = reminders.queue_reminders(dt.date(2026, 12, 1))
    again = reminders.queue_reminders(dt.date(2026, 12, 1))
    later = reminders.queue_reminders(dt.date(2026, 12, 2))
    yearend_rows = [r for r in first.reminders if r.key.startswith("yearend-")]
    assert len(yearend_rows) == 2 and first.queued >= 2
    assert again.queued == 0 and later.queued == 0  # the "before" stage is one reminder, not one a day


def test_the_reminder_period_is_a_parameter(used):
    parameters.set_value("R-O15", "remind_days", "5", actor=system_actor(), note="R-O15 test")
    assert _yearend(dt.date(2026, 12, 25)) == []
    assert {r.stage for r in _yearend(dt.date(2026, 12, 26))} == {"before"}


# --- the to-do list -------------------------------------------------------------------------------


def test_the_supervisor_sees_what_his_level_owes_with_its_due_day(levels):
    w, L = levels.w, levels
    with travel("2026-11-30"):
        assert yearend_todos(w.supervisor) == []
    with travel("2026-12-10"):
        _issue(w.supervisor, w.root, BULLETIN, "2026-12-10")
        [todo] = yearend_todos(w.supervisor)
        assert todo.title == f"{w.root.display_name}：印发2026年度巡听旁听工作总结"
        assert (todo.due, todo.severity) == (dt.date(2026, 12, 31), "warn")
        assert todo.url == reverse("reports:document_list") + "?year=2026"
        assert {t.title.split("：")[0] for t in yearend_todos(L.college_supervisor)} == {L.college.display_name}
        for user in (w.secretary_a, w.leader, w.member):
            assert yearend_todos(user) == []
    with travel("2027-01-05"):
        [overdue] = yearend_todos(w.supervisor)  # 2027's are not yet in their reminder period
        assert (overdue.due, overdue.severity, overdue.overdue) == (dt.date(2026, 12, 31), "bad", True)


def test_the_home_page_shows_the_due_day_in_chinese(used, client_for):
    with travel("2026-12-10"):
        page = client_for(used.supervisor).get("/").content.decode()
    assert "印发2026年度学习情况通报" in page and "印发2026年度巡听旁听工作总结" in page
    assert "2026年12月31日" in page


def test_a_year_without_any_record_owes_nothing(world):
    with travel("2026-12-10"):
        assert yearend_todos(world.supervisor) == []
    assert _yearend(dt.date(2026, 12, 31)) == []
    assert findings("R-O15", today=dt.date(2027, 1, 5)) == []
