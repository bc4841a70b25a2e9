"""Issue 10 item 6: a visit whose deadline was refused for want of a calendar year gets it when
the year is entered, in the same transaction, and the page says how many; other visits are left alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pangting.observation import services
from pangting.observation.models import State, Visit
from pangting.workdays.services import enter_year

from .scenes import planned, travel, walk

pytestmark = pytest.mark.django_db

HOLIDAYS_2027 = {dt.date(2027, 1, 1): "元旦"}


def refused_visit(world) -> Visit:
    """R-O4: a letter delivered on 2026-12-28; 7 working days reach into 2027, not yet entered."""
    with travel("2026-12-20"):
        visit = services.issue_letter(planned(world, semester=2, target_month=12), actor=world.supervisor)
        visit = services.record_delivery(visit, dt.date(2026, 12, 28), actor=world.supervisor)
    assert visit.reply_due is None
    assert "2027年的节假日安排尚未录入" in visit.deadline_warning
    return visit


def test_it_gives_a_refused_reply_deadline_when_the_year_is_entered(world):
    visit = refused_visit(world)
    with travel("2026-12-29"):
        entered = enter_year(2027, holidays=HOLIDAYS_2027, makeup_workdays={}, actor=world.sysadmin)
    visit.refresh_from_db()
    assert visit.reply_due == dt.date(2027, 1, 7)  # 12-29, 12-30, 12-31, (1-1 holiday) 1-4 … 1-7
    assert visit.reply_due_basis["calendar_revisions"] == {"2026": 1, "2027": 1}
    assert visit.deadline_warning == ""
    assert entered.recomputed["observation.visits"] == 1
    assert visit.history.first().history_user == world.sysadmin  # the administrator who entered the year


def test_it_leaves_the_other_visits_alone(world):
    computed = walk(world, State.SCHEDULED)  # all its deadlines fall in 2026
    refused_visit(world)
    with travel("2026-12-20"):
        cancelled = services.record_delivery(
            services.issue_letter(planned(world, target_month=11), actor=world.supervisor),
            dt.date(2026, 12, 28),
            actor=world.supervisor,
        )
        services.cancel_visit(cancelled, reason="单位合并", actor=world.supervisor)
    before = {v.pk: v.history.count() for v in Visit.objects.all()}
    due_before = (computed.reply_due, computed.record_due, computed.feedback_due)

    with travel("2026-12-29"):
        entered = enter_year(2027, holidays=HOLIDAYS_2027, makeup_workdays={}, actor=world.sysadmin)

    after = {v.pk: v.history.count() for v in Visit.objects.all()}
    changed = {pk for pk in before if after[pk] != before[pk]}
    assert entered.recomputed["observation.visits"] == 1
    assert computed.pk not in changed and cancelled.pk not in changed and len(changed) == 1
    computed.refresh_from_db()
    assert (computed.reply_due, computed.record_due, computed.feedback_due) == due_before
    cancelled.refresh_from_db()
    assert cancelled.reply_due is None


def test_it_keeps_a_deadline_refused_for_another_year_refused(world):
    visit = refused_visit(world)
    entered = enter_year(2028, holidays={dt.date(2028, 1, 1): "元旦"}, makeup_workdays={}, actor=world.sysadmin)
    visit.refresh_from_db()
    assert visit.reply_due is None
    assert "2027年" in visit.deadline_warning
    assert entered.recomputed["observation.visits"] == 0


def test_it_says_on_the_page_how_many_deadlines_were_recomputed(world, client_for):
    visit = refused_visit(world)
    response = client_for(world.sysadmin).post(
        reverse("workdays:year_form", args=[2027]),
        {"holidays": "2027-01-01 元旦", "makeup_workdays": "", "notice": "国办发明电〔2026〕1号"},
        follow=True,
    )
    assert response.status_code == 200
    assert "重新计算了1项" in response.content.decode()
    visit.refresh_from_db()
    assert visit.reply_due == dt.date(2027, 1, 7)
