"""Excel import and export of the directory (组织、人员、中心组成员、领导联系单位、联络员).

The issue: import is all-or-nothing with every error listed in Chinese by sheet, row and
field; records are matched by 编码 and 工号 so re-import is idempotent; export has the template's
shape, holds only what the user may see, and masks phones outside PERSON_PHONE.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import openpyxl
from django.urls import reverse

from pangting.accounts.models import Role
from pangting.core.models import AuditEvent
from pangting.orgs import transfer
from pangting.orgs.models import (
    LeaderLink,
    LiaisonAssignment,
    Organization,
    Person,
    StudyGroup,
    StudyGroupMember,
)
from pangting.tests.builders import make_user
from pangting.workdays.models import CalendarYear

RECORDS = [Organization, Person, StudyGroup, StudyGroupMember, LeaderLink, LiaisonAssignment]


def snapshot() -> dict[str, tuple[int, int]]:
    """Rows and history rows of every directory table: equal before and after = nothing written."""
    return {m.__name__: (m.all_objects.count(), m.history.count()) for m in RECORDS}


def book(sheets: dict[str, list[list[Any]]], *, leave_out: tuple[str, ...] = ()) -> bytes:
    """A workbook in the template's shape, with `sheets` (title → data rows) filled in."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in transfer.DATA_SHEETS:
        if spec.title in leave_out:
            continue
        ws = wb.create_sheet(spec.title)
        ws.append(spec.headers)
        for row in sheets.get(spec.title, []):
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_back(data: bytes) -> dict[str, list[list[Any]]]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def messages(result: transfer.ImportResult) -> str:
    return "\n".join(str(p) for p in result.problems)


def good_sheets(world: Any) -> dict[str, list[list[Any]]]:
    """A new college with a branch defined before its parent, people, group, leader and liaison."""
    return {
        "组织": [
            ["XY1", "丙学院第一党支部", "", "党支部", "XY", "是"],
            ["XY", "中共丙学院委员会", "丙学院党委", "党委", "ROOT", "否"],
        ],
        "人员": [
            ["C001", "孙书记", "XY", "党委书记", "13900000001", "sun@example.edu.cn", "否"],
            ["C002", "钱秘书", "XY", "组织员", "0577-88888888", "", "否"],
            ["", "吴党员", "XY1", "", "", "", ""],
        ],
        "中心组成员": [["XY", "C001", "组长", ""], ["XY", "C002", "学习秘书", "学习秘书"]],
        "领导联系单位": [[world.leader_person.staff_no, "XY", dt.date(2025, 9, 1)]],
        "联络员": [["C002", "XY", "2025-09-01"]],
    }


# ---------------------------------------------------------------------------------------
# A good workbook
# ---------------------------------------------------------------------------------------


def test_it_imports_a_good_workbook_through_the_services_with_history_and_actor(world):
    result = transfer.import_workbook(book(good_sheets(world)), actor=world.supervisor)

    assert result.ok, messages(result)
    college, branch = Organization.objects.get(code="XY"), Organization.objects.get(code="XY1")
    assert branch.parent == college and college.parent == world.root
    assert branch.path.startswith(college.path) and branch.depth == 2 and branch.has_party_groups
    assert Person.objects.get(staff_no="C002").phone == "0577-88888888"
    assert Person.objects.filter(name="吴党员", organization=branch).exists()
    group = StudyGroup.objects.get(organization=college)
    assert {(m.person.staff_no, m.role) for m in group.current_members()} == {("C001", "leader"), ("C002", "secretary")}
    assert LeaderLink.objects.current().filter(leader=world.leader_person, unit=college).exists()
    assert LiaisonAssignment.objects.current().get(unit=college).liaison.staff_no == "C002"
    # History rows carry the importer as actor (nothing lost, house style §2).
    for model, lookup in [
        (Organization, {"code": "XY1"}),
        (Person, {"staff_no": "C001"}),
        (StudyGroupMember, {"group": group}),
        (LeaderLink, {"unit": college}),
        (LiaisonAssignment, {"unit": college}),
    ]:
        assert model.history.filter(**lookup, history_user=world.supervisor).exists(), model
    tally = result.tallies
    assert (tally["组织"].created, tally["人员"].created, tally["中心组成员"].created) == (2, 3, 2)
    assert AuditEvent.objects.filter(action="directory.import", actor=world.supervisor).exists()


def test_it_updates_existing_records_matched_by_code_and_staff_no(world):
    staff_no = world.member_person.staff_no
    sheets = {
        "组织": [["UA", "甲学院党委", "甲院", "党委", "ROOT", "否"]],
        "人员": [[staff_no, "陈成员", "UA", "院长", "13800000099", "", "否"]],
        "中心组成员": [["UA", staff_no, "成员", "院长"]],
        "联络员": [[world.secretary_a_person.staff_no, "UA", "2025-09-01"]],
    }
    result = transfer.import_workbook(book(sheets), actor=world.supervisor)

    assert result.ok, messages(result)
    assert Organization.objects.get(code="UA").short_name == "甲院"
    world.member_person.refresh_from_db()
    assert (world.member_person.post, world.member_person.phone) == ("院长", "13800000099")
    assert world.group_a.current_members().get(person=world.member_person).post == "院长"
    assert [(t.updated, t.created) for t in list(result.tallies.values())[:3]] == [(1, 0), (1, 0), (1, 0)]
    # A new liaison takes over from the start date; the previous one ends the day before (R-O17).
    previous = LiaisonAssignment.objects.get(liaison=world.liaison_person, unit=world.unit_a)
    assert previous.valid_until == dt.date(2025, 8, 31)
    assert LiaisonAssignment.objects.current().get(unit=world.unit_a).liaison == world.secretary_a_person


def test_it_moves_an_existing_organization_under_one_defined_later_in_the_file(world):
    """Parents may come later in the sheet: organizations are written parents first."""
    sheets = {
        "组织": [["UA1", "甲学院第一党支部", "", "党支部", "NEW", "否"], ["NEW", "新党总支", "", "党总支", "UA", "否"]]
    }
    result = transfer.import_workbook(book(sheets), actor=world.supervisor)

    assert result.ok, messages(result)
    world.branch_a.refresh_from_db()
    assert world.branch_a.parent.code == "NEW" and world.branch_a.depth == 3


def test_it_is_idempotent_when_the_same_workbook_is_imported_again(world):
    data = book(good_sheets(world))
    assert transfer.import_workbook(data, actor=world.supervisor).ok
    before = snapshot()

    again = transfer.import_workbook(data, actor=world.supervisor)

    assert again.ok and not again.changed, messages(again)
    assert snapshot() == before


# ---------------------------------------------------------------------------------------
# Bad input: every case names sheet, row and field, and leaves the database unchanged
# ---------------------------------------------------------------------------------------

GOOD_ORG = ["OK1", "一个本应导入的组织", "", "党委", "ROOT", "否"]

BadCase = Callable[[Any], tuple[dict[str, list[list[Any]]], str]]
BAD_CASES: dict[str, BadCase] = {
    "unknown organization code": lambda w: (
        {"人员": [["N1", "某人", "ZZ", "", "", "", "否"]]},
        "人员 第2行 所在组织编码：找不到编码为“ZZ”的组织",
    ),
    "unknown parent code": lambda w: (
        {"组织": [["N1", "某组织", "", "党委", "ZZ", "否"]]},
        "组织 第3行 上级组织编码：找不到编码为“ZZ”的组织",
    ),
    "unknown person staff number": lambda w: (
        {"中心组成员": [["UA", "NOBODY", "成员", ""]]},
        "中心组成员 第2行 工号：找不到工号为“NOBODY”的人员",
    ),
    "duplicate code in the file": lambda w: (
        {"组织": [["D1", "甲", "", "党委", "ROOT", "否"], ["D1", "乙", "", "党委", "ROOT", "否"]]},
        "组织 第4行 编码：“D1”与第3行重复。",
    ),
    "duplicate staff number in the file": lambda w: (
        {"人员": [["S1", "甲", "UA", "", "", "", "否"], ["S1", "乙", "UA", "", "", "", "否"]]},
        "人员 第3行 工号：“S1”与第2行重复。",
    ),
    "same name in the same organization without staff number": lambda w: (
        {"人员": [["", "刘一", "UA", "", "", "", "否"], ["", "刘一", "UA", "", "", "", "否"]]},
        "人员 第3行 姓名：与第2行重复：同一组织中有同名人员“刘一”且未填写工号",
    ),
    "cycle within the file": lambda w: (
        {"组织": [["CA", "甲", "", "党委", "CB", "否"], ["CB", "乙", "", "党委", "CA", "否"]]},
        "组织 第3行 上级组织编码：上级组织“CB”会使组织树形成循环：CA → CB → CA。",
    ),
    "cycle formed with existing records": lambda w: (
        {"组织": [["UA", "甲学院党委", "", "党委", "UA1", "否"]]},
        "组织 第3行 上级组织编码：上级组织“UA1”会使组织树形成循环：UA → UA1 → UA。",
    ),
    "bad type label": lambda w: (
        {"组织": [["T1", "某组织", "", "党校", "ROOT", "否"]]},
        "组织 第3行 类型：“党校”不是有效的组织类型，应为党委、党组、党总支、党支部、党小组之一。",
    ),
    "bad phone number": lambda w: (
        {"人员": [["P1", "某人", "UA", "", "1234", "", "否"]]},
        "人员 第2行 联系电话：“1234”不是有效的电话号码。",
    ),
    "masked phone for a new person": lambda w: (
        {"人员": [["P1", "某人", "UA", "", "138****0001", "", "否"]]},
        "人员 第2行 联系电话：“138****0001”是隐去了部分数字的号码，请填写完整号码。",
    ),
    "bad email": lambda w: (
        {"人员": [["P1", "某人", "UA", "", "", "not-an-email", "否"]]},
        "人员 第2行 电子邮箱：“not-an-email”不是有效的电子邮箱地址。",
    ),
    "bad yes/no": lambda w: (
        {"人员": [["P1", "某人", "UA", "", "", "", "也许"]]},
        "人员 第2行 校领导：“也许”应填写“是”或“否”。",
    ),
    "bad date": lambda w: (
        {"领导联系单位": [[w.leader_person.staff_no, "UB", "2025-02-30"]]},
        "领导联系单位 第2行 起始日期：“2025-02-30”不是有效的日期",
    ),
    "date in an unknown calendar year": lambda w: (
        {"联络员": [[w.secretary_b_person.staff_no, "UB", dt.date(2099, 9, 1)]]},
        "联络员 第2行 起始日期：2099年的节假日安排尚未录入",
    ),
    "link to the top organization": lambda w: (
        {"领导联系单位": [[w.leader_person.staff_no, "ROOT", "2025-09-01"]]},
        "领导联系单位 第2行 单位编码：联系单位应为二级党组织或以下组织",
    ),
    "bad role": lambda w: (
        {"中心组成员": [["UA", w.member_person.staff_no, "顾问", ""]]},
        "中心组成员 第2行 组内角色：“顾问”不是有效的组内角色",
    ),
    "missing required name": lambda w: (
        {"人员": [["P1", "", "UA", "", "", "", "否"]]},
        "人员 第2行 姓名：此项必须填写。",
    ),
    "name too long": lambda w: (
        {"组织": [["L1", "长" * 101, "", "党委", "ROOT", "否"]]},
        "组织 第3行 名称：",
    ),
}


def test_it_refuses_each_bad_input_with_a_chinese_message_and_saves_nothing(world):
    """Import is all-or-nothing: a good row in the same file is not saved either.

    One world for all cases (a refused import writes nothing, which is what is checked).
    """
    before = snapshot()
    for case, make in BAD_CASES.items():
        sheets, expected = make(world)
        sheets.setdefault("组织", []).insert(0, GOOD_ORG)

        result = transfer.import_workbook(book(sheets), actor=world.supervisor)

        assert expected in messages(result), f"{case}: {messages(result)}"
        assert snapshot() == before, case
    assert not Organization.objects.filter(code="OK1").exists()


def test_it_lists_every_error_not_just_the_first(world):
    sheets = {
        "组织": [["T1", "某组织", "", "党校", "ROOT", "否"]],
        "人员": [["P1", "某人", "UA", "", "1234", "bad", "否"], ["P2", "某人", "ZZ", "", "", "", "否"]],
    }
    result = transfer.import_workbook(book(sheets), actor=world.supervisor)

    assert [(p.sheet, p.row, p.field) for p in result.problems] == [
        ("组织", 2, "类型"),
        ("人员", 2, "联系电话"),
        ("人员", 2, "电子邮箱"),
        ("人员", 3, "所在组织编码"),
    ]


def without_header(header: str) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in transfer.DATA_SHEETS:
        wb.create_sheet(spec.title).append([h for h in spec.headers if h != header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_reports_a_malformed_workbook_without_crashing(world):
    """Not an xlsx, an empty file, a missing sheet, a missing column: one clear message each."""
    cases = {
        "garbage": (b"this is not a workbook", ""),
        "empty": (b"", ""),
        "zip but not xlsx": (b"PK\x03\x04 not really", ""),
        "missing sheet": (book({}, leave_out=("联络员",)), "联络员"),
        "missing header": (without_header("联系电话"), "人员"),
    }
    before = snapshot()
    for case, (data, sheet) in cases.items():
        result = transfer.import_workbook(data, actor=world.supervisor)

        assert len(result.problems) == 1 and result.problems[0].message, case
        assert result.problems[0].sheet == sheet, case
    assert (
        "联系电话" in transfer.import_workbook(without_header("联系电话"), actor=world.supervisor).problems[0].message
    )
    assert snapshot() == before


# ---------------------------------------------------------------------------------------
# Scope: only organizations in the importer's reach
# ---------------------------------------------------------------------------------------


def test_it_refuses_rows_touching_a_unit_outside_the_importers_reach(world):
    """An importer whose reach is unit A cannot touch unit B; nothing is saved, B looks missing."""
    importer = make_user("unit_a_supervisor", (Role.SUPERVISOR, world.unit_a))
    sheets = {
        "组织": [
            ["UA2", "甲学院第二党支部", "", "党支部", "UA", "否"],  # in reach: fine on its own
            ["UB1", "乙学院第一党支部", "", "党支部", "UB", "否"],
            ["UB", "乙学院党委（改）", "", "党委", "ROOT", "否"],
        ],
        "人员": [["NEW1", "新人", "UB", "", "", "", "否"]],
        "联络员": [[world.secretary_a_person.staff_no, "UB", "2025-09-01"]],
    }
    before = snapshot()

    result = transfer.import_workbook(book(sheets), actor=importer)

    text = messages(result)
    assert "组织 第3行 上级组织编码：找不到编码为“UB”的组织，或该组织不在您的管理范围内。" in text
    assert "组织 第4行 编码：编码“UB”已被其他组织使用，或该组织不在您的管理范围内。" in text
    assert "人员 第2行 所在组织编码：找不到编码为“UB”的组织" in text
    assert "联络员 第2行 单位编码：找不到编码为“UB”的组织" in text
    assert snapshot() == before


def test_it_lets_only_a_system_administrator_create_a_top_level_organization(world):
    sheets = {"组织": [["TOP", "另一个党委", "", "党委", "", "否"]]}

    refused = transfer.import_workbook(book(sheets), actor=world.supervisor)
    accepted = transfer.import_workbook(book(sheets), actor=world.sysadmin)

    assert "组织 第2行 上级组织编码：请填写上级组织编码" in messages(refused)
    assert accepted.ok and Organization.objects.get(code="TOP").parent is None


# ---------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------


def people_rows(data: bytes) -> dict[str, list[Any]]:
    return {row[1]: row for row in read_back(data)["人员"][1:]}


def test_it_masks_phones_for_a_member_but_gives_the_supervisor_full_numbers_with_an_audit_event(world):
    """Phones are personal information: full numbers only within PERSON_PHONE, and audited."""
    masked = transfer.export_workbook(world.member)

    assert people_rows(masked)["陈成员"][4] == "138****0005"
    assert not AuditEvent.objects.filter(action="directory.export_phones").exists()

    full = transfer.export_workbook(world.supervisor)

    assert people_rows(full)["陈成员"][4] == "13800000005"
    event = AuditEvent.objects.get(action="directory.export_phones")
    assert event.actor == world.supervisor and event.detail["phones"] == Person.objects.exclude(phone="").count()


def test_it_exports_only_what_the_secretary_may_see(world):
    sheets = read_back(transfer.export_workbook(world.secretary_a))

    assert sorted(r[0] for r in sheets["组织"][1:]) == ["UA", "UA1"]
    assert "赵秘书" not in {r[1] for r in sheets["人员"][1:]}
    assert {r[0] for r in sheets["中心组成员"][1:]} == {"UA"}


def test_it_exports_the_template_shape_so_that_export_then_import_changes_nothing(world):
    data = transfer.export_workbook(world.supervisor)
    assert list(read_back(data)) == [s.title for s in transfer.DATA_SHEETS] + ["说明"]
    before = snapshot()

    result = transfer.import_workbook(data, actor=world.supervisor)

    assert result.ok, messages(result)
    assert not result.changed
    assert result.tallies["组织"].unchanged == 4 and result.tallies["联络员"].unchanged == 1
    assert snapshot() == before


def test_it_keeps_phones_when_a_masked_export_is_imported_back(world):
    """The system administrator sees the directory but not phones: masked numbers round-trip."""
    data = transfer.export_workbook(world.sysadmin)
    assert people_rows(data)["陈成员"][4] == "138****0005"

    result = transfer.import_workbook(data, actor=world.sysadmin)

    assert result.ok and not result.changed, messages(result)
    world.member_person.refresh_from_db()
    assert world.member_person.phone == "13800000005"


def test_it_round_trips_into_a_fresh_database(world):
    """A new record set from an export: every organization, person and link is recreated."""
    sheets = {title: rows[1:] for title, rows in read_back(transfer.export_workbook(world.supervisor)).items()}
    renamed = {
        "组织": [["N" + r[0], r[1], r[2], r[3], ("N" + r[4]) if r[4] else "ROOT", r[5]] for r in sheets["组织"]],
        "人员": [["N" + r[0], r[1], "N" + r[2], *r[3:]] for r in sheets["人员"]],
        "中心组成员": [["N" + r[0], "N" + r[1], *r[2:]] for r in sheets["中心组成员"]],
        "领导联系单位": [["N" + r[0], "N" + r[1], r[2]] for r in sheets["领导联系单位"]],
        "联络员": [["N" + r[0], "N" + r[1], r[2]] for r in sheets["联络员"]],
    }

    result = transfer.import_workbook(book(renamed), actor=world.supervisor)

    assert result.ok, messages(result)
    assert {t: (v.created, v.updated) for t, v in result.tallies.items()} == {
        "组织": (4, 0),
        "人员": (6, 0),
        "中心组成员": (3, 0),
        "领导联系单位": (1, 0),
        "联络员": (1, 0),
    }


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=transfer.XLSX_CONTENT_TYPE)


def test_it_downloads_the_template_as_a_valid_xlsx_with_chinese_headers(world, client_for):
    response = client_for(world.supervisor).get(reverse("orgs:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == transfer.XLSX_CONTENT_TYPE
    sheets = read_back(response.content)
    assert list(sheets) == ["组织", "人员", "中心组成员", "领导联系单位", "联络员", "说明"]
    assert sheets["组织"][0] == ["编码", "名称", "简称", "类型", "上级组织编码", "设党小组"]
    assert sheets["人员"][0] == ["工号", "姓名", "所在组织编码", "职务", "联系电话", "电子邮箱", "校领导"]
    assert sheets["中心组成员"][0] == ["组织编码", "工号", "组内角色", "职务"]
    assert sheets["领导联系单位"][0] == ["领导工号", "单位编码", "起始日期"]
    assert sheets["联络员"][0] == ["联络员工号", "单位编码", "起始日期"]
    assert len(sheets["组织"]) == 1  # no sample rows to import by mistake
    assert any("涉密" in str(cell) for row in sheets["说明"] for cell in row)


def test_it_shows_the_import_page_with_the_template_link_and_the_classified_notice(world, client_for):
    response = client_for(world.supervisor).get(reverse("orgs:import"))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("orgs:import_template") in html and "本系统不得处理涉密信息" in html
    assert 'type="file"' in html
    assert 'accept=".xlsx' in html


def test_it_imports_through_the_page_and_shows_a_summary(world, client_for):
    response = client_for(world.supervisor).post(
        reverse("orgs:import"), {"file": upload("名录.xlsx", book(good_sheets(world)))}
    )

    assert response.status_code == 200
    assert 'data-testid="import-summary"' in response.content.decode()
    assert Organization.objects.filter(code="XY").exists()


def test_it_shows_every_problem_as_a_table_on_the_page(world, client_for):
    sheets = {"人员": [["P1", "某人", "UA", "", "1234", "", "否"]]}
    response = client_for(world.supervisor).post(reverse("orgs:import"), {"file": upload("a.xlsx", book(sheets))})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-problems"' in html
    assert "<td>人员</td><td>2</td><td>联系电话</td><td>“1234”不是有效的电话号码。</td>" in html


def test_it_never_fails_with_a_server_error_on_garbage_or_oversized_uploads(world, client_for, settings):
    client = client_for(world.supervisor)
    before = snapshot()
    cases = {
        "junk.xlsx": (b"\x00\x01garbage", "import-problems"),
        "empty.xlsx": (b"", "提交的是空文件。"),
        "list.csv": (b"a,b\n", "只能上传 .xlsx 格式的 Excel 文件。"),
        "fake.xlsx": (b"PK\x03\x04junk", "import-problems"),
    }
    for name, (data, expected) in cases.items():
        response = client.post(reverse("orgs:import"), {"file": upload(name, data)})

        assert response.status_code == 200, name
        assert expected in response.content.decode(), name
    assert client.post(reverse("orgs:import"), {}).status_code == 200
    assert snapshot() == before

    settings.PANGTING_MAX_UPLOAD_MB = 0
    response = client.post(reverse("orgs:import"), {"file": upload("a.xlsx", book({}))})
    assert "文件不能超过 0 MB。" in response.content.decode()


def test_it_answers_404_to_every_persona_without_the_action(world, client_for):
    """Per policy.GRANTS only the supervisor and the system administrator import; export needs
    DIRECTORY_VIEW, which the security and audit administrators and the outsider lack (issue 14
    item 1: the security administrator reads no business data)."""
    for persona, user in world.personas().items():
        client = client_for(user)
        imports = 200 if persona in ("supervisor", "sysadmin") else 404
        exports = 404 if persona in ("secadmin", "auditor", "outsider") else 200

        assert client.get(reverse("orgs:import")).status_code == imports, persona
        assert client.get(reverse("orgs:import_template")).status_code == imports, persona
        if imports == 404:
            assert client.post(reverse("orgs:import"), {"file": upload("a.xlsx", book({}))}).status_code == 404
        response = client.get(reverse("orgs:export"))
        assert response.status_code == exports, persona
        if exports == 200:
            assert response["Content-Disposition"].startswith("attachment"), persona


def test_it_refuses_links_in_a_year_without_a_calendar_only_for_new_links(world):
    """R-O17 links keep their dates; an unknown year is refused only where a link would be created."""
    CalendarYear.objects.filter(year=2020).delete()
    existing = {"联络员": [[world.liaison_person.staff_no, "UA", "2020-01-01"]]}
    new = {"联络员": [[world.secretary_a_person.staff_no, "UA", "2020-06-01"]]}

    assert transfer.import_workbook(book(existing), actor=world.supervisor).ok
    assert "2020年的节假日安排尚未录入" in messages(transfer.import_workbook(book(new), actor=world.supervisor))
