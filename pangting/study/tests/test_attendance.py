"""Attendance, make-up study and QR check-in (R-S3)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from pangting.study import services
from pangting.study.models import Attendance, StudySession
from pangting.study.tests.builders import add_members, at, make_session
from pangting.tests.builders import make_person, make_user

pytestmark = pytest.mark.django_db
START = at(2026, 11, 25, 14, 30)


def _ten_expected(world):
    add_members(world.group_a, 9, world.unit_a)
    session = make_session(world.unit_a, starts_at=START)
    assert session.attendances.count() == 10
    return session


def test_it_passes_a_session_where_nine_of_ten_attended(world):
    # R-S3: 9 of 10 is exactly 90 % and passes.
    session = _ten_expected(world)
    rows = list(session.attendances.select_related("person"))
    with time_machine.travel(START, tick=False):
        for row in rows[:9]:
            services.record_attendance(session, row.person, actor=world.secretary_a, status="present")
        services.record_attendance(
            session, rows[9].person, actor=world.secretary_a, status="leave", leave_reason="出差"
        )
        services.close_attendance(session, actor=world.secretary_a)
    facts = services.session_facts(session)
    assert (facts.present_count, facts.expected_count, facts.leave_count) == (9, 10, 1)
    assert facts.meets_participation is True
    assert not any("R-S3）" in p and "参学率" in p for p in facts.problems)


def test_it_flags_a_session_where_only_eight_of_ten_attended(world):
    session = _ten_expected(world)
    with time_machine.travel(START, tick=False):
        for row in list(session.attendances.select_related("person"))[:8]:
            services.record_attendance(session, row.person, actor=world.secretary_a, status="present")
        services.close_attendance(session, actor=world.secretary_a)
    facts = services.session_facts(session)
    assert facts.absent_count == 2
    assert facts.meets_participation is False
    assert "参学率80%，低于90%（R-S3）" in facts.problems


def test_it_requires_a_reason_for_leave_and_then_make_up_study(world):
    session = make_session(world.unit_a, starts_at=START)
    with pytest.raises(ValidationError, match="请假事由"):
        services.record_attendance(session, world.member_person, actor=world.secretary_a, status="leave")
    row = services.record_attendance(
        session, world.member_person, actor=world.secretary_a, status="leave", leave_reason="参加上级培训"
    )
    assert row.needs_makeup
    assert services.session_facts(session).makeup_pending_count == 1
    with pytest.raises(ValidationError, match="补学日期不能早于"):
        services.record_makeup(row, actor=world.secretary_a, done_on=dt.date(2026, 11, 1), note="自学")
    services.record_makeup(row, actor=world.secretary_a, done_on=dt.date(2026, 11, 28), note="自学会议材料")
    assert not Attendance.objects.get(pk=row.pk).needs_makeup


def test_it_refuses_attendance_for_someone_not_in_the_group(world):
    session = make_session(world.unit_a, starts_at=START)
    with pytest.raises(ValidationError, match="不是甲学院党委理论学习中心组成员"):
        services.record_attendance(session, world.member_b_person, actor=world.secretary_a, status="present")
    assert session.attendances.count() == 1


def test_it_saves_an_attendance_sheet_all_or_nothing(world):
    session = make_session(world.unit_a, starts_at=START)
    with pytest.raises(ValidationError):
        services.record_attendance_sheet(
            session,
            [(world.member_person, "present", ""), (world.member_b_person, "present", "")],
            actor=world.secretary_a,
        )
    assert session.attendances.get().status == Attendance.Status.PENDING


def test_it_checks_a_member_in_with_the_session_qr_code(world):
    session = make_session(world.unit_a, starts_at=START)
    with time_machine.travel(START - dt.timedelta(minutes=10), tick=False):
        token = services.checkin_token(session)
        row = services.check_in(session, token, user=world.member)
        assert (row.status, row.method) == (Attendance.Status.PRESENT, Attendance.Method.QR)
        with pytest.raises(ValidationError, match="无需重复签到"):
            services.check_in(session, token, user=world.member)


def test_it_refuses_a_code_from_another_session(world):
    session = make_session(world.unit_a, starts_at=START)
    other = make_session(world.unit_a, starts_at=START + dt.timedelta(days=7))
    with time_machine.travel(START, tick=False), pytest.raises(ValidationError, match="不属于本次学习会"):
        services.check_in(session, services.checkin_token(other), user=world.member)


def test_it_refuses_a_forged_or_tampered_code(world):
    session = make_session(world.unit_a, starts_at=START)
    with time_machine.travel(START, tick=False), pytest.raises(ValidationError, match="签到码无效"):
        services.check_in(session, services.checkin_token(session) + "x", user=world.member)


def test_it_lets_the_code_expire_with_the_session(world):
    session = make_session(world.unit_a, starts_at=START)
    with (
        time_machine.travel(START - dt.timedelta(hours=2), tick=False),
        pytest.raises(ValidationError, match="尚未开始"),
    ):
        services.check_in(session, services.checkin_token(session), user=world.member)
    with (
        time_machine.travel(session.ends_at + dt.timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError, match="学习会已结束，签到码已过期"),
    ):
        services.check_in(session, services.checkin_token(session), user=world.member)


def test_it_refuses_a_check_in_after_attendance_was_closed(world):
    session = make_session(world.unit_a, starts_at=START)
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        token = services.checkin_token(session)
        services.close_attendance(session, actor=world.secretary_a)
        with pytest.raises(ValidationError, match="签到已结束"):
            services.check_in(session, token, user=world.member)
        with pytest.raises(ValidationError, match="不能重复确认"):
            services.close_attendance(session, actor=world.secretary_a)


def test_it_invalidates_old_codes_when_the_session_is_rescheduled(world):
    session = make_session(world.unit_a, starts_at=START)
    old_nonce = session.checkin_nonce
    new_start = START + dt.timedelta(days=1)
    services.reschedule_session(
        session, actor=world.secretary_a, starts_at=new_start, ends_at=new_start + dt.timedelta(hours=2), reason="冲突"
    )
    session.refresh_from_db()
    assert session.checkin_nonce != old_nonce
    with time_machine.travel(new_start, tick=False):
        session.checkin_nonce = old_nonce  # the screen of a page opened before the reschedule
        old = services.checkin_token(session)
        session.refresh_from_db()
        with pytest.raises(ValidationError, match="签到码无效或不属于本次学习会"):
            services.check_in(session, old, user=world.member)
        services.check_in(session, services.checkin_token(session), user=world.member)


def test_it_refuses_a_check_in_by_someone_not_expected(world):
    person = make_person("旁听者", world.unit_a)
    user = make_user("visitor", person=person)
    session = make_session(world.unit_a, starts_at=START)
    with time_machine.travel(START, tick=False), pytest.raises(ValidationError, match="不在本次学习会的应到人员名单中"):
        services.check_in(session, services.checkin_token(session), user=user)


def test_it_lets_the_secretary_correct_attendance_by_hand_after_closing_with_history(world):
    session = make_session(world.unit_a, starts_at=START)
    with time_machine.travel(START + dt.timedelta(hours=3), tick=False):
        services.close_attendance(session, actor=world.secretary_a)
    row = session.attendances.get()
    assert row.status == Attendance.Status.ABSENT
    services.record_attendance(session, row.person, actor=world.secretary_a, status="present")
    history = list(Attendance.history.filter(id=row.pk).order_by("history_id"))
    assert [h.status for h in history] == ["pending", "absent", "present"]
    assert history[-1].history_user == world.secretary_a
    assert StudySession.objects.get(pk=session.pk).status == StudySession.Status.HELD
