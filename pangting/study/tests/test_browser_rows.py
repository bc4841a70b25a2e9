"""In a real browser: agenda and speaker rows are added and removed in the page, then saved."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from pangting.study.models import StudySession
from pangting.study.tests.test_browser import sign_in
from pangting.tests.search_box import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_secretary_adds_and_removes_rows_without_reloading(live_world, live_server, page):
    start = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(days=3)
    sign_in(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/study/sessions/new/")
    pick(page, "organization", "甲学院", "甲学院党委")  # searched, not a <select> (issue 15)
    page.fill("#id_title", "学习贯彻党的二十届四中全会精神")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "行政楼301会议室")
    page.fill("input[name=agenda-0-title]", "学习习近平总书记最新重要讲话精神")
    rows = page.get_by_test_id("agenda-row")
    assert rows.count() == 3
    page.get_by_test_id("add-agenda-row").click()  # no reload: the page adds the row
    assert rows.count() == 4
    assert page.url.endswith("/study/sessions/new/")
    page.select_option("select[name=agenda-3-kind]", "theory")
    page.fill("input[name=agenda-3-title]", "学习《建议》第三部分")
    page.fill("input[name=agenda-1-title]", "本行将被删除")
    rows.nth(1).get_by_test_id("remove-agenda-row").click()
    assert not rows.nth(1).is_visible()
    page.get_by_test_id("add-speaker-row").click()
    page.fill("#id_speakers-0-speaker_name", "陈成员")
    pick(page, "speakers-1-person", "张秘", "张秘书（")  # the added row's search box works too
    page.fill("#id_speakers-1-speaker_name", "张秘书")
    page.fill("#id_speakers-1-outline", "谈学习体会")
    page.get_by_test_id("save-session").click()
    page.wait_for_url(re.compile(r".*/study/sessions/\d+/$"))
    session = StudySession.objects.get(title="学习贯彻党的二十届四中全会精神")
    assert [i.title for i in session.agenda_items.all()] == ["学习习近平总书记最新重要讲话精神", "学习《建议》第三部分"]
    assert [s.speaker_name for s in session.speeches.all()] == ["陈成员", "张秘书"]
    assert [s.person for s in session.speeches.all()] == [None, live_world.secretary_a_person]


def test_the_secretary_records_a_training_choosing_trainees_by_search(live_world, live_server, page):
    from pangting.core import clock
    from pangting.study.models import SecretaryTraining
    from pangting.tests.search_box import add

    sign_in(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/study/trainings/")
    pick(page, "organization", "甲学院", "甲学院党委")
    page.fill("#id_held_on", clock.today().isoformat())
    page.fill("#id_title", "党支部书记培训")
    add(page, "trainees", "张秘", "张秘书（")
    add(page, "trainees", "陈成", "陈成员（")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/study/trainings/")
    training = SecretaryTraining.objects.get(title="党支部书记培训")
    assert set(training.trainees.all()) == {live_world.secretary_a_person, live_world.member_person}


def test_the_secretary_registers_a_cadres_branch_and_an_attendee_by_search(live_world, live_server, page):
    """R-B7 and R-S20 pages search their person and branch (issue 15): no <select> of every one."""
    from pangting.study.models import Attendance, CadreBranch
    from pangting.study.tests.builders import at, make_session

    session = make_session(live_world.unit_a, starts_at=at(2030, 6, 5), actor=live_world.secretary_a)
    sign_in(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/study/cadres/")
    assert page.locator("select[name=person], select[name=branch]").count() == 0
    pick(page, "person", "陈成", "陈成员（")
    pick(page, "branch", "第一党支部", "甲学院第一党支部")
    page.fill("#id_since", "2026-01-01")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/study/cadres/")
    link = CadreBranch.objects.get()
    assert (link.person, link.branch) == (live_world.member_person, live_world.branch_a)

    page.goto(f"{live_server.url}/study/sessions/{session.pk}/attendance/")
    pick(page, "person", "李联", "李联络（")  # not of the center group: sits in (R-S20)
    page.locator("form.toolbar:has([data-testid=org-search-person]) input[name=as_observer]").check()
    page.locator("form.toolbar:has([data-testid=org-search-person]) button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/study/sessions/{session.pk}/attendance/")
    added = session.attendances.get(person=live_world.liaison_person)
    assert added.role == Attendance.Role.OBSERVER
