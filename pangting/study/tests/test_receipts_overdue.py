"""Receipts never signed (签收): after the rule's `receipt_days` working days the addressee is
reminded, his to-do turns red and the check of the rule that owns the document names him —
all from `core.deliveries.receipt_overdue` (R-S10 here; R-S1 and R-O4 read the same function)."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.compliance.tests.builders import findings, travel
from pangting.core import deliveries, parameters
from pangting.core.system import system_actor
from pangting.study import reminders, services
from pangting.study.models import StudySession
from pangting.study.tests.builders import at, make_session
from pangting.study.todos import receipt_todos
from pangting.workdays.services import get_calendar

pytestmark = pytest.mark.django_db

# Sent on Friday 20 November 2026: three working days are Monday 23 to Wednesday 25.
SENT = at(2026, 11, 20, 10)
LAST_DAY = dt.date(2026, 11, 25)


@pytest.fixture
def forwarded(world):
    """The arrangement form for a session on 30 November, passed on by the liaison to the leader."""
    for name in ("supervisor", "leader"):
        user = getattr(world, name)
        user.email = f"{name}@example.edu.cn"
        user.save(update_fields=["email"])
    with travel(dt.date(2026, 11, 20), 9):
        session = make_session(world.unit_a, starts_at=at(2026, 11, 30))
    with travel(dt.date(2026, 11, 20), 11):
        services.send_arrangement(session, actor=world.secretary_a, at=at(2026, 11, 20, 9))
        delivery = services.forward_arrangement(session, actor=world.liaison, at=SENT)
    return delivery.receipts.get()


def _receipt_findings(today: dt.date) -> list:
    return [f for f in findings("R-S10", today=today) if f.key.startswith("receipt:")]


def _receipt_reminders(day: dt.date) -> list[tuple[str, str, list[str]]]:
    return [(r.key.split(":")[1], r.stage, r.emails) for r in reminders.due_reminders(day) if ":receipt:" in r.key]


def test_a_receipt_is_overdue_after_the_rule_s_working_days(forwarded):
    calendar = get_calendar()
    assert deliveries.sign_by(forwarded.delivery, calendar) == LAST_DAY
    assert deliveries.receipt_overdue(forwarded, LAST_DAY, calendar) is None
    assert deliveries.receipt_overdue(forwarded, LAST_DAY + dt.timedelta(days=1), calendar) == LAST_DAY
    assert [o.receipt for o in deliveries.overdue_receipts(dt.date(2026, 11, 26), calendar=calendar)] == [forwarded]
    # A longer period for R-S10: five working days end on Friday 27 November.
    parameters.set_value("R-S10", "receipt_days", 5, actor=system_actor())
    assert deliveries.sign_by(forwarded.delivery, calendar) == dt.date(2026, 11, 27)
    assert deliveries.overdue_receipts(dt.date(2026, 11, 27), calendar=calendar) == []


def test_the_r_s10_check_names_who_has_not_signed(world, forwarded):
    """R-S10: amber, one finding per unsigned receipt, naming the addressee; none once signed."""
    assert _receipt_findings(LAST_DAY) == []
    [found] = _receipt_findings(dt.date(2026, 11, 26))
    assert (found.unit_id, found.period, found.key, found.severity) == (
        world.unit_a.pk, "2026-11", f"receipt:{forwarded.pk}", "amber",
    )  # fmt: skip
    assert world.leader_person.name in found.message and "联系校领导" in found.message
    assert "2026年11月25日" in found.message and found.measured["sign_by"] == "2026-11-25"
    with travel(dt.date(2026, 11, 26)):
        services.sign_receipt(forwarded, actor=world.leader)
    assert _receipt_findings(dt.date(2026, 11, 26)) == []


def test_the_addressee_is_reminded_weekly_once_overdue(forwarded):
    assert _receipt_reminders(LAST_DAY) == []
    assert _receipt_reminders(dt.date(2026, 11, 26)) == [("receipt", "overdue-0", ["leader@example.edu.cn"])]
    assert _receipt_reminders(dt.date(2026, 11, 27)) == [("receipt", "overdue-0", ["leader@example.edu.cn"])]
    assert _receipt_reminders(dt.date(2026, 12, 3)) == [("receipt", "overdue-1", ["leader@example.edu.cn"])]


def test_the_department_s_receipt_reminds_its_supervisors(world, forwarded):
    """The report after the session goes to the supervising 宣传部: any of its supervisors signs, all are reminded."""
    session = StudySession.objects.get(pk=forwarded.delivery.object_id)
    with travel(dt.date(2026, 11, 30), 18):
        report = services.send_report(session, actor=world.secretary_a, at=at(2026, 11, 30, 17))
    # Monday 30 November: Tuesday 1 to Thursday 3 December.
    assert deliveries.sign_by(report, get_calendar()) == dt.date(2026, 12, 3)
    with travel(dt.date(2026, 11, 30), 19):
        services.sign_receipt(forwarded, actor=world.leader)
    assert _receipt_reminders(dt.date(2026, 12, 3)) == []
    assert _receipt_reminders(dt.date(2026, 12, 4)) == [("receipt", "overdue-0", ["supervisor@example.edu.cn"])]


def test_the_to_do_turns_red_when_the_signing_period_has_passed(world, forwarded):
    with travel(LAST_DAY):
        [todo] = receipt_todos(world.leader)
    assert (todo.due, todo.severity) == (LAST_DAY, "warn")
    with travel(dt.date(2026, 11, 26)):
        [todo] = receipt_todos(world.leader)
    assert (todo.due, todo.severity) == (LAST_DAY, "bad")


def test_a_filed_plan_the_supervisor_never_signs_for_is_an_r_s1_finding(world):
    """R-S1: the plan is a delivery to the supervising 宣传部; acknowledging (or returning) it
    signs for it. Filed Monday 12 January 2026: the three working days end on Thursday the 15th."""
    from pangting.core.models import Receipt
    from pangting.study.models import StudyPlan
    from pangting.study.tests.builders import approved

    with travel(dt.date(2026, 1, 12)):
        plan = services.create_plan(world.unit_a, actor=world.secretary_a, year=2026, themes=[
            {"period_kind": "month", "period": m, "theme": f"{m}月专题"} for m in range(1, 13)
        ])  # fmt: skip
        approved(plan)
        services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)

    def receipt_keys(day: dt.date) -> list[str]:
        return [f.key for f in findings("R-S1", today=day, unit=world.unit_a) if f.key.startswith("receipt:")]

    assert receipt_keys(dt.date(2026, 1, 15)) == []
    [receipt] = Receipt.objects.filter(delivery__model="studyplan", delivery__object_id=plan.pk)
    assert receipt_keys(dt.date(2026, 1, 16)) == [f"receipt:{receipt.pk}"]
    with travel(dt.date(2026, 1, 16)):
        services.transition_plan(
            StudyPlan.objects.get(pk=plan.pk), StudyPlan.Status.ACKNOWLEDGED, actor=world.supervisor
        )
    assert receipt_keys(dt.date(2026, 1, 16)) == []


def test_the_session_page_marks_the_receipt_past_its_last_day(world, forwarded, client_for):
    """The page says what the check, the reminder and the to-do say: unsigned after 25 November."""
    url = f"/study/sessions/{forwarded.delivery.object_id}/"
    with travel(LAST_DAY):
        page = client_for(world.supervisor).get(url).content.decode()
    assert "未签收" in page and 'data-testid="receipt-overdue"' not in page
    with travel(dt.date(2026, 11, 26)):
        page = client_for(world.supervisor).get(url).content.decode()
    assert 'data-testid="receipt-overdue"' in page and "签收期限2026年11月25日" in page


def test_the_api_gives_the_last_day_to_sign_and_whether_it_passed(world, forwarded):
    """The API says what the page says (`receipt_overdue`): the session's deliveries and the
    addressee's list of receipts to sign carry `sign_by` and `overdue`."""
    from rest_framework.test import APIClient

    def api(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    session_url = f"/api/v1/study-sessions/{forwarded.delivery.object_id}/"

    def shown(day: dt.date) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
        with travel(day):
            deliveries_ = api(world.supervisor).get(session_url).json()["deliveries"]
            listed = api(world.leader).get("/api/v1/study-receipts/").json()["results"]
        in_session = [
            (r["sign_by"], r["overdue"]) for d in deliveries_ for r in d["receipts"] if r["id"] == forwarded.pk
        ]
        return in_session, [(r["sign_by"], r["overdue"]) for r in listed]

    assert shown(LAST_DAY) == ([("2026-11-25", False)], [("2026-11-25", False)])
    assert shown(dt.date(2026, 11, 26)) == ([("2026-11-25", True)], [("2026-11-25", True)])
    with travel(dt.date(2026, 11, 26)):
        services.sign_receipt(forwarded, actor=world.leader)
    assert shown(dt.date(2026, 11, 27)) == ([("2026-11-25", False)], [])
