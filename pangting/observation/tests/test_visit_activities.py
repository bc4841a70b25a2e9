"""What the team does at a visit, recorded and shown everywhere (R-O5, R-O6, R-O19), and the
visit's history shown to everyone who may see it."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from rest_framework.test import APIClient

from pangting.observation import documents, services
from pangting.observation.activities import activities_of
from pangting.observation.models import ObservationRecord, SpotQuestion, State, TeamMember
from pangting.observation.yearfile import build_year_file

from .scenes import travel, walk

pytestmark = pytest.mark.django_db


def places(visit) -> dict[str, TeamMember]:
    return {m.person.name: m for m in visit.team()}


def action(visit, name: str) -> str:
    return reverse("observation:visit_action", args=[visit.pk, name])


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_marking_observed_records_who_of_the_team_was_there_r_o5(world):
    visit = walk(world, State.SCHEDULED)
    team = places(visit)
    with travel("2026-09-30", "17:00"):
        visit = services.mark_observed(visit, actor=world.liaison, attendees=[team["李联络"].pk])
    team = places(visit)
    assert team["李联络"].attended is True and team["王校领导"].attended is False
    reason = visit.transitions.last().reason
    assert "到场 李联络" in reason and "缺席 王校领导" in reason


def test_marking_observed_without_a_list_takes_the_whole_team_as_present_r_o5(world):
    visit = walk(world, State.OBSERVED)
    assert all(m.attended for m in visit.team())


@pytest.mark.parametrize("attendees", [[], ["x"], [999999]])
def test_it_refuses_an_observation_nobody_of_the_team_attended_or_a_stranger_r_o5(world, attendees):
    visit = walk(world, State.SCHEDULED)
    with travel("2026-09-30", "17:00"), pytest.raises(ValidationError):
        services.mark_observed(visit, actor=world.liaison, attendees=attendees)
    visit.refresh_from_db()
    assert visit.state == State.SCHEDULED  # nothing changed
    assert all(m.attended is None for m in visit.team())


def test_permission_comes_before_the_attendance_check_r_o5(world):
    visit = walk(world, State.SCHEDULED)
    with travel("2026-09-30", "17:00"), pytest.raises(Http404):
        services.mark_observed(visit, actor=world.secretary_b, attendees=[])


def test_the_page_ticks_the_team_and_records_the_attendance_r_o5(world, client_for):
    visit = walk(world, State.SCHEDULED)
    client = client_for(world.liaison)
    with travel("2026-09-30", "17:00"):
        page = client.get(f"/observation/{visit.pk}/").content.decode()
        assert 'data-testid="observed-form"' in page and page.count('type="checkbox" name="attendees"') == 2
        leader = places(visit)["王校领导"]
        client.post(action(visit, "observed"), {"version": visit.version, "attendees": [leader.pk]})
        page = client.get(f"/observation/{visit.pk}/").content.decode()  # the same day
    visit.refresh_from_db()
    assert visit.state == State.OBSERVED
    assert places(visit)["李联络"].attended is False
    assert "缺席" in page and "到场" in page


def test_the_api_step_takes_the_attendees_and_shows_them_r_o5(world):
    visit = walk(world, State.SCHEDULED)
    leader = places(visit)["王校领导"]
    with travel("2026-09-30", "17:00"):
        answer = api(world.liaison).post(
            f"/api/v1/observation/visits/{visit.pk}/mark_observed/",
            {"version": visit.version, "attendees": [leader.pk]},
            format="json",
        )
    assert answer.status_code == 200, answer.content
    attended = {m["person_name"]: m["attended"] for m in answer.json()["team"]}
    assert attended == {"王校领导": True, "李联络": False}
    refused = api(world.liaison).post(
        f"/api/v1/observation/visits/{visit.pk}/mark_observed/", {"attendees": ["x"]}, format="json"
    )
    assert refused.status_code == 400


def add_all(world, visit):
    with travel("2026-10-01"):
        services.add_talk(visit, actor=world.liaison, person_name="陈成员", person_role="副院长", method="phone",
                          held_on="2026-10-01", notes="谈学习体会。")  # fmt: skip
        services.add_document_review(visit, actor=world.liaison, kind="attendance", notes="考勤齐全。")
        services.add_forum(visit, actor=world.liaison, held_on="2026-10-01", topic="青年教师理论学习座谈",
                           participants="青年教师8人", notes="发言踊跃。")  # fmt: skip
        services.add_on_site_comment(visit, actor=world.liaison, commenter="王校领导", content="研讨联系实际较好。")
        services.add_spot_question(
            visit, actor=world.liaison, question="“两个确立”的决定性意义是什么？", answered_by="陈成员",
            answer="回答要点完整。", result=SpotQuestion.Result.GOOD,
        )  # fmt: skip


def test_forums_comments_and_spot_questions_are_recorded_as_parts_of_the_visit_r_o19(world):
    visit = walk(world, State.RECORDED)
    add_all(world, visit)
    kinds = [a.kind for a in activities_of(visit)]
    assert kinds == ["个别谈话", "调阅资料", "专题座谈", "现场点评", "理论问题抽查"]  # R-O6, R-O19
    question = SpotQuestion.objects.get(visit=visit)
    assert question.history.count() == 1  # kept with history like every record


@pytest.mark.parametrize(
    ("service", "fields", "field"),
    [
        ("add_forum", {"held_on": "2026-10-01", "topic": " "}, "topic"),
        ("add_on_site_comment", {"commenter": "王校领导", "content": ""}, "content"),
        ("add_spot_question", {"question": "", "answered_by": "陈成员", "result": "good"}, "question"),
        ("add_spot_question", {"question": "问题", "answered_by": "陈成员", "result": "perfect"}, "result"),
    ],
)
def test_it_refuses_an_incomplete_activity_with_a_message_on_its_field_r_o19(world, service, fields, field):
    visit = walk(world, State.OBSERVED)
    with pytest.raises(ValidationError) as refused:
        getattr(services, service)(visit, actor=world.liaison, **fields)
    assert field in refused.value.message_dict


def test_no_forum_before_the_session_r_o19(world):
    visit = walk(world, State.NOTIFIED)
    with pytest.raises(ValidationError, match="学习会召开后"):
        services.add_forum(visit, actor=world.liaison, held_on="2026-09-29", topic="座谈")


def test_the_page_adds_and_shows_each_kind_r_o19(world, client_for):
    visit = walk(world, State.OBSERVED)
    client = client_for(world.liaison)
    question = {"question": "什么是“第一议题”制度？", "answered_by": "陈成员", "answer": "", "result": "poor"}
    client.post(action(visit, "question"), question)
    client.post(action(visit, "comment"), {"commenter": "王校领导", "content": ""})  # refused
    page = client.get(f"/observation/{visit.pk}/").content.decode()
    assert "什么是“第一议题”制度？" in page and "未能回答" in page
    assert "点评内容：该字段是必填项。" in page  # which field, in Chinese
    assert client.get(f"/observation/{visit.pk}/", follow=True).status_code == 200
    # Someone who may not record at the unit adds nothing.
    client_for(world.secretary_b).post(
        f"/observation/{visit.pk}/action/forum/", {"held_on": "2026-10-01", "topic": "x"}
    )
    assert not visit.forums.exists()


def test_the_record_form_year_file_and_ledger_carry_them_r_o6_r_o19(world, client_for):
    visit = walk(world, State.CLOSED)
    add_all(world, visit)
    record = ObservationRecord.objects.get(visit=visit)
    document = docx.Document(io.BytesIO(documents.record_form(record)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "专题座谈" in cells and "理论问题抽查" in cells
    assert any("“两个确立”的决定性意义是什么？" in c and "（回答准确）" in c for c in cells)
    assert any(p.text.startswith("到场成员：") for p in document.paragraphs)  # R-O5

    archive = zipfile.ZipFile(build_year_file(world.supervisor, 2026))
    name = next(n for n in archive.namelist() if "谈话调阅座谈点评抽查" in n)
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read(name))).active
    kinds = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert kinds == ["个别谈话", "调阅资料", "专题座谈", "现场点评", "理论问题抽查"]

    answer = client_for(world.supervisor).get(reverse("reports:ledger_export"), {"kind": "visits", "year": "2026"})
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content))).worksheets[0]
    header, *data = [list(r) for r in sheet.iter_rows(values_only=True)]
    row = dict(zip(header, next(r for r in data if r[header.index("单位")] == visit.unit.name), strict=True))
    assert "两个确立" in row["理论问题抽查"] and "青年教师理论学习座谈" in row["专题座谈"]
    assert row["到场成员"] == "王校领导、李联络" and row["缺席成员"] is None  # R-O5


def test_everyone_who_may_see_the_visit_sees_its_history_with_phones_masked(world, client_for):
    visit = walk(world, State.RECORDED)
    record = ObservationRecord.objects.get(visit=visit)
    with travel("2026-10-03"):
        record.problems = "请联系13912345678核对。"
        record._history_user = world.liaison
        record.save()
    for user in (world.supervisor, world.secretary_a, world.liaison):
        page = client_for(user).get(f"/observation/{visit.pk}/").content.decode()
        assert 'data-testid="history"' in page, user
        assert "139****5678" in page and "13912345678" not in page
        assert "存在问题" in page and "成果转化不够。" in page  # the field by its label, old → new
    assert client_for(world.secretary_b).get(f"/observation/{visit.pk}/").status_code == 404
