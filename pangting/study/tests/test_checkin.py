"""Check-in that cannot be forwarded (R-S3): the rotating code, the ticket kept through login,
the room's display page and the paper sign-in sheet."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pangting.core import parameters
from pangting.study import services
from pangting.study.models import Attachment, Attendance
from pangting.study.templatetags.study_tags import local_dt
from pangting.study.tests.builders import at, make_session
from pangting.tests.builders import PASSWORD

pytestmark = pytest.mark.django_db
START = at(2026, 11, 25, 14, 30)  # a step boundary: 30 s steps start on the minute
IN_ROOM = START - dt.timedelta(minutes=5)


@pytest.fixture
def session(world):
    return make_session(world.unit_a, starts_at=START)


def _code_url(session, moment):
    return reverse("study:checkin", args=[session.pk, services.checkin_code(session, at=moment)])


def test_it_accepts_a_code_in_its_own_step_and_the_next_one(world, session):
    code = services.checkin_code(session, at=IN_ROOM)
    with time_machine.travel(IN_ROOM + dt.timedelta(seconds=29), tick=False):
        assert services.verify_checkin(session, code) == services.checkin_step(IN_ROOM)
    with time_machine.travel(IN_ROOM + dt.timedelta(seconds=59), tick=False):
        row = services.check_in(session, code, user=world.member)
    assert (row.status, row.method) == (Attendance.Status.PRESENT, Attendance.Method.QR)


def test_it_refuses_a_code_replayed_after_its_window_and_says_when_it_was_shown(world, session):
    # R-S3: a photo of the screen forwarded to an absent member is refused a minute later.
    code = services.checkin_code(session, at=IN_ROOM)
    with (
        time_machine.travel(IN_ROOM + dt.timedelta(seconds=60), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        services.check_in(session, code, user=world.member)
    message = refused.value.messages[0]
    assert "2026年11月25日 14:25:00在会场屏幕上显示" in message
    assert "已于2026年11月25日 14:26:00过期" in message
    assert "请扫描会场屏幕上当前的二维码" in message
    assert session.attendances.get().status == Attendance.Status.PENDING


def test_it_changes_the_code_every_step_and_follows_the_configured_step(world, session):
    assert services.checkin_code(session, at=IN_ROOM) != services.checkin_code(
        session, at=IN_ROOM + dt.timedelta(seconds=30)
    )
    parameters.set_value("R-S3", "checkin_step_seconds", 120, actor=world.supervisor, note="会场网络慢")
    code = services.checkin_code(session, at=IN_ROOM)
    with time_machine.travel(IN_ROOM + dt.timedelta(seconds=150), tick=False):  # refused with 30 s steps
        services.check_in(session, code, user=world.member)


def test_it_refuses_a_code_from_the_future_or_with_a_changed_step(world, session):
    later = services.checkin_code(session, at=IN_ROOM + dt.timedelta(minutes=1))
    step, mac = services.checkin_code(session, at=IN_ROOM).split("-")
    with time_machine.travel(IN_ROOM, tick=False):
        for code in (later, f"{int(step) + 1}-{mac}", "garbage", ""):
            with pytest.raises(ValidationError, match="签到码无效"):
                services.check_in(session, code, user=world.member)


def test_it_lets_a_member_who_must_log_in_first_finish_with_the_ticket(world, session):
    client = Client()
    with time_machine.travel(IN_ROOM, tick=False):
        scan = client.get(_code_url(session, IN_ROOM))
        assert scan.status_code == 302 and scan["Location"] == reverse("study:checkin_confirm", args=[session.pk])
        to_login = client.get(scan["Location"])
        assert to_login.status_code == 302 and reverse("accounts:login") in to_login["Location"]
    # Logging in takes a few minutes: the code has long changed, the ticket still holds.
    with time_machine.travel(IN_ROOM + dt.timedelta(minutes=4), tick=False):
        login_page = client.get(to_login["Location"]).content.decode()
        assert f"您正在为“{session.title}（{local_dt(session.starts_at)}）”签到，请先登录" in login_page
        # Before login, the title and time only: not the place or the organization (issue 16).
        assert session.place not in login_page and session.organization.name not in login_page
        next_url = reverse("study:checkin_confirm", args=[session.pk])
        response = client.post(
            reverse("accounts:login"),
            {"username": world.member.username, "password": PASSWORD, "next": next_url},
            follow=True,
        )
    assert "签到成功" in response.content.decode()
    row = session.attendances.get()
    assert (row.status, row.method, row.checked_in_at) == (Attendance.Status.PRESENT, Attendance.Method.QR, IN_ROOM)


def test_it_refuses_a_ticket_older_than_its_minutes(world, session):
    client = Client()
    with time_machine.travel(IN_ROOM, tick=False):
        client.get(_code_url(session, IN_ROOM))
    with time_machine.travel(IN_ROOM + dt.timedelta(minutes=11), tick=False):
        next_url = reverse("study:checkin_confirm", args=[session.pk])
        login = {"username": world.member.username, "password": PASSWORD, "next": next_url}
        page = client.post(reverse("accounts:login"), login, follow=True).content.decode()
    assert "签到须在扫码后10分钟内完成，已超时" in page
    assert session.attendances.get().status == Attendance.Status.PENDING


def test_it_checks_a_signed_in_member_in_at_the_scan(world, client_for, session):
    client = client_for(world.member)
    with time_machine.travel(IN_ROOM, tick=False):
        page = client.get(_code_url(session, IN_ROOM), follow=True).content.decode()
    assert "签到成功" in page and "您已签到" in page
    assert session.attendances.get().status == Attendance.Status.PRESENT


def test_it_refuses_a_forwarded_photo_on_the_scan_page(world, client_for, session):
    client = client_for(world.member)
    with time_machine.travel(IN_ROOM + dt.timedelta(minutes=3), tick=False):
        page = client.get(_code_url(session, IN_ROOM)).content.decode()
    assert "已于2026年11月25日 14:26:00过期" in page
    assert session.attendances.get().status == Attendance.Status.PENDING
    # The confirm page alone checks no one in.
    with time_machine.travel(IN_ROOM + dt.timedelta(minutes=3), tick=False):
        page = client.get(reverse("study:checkin_confirm", args=[session.pk])).content.decode()
    assert "请扫描会场屏幕上的签到二维码" in page
    assert session.attendances.get().status == Attendance.Status.PENDING


def test_it_tells_a_visitor_nothing_about_the_session_for_a_bad_code(session):
    with time_machine.travel(IN_ROOM, tick=False):
        page = Client().get(reverse("study:checkin", args=[session.pk, "1-bad"])).content.decode()
    assert "签到码无效" in page and session.title not in page


def test_it_shows_no_check_in_context_on_a_plain_login_page(session):
    assert "登录后自动完成签到" not in Client().get(reverse("accounts:login")).content.decode()


def test_it_shows_no_check_in_context_for_a_next_link_without_a_scan(session):
    """A login link that merely names a check-in page says nothing about the session (no signed ticket)."""
    next_url = reverse("study:checkin_confirm", args=[session.pk])
    page = Client().get(reverse("accounts:login"), {"next": next_url}).content.decode()
    assert 'data-testid="checkin-context"' not in page and session.title not in page


def test_it_shows_the_room_display_with_a_code_that_changes_each_step(world, client_for, session):
    client = client_for(world.secretary_a)
    url = reverse("study:session_display", args=[session.pk])
    state_url = reverse("study:session_display_state", args=[session.pk])
    with time_machine.travel(IN_ROOM + dt.timedelta(seconds=10), tick=False):
        page = client.get(url).content.decode()
        first = client.get(state_url).json()
        svg = client.get(first["qr"]).content
    assert "checkin-display.js" in page and state_url in page
    assert first["seconds_left"] == 20 and first["step_seconds"] == 30
    with time_machine.travel(IN_ROOM + dt.timedelta(seconds=31), tick=False):
        second = client.get(state_url).json()
        assert client.get(second["qr"]).content != svg
    assert second["step"] == first["step"] + 1
    assert client_for(world.member).get(url).status_code == 404


def test_it_records_members_who_signed_the_paper_sheet_with_its_scan(world, client_for, session, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    scan = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 sheet", content_type="application/pdf")
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        response = client_for(world.secretary_a).post(
            reverse("study:session_paper_sheet", args=[session.pk]),
            {"person": [world.member_person.pk], "scan": scan},
            follow=True,
        )
    assert "已按纸质签到表登记1人出席" in response.content.decode()
    row = session.attendances.get()
    assert (row.status, row.method, row.checked_in_at) == (Attendance.Status.PRESENT, Attendance.Method.PAPER, None)
    assert row.history.order_by("-history_id").first().history_user == world.secretary_a
    assert session.attachments.get().kind == Attachment.Kind.SIGNIN_SHEET


def test_it_refuses_a_paper_sheet_naming_someone_not_expected(world, client_for, session):
    with time_machine.travel(START, tick=False):
        page = client_for(world.secretary_a).post(
            reverse("study:session_paper_sheet", args=[session.pk]), {"person": [world.member_b_person.pk]}, follow=True
        )
    assert "所选人员不在本次学习会的应到人员名单中" in page.content.decode()
    assert session.attendances.get().status == Attendance.Status.PENDING
    with pytest.raises(ValidationError, match="请选择"):
        services.record_paper_sheet(session, [], actor=world.secretary_a)
