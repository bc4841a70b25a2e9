"""No silent loss in forms (issue 10 item 5), in a real browser.

Each edit form is opened as the person who edits it and saved without touching anything: the
record must stay as it was, and every history row the save wrote must differ from the one before
it in nothing (a pre-filled date the browser could not read used to come back empty and wipe the
rectification deadline). A new form is one more line in CASES.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import World
from pangting.tests.builders import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
IGNORED = {"updated_at", "version"}  # bookkeeping of every save: when, and the optimistic-lock counter


@dataclass(frozen=True)
class Case:
    persona: str
    build: Callable[[World], tuple[Any, str]]  # (record, path of its edit page)
    form: str  # selector of the form that edits it
    button: str = "button[type=submit]"


def rectification(w: World) -> tuple[Any, str]:
    from pangting.observation import services
    from pangting.observation.models import Rectification, State
    from pangting.observation.tests.scenes import walk

    item = Rectification.objects.get(visit=walk(w, State.RECTIFYING))
    services.plan_rectification(
        item, actor=w.secretary_a, measure="制定转化清单", owner=w.member_person, deadline=dt.date(2026, 12, 31)
    )
    return item, f"/observation/rectifications/{item.pk}/"


def observation_record(w: World) -> tuple[Any, str]:
    from pangting.observation import services
    from pangting.observation.models import ObservationRecord, State
    from pangting.observation.tests.scenes import FINDINGS, SCORES, walk

    visit = walk(w, State.OBSERVED)
    services.save_record(visit, actor=w.liaison, data=FINDINGS, scores=SCORES, submit=False)  # a draft
    return ObservationRecord.objects.get(visit=visit), f"/observation/{visit.pk}/record/"


def feedback(w: World) -> tuple[Any, str]:
    from pangting.observation import services
    from pangting.observation.models import State
    from pangting.observation.tests.scenes import walk

    draft = services.draft_feedback(walk(w, State.RECORDED), actor=w.supervisor)
    checklist = {key: {"problem": False, "evidence": ""} for key, _ in services.CHECKLIST_POINTS}
    checklist["conversion"] = {"problem": True, "evidence": "学习成果未形成转化清单"}
    services.save_feedback(draft, actor=w.supervisor, checklist=checklist, summary="较好。", suggestions="建立清单。")
    return draft, f"/observation/{draft.visit_id}/feedback/"


def session(w: World) -> tuple[Any, str]:
    from pangting.study.tests.builders import at, make_session

    record = make_session(w.unit_a, starts_at=at(2026, 12, 10), actor=w.secretary_a, contact_name="张秘书")
    return record, f"/study/sessions/{record.pk}/edit/"


def study_plan(w: World) -> tuple[Any, str]:
    from pangting.study import services

    themes = [{"period_kind": "month", "period": 12, "theme": "学习党的二十届四中全会精神"}]
    plan = services.create_plan(w.unit_a, actor=w.secretary_a, year=2026, title="2026年学习计划", themes=themes)
    return plan, f"/study/plans/{plan.pk}/edit/"


def self_study_plan(w: World) -> tuple[Any, str]:
    from pangting.study import services

    plan = services.save_self_study_plan(
        w.member_person, actor=w.member, year=2026, goals="研读原著", tasks="笔记", completed_on=dt.date(2026, 11, 2)
    )
    return plan, "/study/my/"


def study_report(w: World) -> tuple[Any, str]:
    from pangting.assessment import services

    report = services.record_study_report(
        actor=w.supervisor,
        person=w.member_person,
        organization=w.unit_a,
        year=2026,
        title="2026年度述学",
        delivered_on=dt.date(2026, 11, 10),
        summary="全年学习情况",
    )
    return report, f"/assessment/reports/{report.pk}/edit/"


def organization(w: World) -> tuple[Any, str]:
    return w.unit_a, f"/orgs/{w.unit_a.pk}/edit/"


def person(w: World) -> tuple[Any, str]:
    return w.member_person, f"/orgs/people/{w.member_person.pk}/edit/"


CASES = {
    "rectification": Case("secretary_a", rectification, "form:has(input[name=step][value=plan])"),
    "observation-record": Case("liaison", observation_record, "main form.card.stacked", "button[name=save]"),
    "feedback": Case("supervisor", feedback, "main form.card.stacked", "button[name=save]"),
    "session": Case("secretary_a", session, "[data-testid=session-form]", "[data-testid=save-session]"),
    "study-plan": Case("secretary_a", study_plan, "main form.stacked"),
    "self-study-plan": Case("member", self_study_plan, "form[action$='/my/self-study-plan/']"),
    "study-report": Case("supervisor", study_report, "[data-testid=report-form]"),
    "organization": Case("supervisor", organization, "main form.stacked"),
    "person": Case("supervisor", person, "main form.stacked"),
}


def fields(record: Any) -> dict[str, Any]:
    row = type(record).all_objects.filter(pk=record.pk).values().get()
    return {k: v for k, v in row.items() if k not in IGNORED}


def history_changes(record: Any, since: int) -> list[str]:
    """Fields changed by the history rows written after the first `since`."""
    rows = list(record.history.order_by("history_id"))
    changed = []
    for previous, row in zip(rows[since - 1 :], rows[since:], strict=False):
        changed += [c.field for c in row.diff_against(previous).changes if c.field not in IGNORED]
    return changed


@pytest.fixture
def today():
    traveller = time_machine.travel(TODAY, tick=True)
    traveller.start()
    yield
    traveller.stop()


def sign_in(browser, base: str, username: str):
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_changes_nothing_when_an_edit_form_is_saved_untouched(today, transactional_db, live_server, browser, case):
    world = World()
    record, path = case.build(world)
    before, rows_before = fields(record), record.history.count()

    page = sign_in(browser, live_server.url, case.persona)
    page.goto(f"{live_server.url}{path}")
    form = page.locator(case.form)
    with page.expect_navigation():
        form.locator(case.button).click()

    assert page.locator(".errorlist, .messages .error, .message.error").count() == 0, page.content()[:2000]
    assert record.history.count() > rows_before  # the save went through the service
    assert history_changes(record, rows_before) == []
    assert fields(record) == before


def test_it_records_the_delivery_with_the_pre_filled_date(today, transactional_db, live_server, browser):
    """登记送达 used to do nothing until the date was retyped: the pre-filled date was unreadable."""
    from pangting.observation import services
    from pangting.observation.tests.scenes import planned

    world = World()
    visit = services.issue_letter(planned(world, target_month=12), actor=world.supervisor)
    page = sign_in(browser, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/observation/{visit.pk}/")
    assert page.locator("input[name=delivered_on]").input_value() == "2026-11-20"
    with page.expect_navigation():
        page.get_by_test_id("record-delivery").click()
    visit.refresh_from_db()
    assert visit.letter_delivered_on == dt.date(2026, 11, 20)
