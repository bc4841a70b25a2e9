"""The current obligation (obligations.py): one answer to "who owes the next step, by when".

The to-do list, the daily reminder and the visit page's banner must name the same step and
due date for a visit in every state (R-O4, R-O8, R-O9, R-O10). The compliance checks' agreement
is tested in `pangting/compliance/tests/test_obligation_agreement.py`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats

from pangting.observation import reminders, services
from pangting.observation.models import Mode, State
from pangting.observation.obligations import current_obligation
from pangting.observation.todos import observation_todos

from .scenes import planned, session_on, travel, walk

pytestmark = pytest.mark.django_db

# (state walked to, day looked at, step owed, who owes it, due date, overdue)
CASES = [
    (State.PLANNED, "2026-09-26", "issue_letter", "supervisor", None, False),
    (State.NOTIFIED, "2026-10-12", "reply", "secretary_a", dt.date(2026, 10, 13), False),
    (State.NOTIFIED, "2026-10-15", "reply", "secretary_a", dt.date(2026, 10, 13), True),
    (State.SCHEDULED, "2026-09-29", "attend", "liaison", dt.date(2026, 9, 30), False),
    (State.SCHEDULED, "2026-09-30", "attend", "liaison", dt.date(2026, 9, 30), False),  # 09:00, session at 14:30
    (State.OBSERVED, "2026-10-03", "record", "liaison", dt.date(2026, 10, 3), False),
    (State.RECORDED, "2026-10-21", "feedback", "supervisor", dt.date(2026, 10, 20), True),
    (State.FEEDBACK_ISSUED, "2026-10-13", "acknowledge", "secretary_a", None, False),
    # R-O10: every item has a deadline, 20 working days after the feedback (2026-10-12)
    (State.RECTIFYING, "2026-10-15", "rectify", "secretary_a", dt.date(2026, 11, 9), False),
]


def owner_of(world, name):
    return getattr(world, name)


@pytest.mark.parametrize(("state", "day", "step", "who", "due", "overdue"), CASES)
def test_it_names_the_same_step_and_due_date_in_the_todo_the_reminder_and_the_banner(
    world, client_for, state, day, step, who, due, overdue
):
    visit = walk(world, state)
    user = owner_of(world, who)
    with travel(day):
        today = dt.date.fromisoformat(day)
        owed = current_obligation(visit)  # now, as the page and the to-dos ask
        assert (owed.step, owed.due, owed.overdue) == (step, due, overdue)
        assert owed.can_be_done_by(user)
        # The to-do of the person who owes it.
        todos = [t for t in observation_todos(user) if t.url == owed.url and owed.label in t.title]
        assert [(t.due, t.due_basis) for t in todos] == [(due, owed.basis)]
        assert (todos[0].severity == "bad") is overdue
        # Nobody else is told it is theirs.
        assert not [t for t in observation_todos(world.member) if t.url == owed.url]
        # The banner on the visit page.
        page = client_for(user).get(reverse("observation:visit_detail", args=[visit.pk])).content.decode()
        assert f'data-step="{step}"' in page and owed.label in page
        if due is not None:
            assert f'data-testid="next-step-due">{formats.date_format(due, "DATE_FORMAT")}<' in page
        assert ("已逾期" in page.split('data-testid="next-step"')[1].split("</div>")[0]) is overdue
    # The reminder, for steps with a deadline: same label, same date.
    found = [r for r in reminders.due_reminders(today) if r.key.startswith(f"{step}:{visit.pk}:")]
    if step in reminders.VISIT_STEPS:
        assert [(r.due, owed.label in r.subject) for r in found] == [(due, True)]
        assert user in found[0].recipients
    else:
        assert found == []


def test_it_gives_an_invited_visit_created_by_the_supervisor_a_next_step(world):
    """R-O2: an invited visit has no letter; the supervising office owes linking the unit's session."""
    with travel("2026-09-25"):
        visit = planned(world, mode=Mode.INVITED)
        owed = current_obligation(visit)
        assert (owed.step, owed.owner, owed.owed_by_unit) == ("schedule_invited", visit.supervisor_org, False)
        assert owed.can_be_done_by(world.supervisor) and not owed.can_be_done_by(world.secretary_a)
        titles = [t.title for t in observation_todos(world.supervisor) if t.url == owed.url]
    assert len(titles) == 1 and "确定应邀旁听的学习会" in titles[0] and "巡听旁听函" not in titles[0]


def test_it_has_no_obligation_once_a_visit_is_closed_or_cancelled(world):
    closed = walk(world, State.CLOSED)
    assert current_obligation(closed, dt.date(2026, 11, 1)) is None
    with travel("2026-09-26"):
        cancelled = services.cancel_visit(planned(world), actor=world.supervisor, reason="单位临时调整")
    assert current_obligation(cancelled) is None


def test_it_lets_the_supervisor_schedule_an_invited_visit_from_its_page_and_the_next_step_moves_on(world, client_for):
    """R-O2: the supervising office names the unit's session; then the team owes attending it."""
    with travel("2026-09-25"):
        visit = planned(world, mode=Mode.INVITED)
        session = session_on(world, "2026-09-30")
        page = client_for(world.supervisor).get(reverse("observation:visit_detail", args=[visit.pk]))
        assert b'data-testid="schedule-invited"' in page.content and b'data-step="schedule_invited"' in page.content
        unit_page = client_for(world.secretary_a).get(reverse("observation:visit_detail", args=[visit.pk]))
        assert b'data-testid="schedule-invited"' not in unit_page.content
        url = reverse("observation:visit_action", args=[visit.pk, "schedule_invited"])
        assert client_for(world.secretary_a).post(url, {"session": session.pk}).status_code == 404
        client_for(world.supervisor).post(url, {"session": session.pk})
        visit.refresh_from_db()
        assert (visit.state, visit.session_id, visit.record_due) == (State.SCHEDULED, session.pk, dt.date(2026, 10, 3))
        owed = current_obligation(visit)
    assert (owed.step, owed.due) == ("attend", dt.date(2026, 9, 30))


def test_it_refuses_to_schedule_a_visit_that_is_not_an_invited_one_still_planned(world):
    with travel("2026-09-25"):
        visit = planned(world)
        with pytest.raises(ValidationError, match="应邀式"):
            services.schedule_invited_visit(visit, session_on(world, "2026-09-30"), actor=world.supervisor)


def test_it_shows_each_visits_next_step_in_the_list_without_a_query_per_visit(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("observation:visit_list")
    walk(world, State.RECTIFYING)
    with travel("2026-10-15"):
        with CaptureQueriesContext(connection) as one:
            page = client_for(world.supervisor).get(url).content.decode()
        assert page.count('data-testid="next-step"') == 1 and "落实整改事项" in page
    walk(world, State.RECTIFYING)
    walk(world, State.RECORDED)
    with travel("2026-10-15"), CaptureQueriesContext(connection) as three:
        page = client_for(world.supervisor).get(url).content.decode()
    assert page.count('data-testid="next-step"') == 3 and "起草并印发反馈意见" in page
    assert len(three) == len(one)
