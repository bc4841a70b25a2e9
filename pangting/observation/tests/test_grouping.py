"""R-O24 standing grouping table (分组表) and R-O18 observers' own scores on the record."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from pangting.observation import services
from pangting.observation.models import ObserverScore, StandingTeam, TeamMember
from pangting.observation.services import grouping
from pangting.observation.tests.scenes import FINDINGS, SCORES, planned, travel, walk
from pangting.tests.builders import make_person


def _team(w, **fields):
    fields.setdefault("supervisor_org", w.root)
    fields.setdefault("year", 2026)
    fields.setdefault("semester", None)
    fields.setdefault("name", "第一小组")
    fields.setdefault("leader", w.leader_person)
    fields.setdefault("units", [w.unit_a])
    return grouping.save_standing_team(actor=w.supervisor, **fields)


def test_it_gives_a_new_visit_the_standing_team_of_the_grouping_table(world):
    """R-O24: the visit takes leader and members from the table, and the unit's liaison."""
    observer = make_person("孙组员", world.root)
    team = _team(world, members=[observer])
    with travel("2026-09-25"):
        visit = planned(world)
    roles = {m.person.name: m.role for m in visit.team()}
    assert roles == {"王校领导": TeamMember.Role.LEADER, "孙组员": TeamMember.Role.MEMBER, "李联络": "liaison"}
    assert visit.standing_team == team


def test_a_visit_of_an_uncovered_unit_keeps_the_linked_leader_and_no_group(world):
    _team(world, units=[world.unit_b])
    with travel("2026-09-25"):
        visit = planned(world)
    assert [m.person for m in visit.team() if m.role == TeamMember.Role.LEADER] == [world.leader_person]
    assert visit.standing_team is None


def test_a_semester_team_wins_over_the_whole_year_team(world):
    other_leader = make_person("钱校领导", world.root)
    _team(world, name="全年组")
    semester_team = _team(world, name="下半年组", semester=2, leader=other_leader, units=[world.unit_a])
    assert grouping.standing_team_for(world.unit_a, 2026, 2) == semester_team
    assert grouping.standing_team_for(world.unit_a, 2026, 1).name == "全年组"


def test_it_refuses_a_unit_covered_twice_and_a_member_of_the_covered_unit(world):
    _team(world)
    with pytest.raises(ValidationError) as error:
        _team(world, name="第二小组", leader=make_person("吴校领导", world.root))
    assert "已由第一小组联系" in " ".join(error.value.messages)
    with pytest.raises(ValidationError) as error:
        _team(world, name="第三小组", units=[world.unit_b], members=[world.secretary_b_person])
    assert "不能联系本单位" in " ".join(error.value.messages)


def test_only_a_supervisor_edits_the_table(world):
    with pytest.raises(ValidationError):
        grouping.save_standing_team(
            actor=world.secretary_a, supervisor_org=world.root, year=2026, semester=None, name="x",
            leader=world.leader_person, units=[world.unit_a],
        )  # fmt: skip


def test_it_keeps_the_history_of_adjustments(world):
    """R-O24: moving a unit to another team leaves the old link in history (soft delete)."""
    team = _team(world)
    grouping.save_standing_team(
        actor=world.supervisor, supervisor_org=world.root, year=2026, semester=None, name="第一小组",
        leader=world.leader_person, units=[world.unit_b], team=team,
    )  # fmt: skip
    links = team.covered.model.all_objects.filter(team=team)
    assert {(link.unit_id, link.deleted_at is None) for link in links} == {
        (world.unit_a.pk, False),
        (world.unit_b.pk, True),
    }
    assert team.history.count() == 2


def test_it_exports_the_table_to_excel(world):
    _team(world, members=[make_person("孙组员", world.root)])
    data = grouping.grouping_workbook(StandingTeam.objects.all(), "2026年分组表")
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("小组名称", "时期", "组长")
    assert rows[1][0] == "第一小组" and rows[1][3] == "孙组员" and "甲学院" in rows[1][4]


def test_observers_may_give_their_own_scores_on_the_record(world):
    """R-O18: a team member's own composite score is kept besides the team's; blank removes it."""
    visit = walk(world, "observed")
    with travel("2026-10-02"):
        services.save_record(
            visit, actor=world.liaison, data=FINDINGS, scores=SCORES,
            observer_scores={world.leader_person.pk: "86.5"},
        )  # fmt: skip
    assert [str(s.score) for s in ObserverScore.objects.filter(record__visit=visit)] == ["86.5"]
    with travel("2026-10-02"):
        services.save_record(
            visit, actor=world.liaison, data=FINDINGS, scores=SCORES, observer_scores={world.leader_person.pk: ""}
        )
    assert not ObserverScore.objects.filter(record__visit=visit).exists()


@pytest.mark.parametrize("raw", ["101", "abc", "80.25"])
def test_it_refuses_a_bad_observer_score(world, raw):
    visit = walk(world, "observed")
    with travel("2026-10-02"), pytest.raises(ValidationError):
        services.save_record(
            visit, actor=world.liaison, data=FINDINGS, scores=SCORES, observer_scores={world.leader_person.pk: raw}
        )


def test_it_refuses_a_score_of_someone_not_on_the_team(world):
    visit = walk(world, "observed")
    with travel("2026-10-02"), pytest.raises(ValidationError):
        services.save_record(
            visit, actor=world.liaison, data=FINDINGS, scores=SCORES, observer_scores={world.member_b_person.pk: "80"}
        )


def test_the_record_form_posts_observer_scores(world, client_for):
    """The record form (and so the offline script, which sends every form field) carries them."""
    visit = walk(world, "observed")
    client = client_for(world.liaison)
    with travel("2026-10-02"):
        page = client.get(f"/observation/{visit.pk}/record/")
        assert f'name="observer_{world.leader_person.pk}"' in page.content.decode()
        assert f'name="observer_{world.liaison_person.pk}"' not in page.content.decode()  # the liaison is no observer
        response = client.post(
            f"/observation/{visit.pk}/record/",
            {**FINDINGS, **{f"score_{k}": v for k, v in SCORES.items()}, f"observer_{world.leader_person.pk}": "88",
             "version": "0", "submission_key": "6f1c1b43-54a1-4c67-9b9e-1c2f7d8e9a10", "save": "1"},
        )  # fmt: skip
    assert response.status_code == 302
    assert ObserverScore.objects.get(record__visit=visit).score == 88


def test_the_supervisor_edits_and_exports_the_table_in_the_browser(world, client_for):
    """R-O24 pages: add a team, see it in the table, download the Excel ledger."""
    client = client_for(world.supervisor)
    response = client.post(
        "/observation/grouping/new/",
        {"supervisor_org": world.root.pk, "year": 2026, "semester": "", "name": "第一小组",
         "leader": world.leader_person.pk, "units": [world.unit_a.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get("/observation/grouping/?year=2026").content.decode()
    assert "第一小组" in page and "甲学院党委" in page
    export = client.get("/observation/grouping.xlsx?year=2026")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_bad_team_form_says_why_in_chinese(world, client_for):
    _team(world)
    response = client_for(world.supervisor).post(
        "/observation/grouping/new/",
        {"supervisor_org": world.root.pk, "year": 2026, "semester": "", "name": "第二小组",
         "leader": world.leader_person.pk, "units": [world.unit_a.pk]},
    )  # fmt: skip
    assert response.status_code == 200 and "同一时期一个单位只能由一个小组联系" in response.content.decode()


def test_the_offline_sending_channel_carries_observer_scores(world, client_for):
    """R-O18 with the offline record script (it sends every form field to record_sync)."""
    visit = walk(world, "observed")
    data = {**FINDINGS, **{f"score_{k}": v for k, v in SCORES.items()}, f"observer_{world.leader_person.pk}": "120",
            "version": "0", "submission_key": "0b7e5c52-5d1e-4f0e-8a43-3c3c6c8f4b21", "intent": "save"}  # fmt: skip
    client = client_for(world.liaison)
    with travel("2026-10-02"):
        refused = client.post(f"/observation/{visit.pk}/record/sync/", data)
        assert refused.status_code == 400 and "个人综合评分" in " ".join(refused.json()["errors"])
        sent = client.post(
            f"/observation/{visit.pk}/record/sync/", {**data, f"observer_{world.leader_person.pk}": "91"}
        )
    assert sent.json()["status"] == "sent"
    assert ObserverScore.objects.get(record__visit=visit).score == 91


def test_the_team_form_searches_its_leader_members_and_units_and_takes_typed_names(world, client_for):
    """Issue 15: no <select> of every person and unit the level manages; without JavaScript the
    leader, the members and the units are typed (several separated by 、), a namesake refused."""
    client = client_for(world.supervisor)
    page = client.get("/observation/grouping/new/").content.decode()
    for name in ("leader", "members", "units"):
        assert f'name="{name}_text"' in page and f'<select name="{name}"' not in page, name
    assert "陈成员" not in page and "乙学院党委" not in page
    body = {"supervisor_org": world.root.pk, "year": 2026, "semester": "", "name": "第一小组"}
    typed = {"leader_text": "王校领导", "members_text": "赵秘书、周成员", "units_text": "UA"}
    assert client.post("/observation/grouping/new/", {**body, **typed}).status_code == 302
    team = StandingTeam.objects.get(name="第一小组")
    assert team.leader == world.leader_person
    assert {m.person for m in team.members.all()} == {world.secretary_b_person, world.member_b_person}
    assert [link.unit for link in team.covered.all()] == [world.unit_a]
    edit = client.get(f"/observation/grouping/{team.pk}/").content.decode()
    assert f'type="checkbox" name="members" value="{world.member_b_person.pk}" checked' in edit
    make_person("赵秘书", world.root, post="干事")
    again = client.post("/observation/grouping/new/", {**body, **typed, "name": "第二小组", "units_text": "UB"})
    assert "有多名人员与“赵秘书”相符，请从搜索结果中选择，或输入工号。" in again.content.decode()
    assert not StandingTeam.objects.filter(name="第二小组").exists()
