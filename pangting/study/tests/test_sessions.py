"""Scheduling, rescheduling, submissions and uploads of study sessions (R-S4 … R-S11, R-S14)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from pangting.core import parameters
from pangting.core.system import system_actor
from pangting.orgs.models import OrganizationKind
from pangting.study import services
from pangting.study.models import AgendaItem, Attachment, Attendance, SessionKind, StudySession
from pangting.study.tests.builders import at, make_session
from pangting.tests.builders import make_org

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 10, 0)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_refuses_a_session_ending_before_it_starts_in_chinese(world):
    with pytest.raises(ValidationError) as error:
        make_session(world.unit_a, starts_at=at(2026, 11, 25), hours=-1)
    assert "结束时间不能早于或等于开始时间" in str(error.value)
    assert not StudySession.objects.exists()


def test_it_saves_nothing_when_an_agenda_item_is_invalid(world):
    with pytest.raises(ValidationError) as error:
        make_session(world.unit_a, agenda=[{"kind": "party", "title": "联欢"}])
    assert "议程的类型" in str(error.value)
    assert not StudySession.all_objects.exists()
    assert not Attendance.objects.exists()


def test_it_numbers_sessions_per_year_and_lists_the_expected_members(world):
    first = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    second = make_session(world.unit_a, starts_at=at(2026, 12, 2))
    assert (first.sequence, second.sequence) == (1, 2)
    # R-S3: the group's leader, deputies and members are expected; the study secretary keeps the record.
    assert [a.person for a in first.attendances.all()] == [world.member_person]


def test_it_computes_and_stores_the_r_s10_deadlines_in_calendar_days(world):
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    assert session.arrangement_due == dt.date(2026, 11, 23)
    assert session.report_due == dt.date(2026, 11, 27)
    assert session.arrangement_due_basis["unit"] == "calendar"
    assert session.report_due_basis["from"] == "2026-11-25"


@override_settings(PANGTING_RULE_PARAMETERS={"R-S10": {"arrangement_days_before": 3, "arrangement_unit": "working"}})
def test_it_takes_the_deadline_numbers_and_units_from_the_deployment_settings(world):
    # 2026-11-25 is a Wednesday: 3 working days before is Friday 2026-11-20.
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    assert session.arrangement_due == dt.date(2026, 11, 20)
    assert session.arrangement_due_basis["unit"] == "working"


def test_it_lets_an_administrator_override_a_parameter_in_the_database(world):
    parameters.set_value("R-S10", "report_days_after", "5", actor=world.supervisor)
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    assert session.report_due == dt.date(2026, 11, 30)


def test_it_refuses_a_parameter_value_that_makes_no_sense(db):
    with pytest.raises(ValidationError):
        parameters.set_value("R-S3", "min_rate", "两成", actor=None)


def test_it_refuses_three_meetings_and_one_lecture_at_a_unit_that_is_not_a_branch(world):
    with pytest.raises(ValidationError) as error:
        make_session(world.unit_a, kind=SessionKind.BRANCH_COMMITTEE)
    assert "党支部" in str(error.value)
    session = make_session(world.branch_a, kind=SessionKind.BRANCH_COMMITTEE)
    assert session.group is None


def test_it_refuses_a_center_group_session_where_no_center_group_exists(world):
    org = make_org("丙学院党委", world.root, kind=OrganizationKind.PARTY_COMMITTEE)
    with pytest.raises(ValidationError, match="尚未建立理论学习中心组"):
        make_session(org)


def test_it_changes_the_time_only_through_a_reschedule_with_a_reason(world):
    # R-S11
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    with pytest.raises(ValidationError, match="改期"):
        services.update_session(session, actor=world.secretary_a, starts_at=at(2026, 11, 26))
    with pytest.raises(ValidationError, match="改期原因"):
        services.reschedule_session(
            session, actor=world.secretary_a, starts_at=at(2026, 11, 26), ends_at=at(2026, 11, 26, 16), reason=" "
        )
    services.reschedule_session(
        session, actor=world.secretary_a, starts_at=at(2026, 11, 26), ends_at=at(2026, 11, 26, 16), reason="书记出差"
    )
    services.reschedule_session(
        session, actor=world.secretary_a, starts_at=at(2026, 12, 3), ends_at=at(2026, 12, 3, 16), reason="上级会议冲突"
    )
    session.refresh_from_db()
    assert [r.reason for r in session.reschedules.all()] == ["书记出差", "上级会议冲突"]
    assert session.arrangement_due == dt.date(2026, 12, 1)
    facts = services.session_facts(session)
    assert facts.reschedule_count == 2
    assert "已改期2次（R-S11）" in facts.problems


def test_it_keeps_written_speech_material_and_flags_speakers_without_it(world):
    # R-S6
    session = make_session(
        world.unit_a,
        speakers=[
            {"person": world.member_person, "outline": "结合分管工作谈体会", "written_text": "全文……" * 100},
            {"speaker_name": "外单位同志", "post": "处长", "outline": "交流"},
            {"speaker_name": "另一同志", "post": "科长", "outline": "交流", "written_text": "太短"},
        ],
    )
    facts = services.session_facts(session)
    # A text shorter than the configured minimum (300 characters) is not written material.
    assert (facts.written_speech_count, facts.speech_count) == (1, 3)
    assert "2名发言人无书面发言材料（R-S6）" in facts.problems


def test_it_needs_vetting_for_an_invited_lecturer(world):
    # R-S9
    session = make_session(world.unit_a, lecturer_name="李教授", lecturer_post="省委党校")
    assert session.lecturer_vetting == StudySession.Vetting.PENDING
    assert services.session_facts(session).lecturer_vetting_pending
    # The unit's own secretary may not vet his own lecturer; the supervisor, outside the unit, may.
    with pytest.raises(ValidationError, match="本单位不能自行审核"):
        services.vet_lecturer(session, actor=world.secretary_a, approved=True, note="内容已审")
    with pytest.raises(ValidationError, match="请填写审核意见"):
        services.vet_lecturer(session, actor=world.supervisor, approved=False)
    services.vet_lecturer(session, actor=world.supervisor, approved=True, note="内容已审")
    assert not services.session_facts(session).lecturer_vetting_pending
    assert session.vetted_by == world.supervisor and session.vetted_at is not None


def test_it_marks_a_session_without_the_first_agenda_item(world):
    # R-S4
    session = make_session(world.unit_a, agenda=[{"kind": AgendaItem.Kind.THEORY, "title": "学习党章"}])
    facts = services.session_facts(session)
    assert not facts.has_first_agenda_item
    assert "未安排“第一议题”（R-S4）" in facts.problems


def test_it_accepts_a_pdf_and_refuses_oversized_wrong_type_or_disguised_uploads(world, settings, tmp_path):
    # R-S14 archive; bad uploads leave nothing behind.
    settings.MEDIA_ROOT = tmp_path
    session = make_session(world.unit_a)
    ok = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    services.add_attachment(session, ok, actor=world.secretary_a, kind=Attachment.Kind.MINUTES)
    with pytest.raises(ValidationError, match="不支持的文件类型“exe”"):
        services.add_attachment(session, SimpleUploadedFile("a.exe", b"MZ..."), actor=system_actor(), kind="minutes")
    with pytest.raises(ValidationError, match="内容与扩展名"):
        services.add_attachment(
            session, SimpleUploadedFile("b.pdf", b"MZ not a pdf"), actor=system_actor(), kind="minutes"
        )
    settings.PANGTING_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("c.pdf", b"%PDF" + b"0" * (1024 * 1024 + 10))
    with pytest.raises(ValidationError, match="超过上限1 MB"):
        services.add_attachment(session, big, actor=system_actor(), kind="minutes")
    assert [a.original_name for a in session.attachments.all()] == ["纪要.pdf"]
