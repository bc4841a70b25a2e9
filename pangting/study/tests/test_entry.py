"""Data entry that scales: agenda and speaker rows added and removed, "all present" in one action."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from pangting.study import services
from pangting.study.models import Attendance, StudySession
from pangting.study.tests.builders import add_members, at, make_session

pytestmark = pytest.mark.django_db


def _data(world, **extra):
    data = {
        "organization": world.unit_a.pk, "kind": "center_group", "title": "学习四中全会精神", "content": "集中学习",
        "starts_at": "2026-11-27T14:30", "ends_at": "2026-11-27T16:30", "place": "301会议室",
        "agenda-TOTAL_FORMS": "2", "agenda-INITIAL_FORMS": "0", "agenda-MAX_NUM_FORMS": "60",
        "agenda-0-kind": "first_item", "agenda-0-title": "学习总书记最新重要讲话",
        "agenda-1-kind": "discussion", "agenda-1-title": "交流研讨",
        "speakers-TOTAL_FORMS": "1", "speakers-INITIAL_FORMS": "0",
        "speakers-0-speaker_name": "陈成员", "speakers-0-outline": "结合分管工作",
    }  # fmt: skip
    data.update(extra)
    return data


def test_a_new_session_offers_the_usual_three_agenda_rows_and_one_speaker(world, client_for):
    page = client_for(world.secretary_a).get(reverse("study:session_create")).content.decode()
    assert page.count('data-testid="agenda-row"') == 3 + 1  # three rows and the empty-row template
    assert page.count('data-testid="speaker-row"') == 1 + 1
    assert 'name="agenda-__prefix__-title"' in page and 'data-testid="add-agenda-row"' in page


def test_without_javascript_add_a_row_returns_the_typed_form_with_one_more_row(world, client_for):
    response = client_for(world.secretary_a).post(reverse("study:session_create"), _data(world, add_row="agenda"))
    page = response.content.decode()
    assert response.status_code == 200 and not StudySession.objects.exists()  # nothing saved
    assert 'name="agenda-TOTAL_FORMS" value="3"' in page
    assert 'value="学习总书记最新重要讲话"' in page and 'value="学习四中全会精神"' in page
    assert "errorlist" not in page  # the new empty row is not an error


def test_without_javascript_add_a_speaker_drops_rows_ticked_for_deletion(world, client_for):
    data = _data(world, add_row="speakers", **{"agenda-1-DELETE": "on"})
    page = client_for(world.secretary_a).post(reverse("study:session_create"), data).content.decode()
    assert 'name="speakers-TOTAL_FORMS" value="2"' in page
    assert 'name="agenda-TOTAL_FORMS" value="1"' in page and 'value="交流研讨"' not in page


def test_it_saves_many_rows_and_leaves_out_those_ticked_for_deletion(world, client_for):
    rows = {"agenda-TOTAL_FORMS": "12", "agenda-1-DELETE": "on"}
    for n in range(2, 12):
        rows |= {f"agenda-{n}-kind": "theory", f"agenda-{n}-title": f"学习篇目{n}"}
    response = client_for(world.secretary_a).post(reverse("study:session_create"), _data(world, **rows))
    assert response.status_code == 302
    session = StudySession.objects.get()
    titles = [i.title for i in session.agenda_items.all()]
    assert titles[0] == "学习总书记最新重要讲话" and len(titles) == 11 and "交流研讨" not in titles


def test_editing_removes_a_speaker_ticked_for_deletion(world, client_for):
    session = make_session(world.unit_a, speakers=[{"speaker_name": "甲"}, {"speaker_name": "乙"}])
    first, second = session.speeches.all()
    client = client_for(world.secretary_a)
    page = client.get(reverse("study:session_edit", args=[session.pk])).content.decode()
    assert page.count('data-testid="speaker-row"') == 2 + 1  # no fixed blank rows
    data = _data(world, **{
        "speakers-TOTAL_FORMS": "2", "speakers-0-id": first.pk, "speakers-0-speaker_name": "甲",
        "speakers-1-id": second.pk, "speakers-1-speaker_name": "乙", "speakers-1-DELETE": "on",
    })  # fmt: skip
    assert client.post(reverse("study:session_edit", args=[session.pk]), data).status_code == 302
    assert [s.speaker_name for s in session.speeches.all()] == ["甲"]


def test_it_refuses_more_rows_than_the_limit_in_chinese(world, client_for):
    data = _data(world, **{"agenda-TOTAL_FORMS": "61"})
    response = client_for(world.secretary_a).post(reverse("study:session_create"), data)
    assert response.status_code == 200 and not StudySession.objects.exists()
    assert "60" in response.content.decode()


def test_all_present_marks_everyone_but_those_on_leave_in_one_action(world, client_for):
    add_members(world.group_a, 3, world.unit_a)
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    rows = list(session.attendances.order_by("person__name"))
    services.record_attendance(session, rows[0].person, actor=world.secretary_a, status="leave", leave_reason="出差")
    with time_machine.travel(at(2026, 11, 25, 14, 40), tick=False):
        response = client_for(world.secretary_a).post(reverse("study:session_all_present", args=[session.pk]))
    assert response.status_code == 302
    statuses = dict(session.attendances.values_list("person_id", "status"))
    assert statuses.pop(rows[0].person_id) == Attendance.Status.LEAVE
    assert set(statuses.values()) == {Attendance.Status.PRESENT} and len(statuses) == len(rows) - 1
    assert rows[1].history.count() >= 2  # each change has its history row


def test_all_present_is_refused_before_the_session_and_for_other_units(world, client_for):
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    url = reverse("study:session_all_present", args=[session.pk])
    with time_machine.travel(at(2026, 11, 20), tick=False):
        page = client_for(world.secretary_a).post(url, follow=True).content.decode()
    assert "学习会尚未开始" in page
    assert not session.attendances.filter(status=Attendance.Status.PRESENT).exists()
    assert client_for(world.secretary_b).post(url).status_code == 404
