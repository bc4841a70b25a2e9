"""The study pages for the secretary, the member and the supervisor; access answers 404 outside scope."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from pangting.core.system import system_actor
from pangting.study import services
from pangting.study.models import Attendance, StudySession
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def session(world):
    return make_session(
        world.unit_a,
        starts_at=at(2026, 11, 25),
        speakers=[{"person": world.member_person, "outline": "谈体会", "written_text": "全文"}],
        host=world.member_person,
        host_post="副院长",
        contact_name="张秘书",
        contact_phone="13800000003",
    )


PAGES = [
    "study:session_list", "study:session_calendar", "study:plan_list", "study:branch_overview", "study:training_list",
]  # fmt: skip


@pytest.mark.parametrize("persona", ["secretary_a", "supervisor", "member", "leader", "viewer"])
def test_it_shows_the_study_pages_to_everyone_who_may_view_study(world, client_for, session, persona):
    client = client_for(getattr(world, persona))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("study:session_detail", args=[session.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["outsider", "auditor", "sysadmin"])
def test_it_answers_not_found_to_those_without_study_access(world, client_for, session, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("study:session_list")).status_code == 404
    assert client.get(reverse("study:session_detail", args=[session.pk])).status_code == 404


def test_it_hides_a_unit_session_from_the_sibling_secretary_as_if_missing(world, client_for, session):
    client = client_for(world.secretary_b)
    for name in ("study:session_detail", "study:session_edit", "study:session_attendance"):
        assert client.get(reverse(name, args=[session.pk])).status_code == 404
    assert client.post(reverse("study:session_submit", args=[session.pk, "arrangement"])).status_code == 404


def test_it_lets_only_the_secretary_change_a_session(world, client_for, session):
    assert client_for(world.secretary_a).get(reverse("study:session_edit", args=[session.pk])).status_code == 200
    for persona in ("member", "supervisor", "leader"):
        client = client_for(getattr(world, persona))
        assert client.get(reverse("study:session_edit", args=[session.pk])).status_code == 404


def test_it_shows_the_session_with_qr_deadlines_and_the_classified_material_notice(world, client_for, session):
    page = client_for(world.secretary_a).get(reverse("study:session_detail", args=[session.pk])).content.decode()
    assert "本系统不得处理涉密信息" in page
    assert reverse("study:session_qr", args=[session.pk]) in page
    assert "2026年11月23日" in page  # R-S10 arrangement due, shown with the basis
    assert "会前2天（自然日）" in page
    qr = client_for(world.secretary_a).get(reverse("study:session_qr", args=[session.pk]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


def test_it_creates_a_session_with_agenda_and_speakers_from_the_form(world, client_for):
    data = {
        "organization": world.unit_a.pk, "kind": "center_group", "title": "学习四中全会精神", "content": "集中学习",
        "starts_at": "2026-11-27T14:30", "ends_at": "2026-11-27T16:30", "place": "301会议室",
        "host": world.member_person.pk, "host_post": "副院长", "contact_name": "张秘书", "contact_phone": "13800000003",
        "agenda-TOTAL_FORMS": "2", "agenda-INITIAL_FORMS": "0",
        "agenda-0-kind": "first_item", "agenda-0-title": "学习总书记最新重要讲话", "agenda-0-presenter": "",
        "agenda-1-kind": "discussion", "agenda-1-title": "", "agenda-1-presenter": "",
        "speakers-TOTAL_FORMS": "1", "speakers-INITIAL_FORMS": "0",
        "speakers-0-speaker_name": "陈成员", "speakers-0-post": "副院长", "speakers-0-outline": "结合分管工作",
    }  # fmt: skip
    response = client_for(world.secretary_a).post(reverse("study:session_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = StudySession.objects.get(title="学习四中全会精神")
    assert [i.kind for i in created.agenda_items.all()] == ["first_item"]
    assert created.speeches.get().outline == "结合分管工作"


def test_it_shows_the_form_error_in_chinese_when_the_end_is_before_the_start(world, client_for):
    data = {
        "organization": world.unit_a.pk, "kind": "center_group", "title": "学习", "place": "301",
        "starts_at": "2026-11-27T16:30", "ends_at": "2026-11-27T14:30",
        "agenda-TOTAL_FORMS": "0", "agenda-INITIAL_FORMS": "0",
        "speakers-TOTAL_FORMS": "0", "speakers-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client_for(world.secretary_a).post(reverse("study:session_create"), data)
    assert response.status_code == 200
    assert "结束时间不能早于或等于开始时间" in response.content.decode()
    assert not StudySession.objects.exists()


def test_it_checks_a_member_in_through_the_qr_link(world, client_for, session):
    with time_machine.travel(session.starts_at, tick=False):
        url = reverse("study:checkin", args=[session.pk, services.checkin_token(session)])
        client = client_for(world.member)  # logged in at the meeting (idle timeout is 30 minutes)
        response = client.get(url, follow=True)
    assert "您已签到" in response.content.decode()
    assert session.attendances.get().method == Attendance.Method.QR


def test_it_tells_the_member_the_code_is_for_another_session(world, client_for, session):
    other = make_session(world.unit_a, starts_at=at(2026, 12, 2))
    with time_machine.travel(session.starts_at, tick=False):
        url = reverse("study:checkin", args=[session.pk, services.checkin_token(other)])
        page = client_for(world.member).get(url).content.decode()
    assert "签到码无效或不属于本次学习会" in page


def test_it_sends_an_anonymous_scanner_to_log_in_first(client, session):
    with time_machine.travel(session.starts_at, tick=False):
        url = reverse("study:checkin", args=[session.pk, services.checkin_token(session)])
        response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_it_rejects_an_oversized_or_wrong_upload_with_a_chinese_message(world, client_for, session, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.secretary_a)
    bad = SimpleUploadedFile("病毒.exe", b"MZ")
    response = client.post(
        reverse("study:attachment_upload", args=[session.pk]), {"kind": "minutes", "file": bad}, follow=True
    )
    assert "不支持的文件类型" in response.content.decode()
    assert not session.attachments.exists()


def test_it_serves_both_word_forms(world, client_for, session):
    client = client_for(world.leader)  # the linked leader receives the arrangement form (R-S10)
    for kind in ("plan", "arrangement"):
        response = client.get(reverse("study:session_document", args=[session.pk, kind]))
        assert response.status_code == 200
        assert response.content[:2] == b"PK"
        assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_it_offers_an_ics_feed_of_the_members_sessions(world, client_for, session):
    body = client_for(world.member).get(reverse("study:my_calendar_ics")).content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert f"UID:study-session-{session.pk}@" in body
    assert "DTSTART:20261125T063000Z" in body  # 14:30 in Shanghai


def test_it_lists_sessions_in_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    for day in range(1, 21):
        make_session(world.unit_a, starts_at=at(2026, 10, day))
    client = client_for(world.supervisor)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("study:session_list"))
    assert response.content.decode().count("深入学习贯彻党的二十届四中全会精神") == 20


def test_it_filters_the_supervisors_list_by_low_participation(world, client_for):
    low = make_session(world.unit_a, starts_at=at(2026, 11, 2), title="参学率低的一次")
    make_session(world.unit_a, starts_at=at(2026, 11, 3), title="未召开的一次")
    services.close_attendance(low, actor=system_actor(), at=low.ends_at)
    page = client_for(world.supervisor).get(reverse("study:session_list"), {"flag": "low_rate"}).content.decode()
    assert "参学率低的一次" in page and "未召开的一次" not in page


def test_it_shows_missing_and_late_plans_to_the_supervisor(world, client_for):
    page = client_for(world.supervisor).get(reverse("study:plan_list"), {"year": 2026}).content.decode()
    assert "尚未编制中心组学习计划" in page and "乙学院" in page


def test_it_lets_the_member_keep_a_self_study_plan_and_record(world, client_for, session):
    client = client_for(world.member)
    client.post(reverse("study:self_plan_save"), {"year": 2026, "goals": "研读原著", "tasks": ""})
    client.post(
        reverse("study:self_record_add"),
        {"studied_on": "2026-11-19", "material": "会前自学", "hours": "2", "session": session.pk},
    )
    page = client.get(reverse("study:my_study")).content.decode()
    assert "会前自学" in page and "已保存，可修改" in page
    # the supervisor has no "my study" page (no participation grant)
    assert client_for(world.supervisor).get(reverse("study:my_study")).status_code == 404


def test_it_lets_the_secretary_close_attendance_and_shows_the_rate(world, client_for, session):
    with time_machine.travel(session.starts_at + dt.timedelta(minutes=5), tick=False):
        client = client_for(world.secretary_a)
        row = session.attendances.get()
        client.post(reverse("study:session_attendance", args=[session.pk]), {f"status_{row.pk}": "present"})
        client.post(reverse("study:session_close_attendance", args=[session.pk]))
        page = client.get(reverse("study:session_detail", args=[session.pk])).content.decode()
    assert "已召开" in page and "100%" in page
