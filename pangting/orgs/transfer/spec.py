"""The directory workbook's shape (sheets, columns, labels) and what an import reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import OrganizationKind, StudyGroupMember

# ----------------------------------------------------------------------------------------
# The workbook's shape. Sheet titles, headers and labels are the file format, not UI text:
# they stay Chinese whatever the interface language is, so they are not translated.
# ----------------------------------------------------------------------------------------

KIND_LABELS: dict[str, str] = {
    OrganizationKind.PARTY_COMMITTEE: "党委",
    OrganizationKind.LEADING_GROUP: "党组",
    OrganizationKind.GENERAL_BRANCH: "党总支",
    OrganizationKind.BRANCH: "党支部",
    OrganizationKind.PARTY_GROUP: "党小组",
}
ROLE_LABELS: dict[str, str] = {
    StudyGroupMember.Role.LEADER: "组长",
    StudyGroupMember.Role.DEPUTY: "副组长",
    StudyGroupMember.Role.MEMBER: "成员",
    StudyGroupMember.Role.SECRETARY: "学习秘书",
}
KINDS_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}
ROLES_BY_LABEL = {label: role for role, label in ROLE_LABELS.items()}
YES, NO = "是", "否"
_TRUE = {YES, "y", "yes", "true", "1", "√"}
_FALSE = {NO, "", "n", "no", "false", "0", "×"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    required: bool
    help: str
    example: str
    width: int = 16


@dataclass(frozen=True)
class SheetSpec:
    title: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def widths(self) -> list[int]:
        return [c.width for c in self.columns]


ORGS = SheetSpec(
    "组织",
    (
        Column("编码", True, "组织的唯一编码，其他工作表用它引用组织；与系统中已有编码相同的行将更新该组织。", "JDXY"),
        Column("名称", True, "组织全称。", "中共某某学院委员会", 30),
        Column("简称", False, "页面和报表中使用的简称。", "某某学院党委", 20),
        Column("类型", True, "党委、党组、党总支、党支部或党小组。", "党委", 10),
        Column(
            "上级组织编码",
            False,
            "系统中已有组织的编码，或本表其他行的编码（行的先后不限）。留空表示顶级组织，仅系统管理员可新建。",
            "ROOT",
        ),
        Column("设党小组", False, "是或否，留空视为否；党支部是否设党小组（影响党员大会频次，R-B2）。", "否", 10),
    ),
)
PEOPLE = SheetSpec(
    "人员",
    (
        Column(
            "工号",
            False,
            "建议填写，且须唯一；与已有人员工号相同的行将更新该人员。未填工号时按“姓名＋所在组织”识别。"
            "请将本列设为文本格式，以免前导零丢失。",
            "2008013",
        ),
        Column("姓名", True, "人员姓名。", "张三", 12),
        Column("所在组织编码", True, "人员所在组织的编码（已有组织或“组织”表中的组织）。", "JDXY"),
        Column("职务", False, "如：党委书记、副院长、组织员。", "党委书记", 20),
        Column(
            "联系电话",
            False,
            "手机号或带区号的固定电话，如 13800000000、0577-88888888。导出时无权查看的号码以*隐去，"
            "原样导回时保留原号码。留空表示清空。",
            "13800000000",
        ),
        Column("电子邮箱", False, "留空表示清空。", "zhangsan@example.edu.cn", 26),
        Column("校领导", False, "是或否，留空视为否；指校（区）领导，如联系二级单位的副校长。", "否", 10),
    ),
)
MEMBERS = SheetSpec(
    "中心组成员",
    (
        Column("组织编码", True, "中心组所属组织的编码；该组织尚无中心组时自动建立。", "JDXY"),
        Column("工号", True, "成员的工号（已有人员或“人员”表中的人员）。未填工号的人员不能在此引用。", "2008013"),
        Column("组内角色", False, "组长、副组长、成员或学习秘书；留空视为成员。", "组长", 12),
        Column("职务", False, "组内显示的职务；留空时沿用人员的职务。", "党委书记", 20),
    ),
)
LEADER_LINKS = SheetSpec(
    "领导联系单位",
    (
        Column("领导工号", True, "联系领导的工号。", "1998001"),
        Column("单位编码", True, "所联系的二级党组织或以下组织的编码。", "JDXY"),
        Column(
            "起始日期",
            True,
            "如 2025-09-01；新建的联系关系，其起始日期须在系统已录入节假日安排的年度内。",
            "2025-09-01",
            14,
        ),
    ),
)
LIAISONS = SheetSpec(
    "联络员",
    (
        Column("联络员工号", True, "联络员的工号。", "2010021"),
        Column("单位编码", True, "所负责单位的编码；每个单位一行，新联络员自起始日期起接替原联络员。", "JDXY"),
        Column(
            "起始日期",
            True,
            "如 2025-09-01；新建的联系关系，其起始日期须在系统已录入节假日安排的年度内。",
            "2025-09-01",
            14,
        ),
    ),
)
DATA_SHEETS: tuple[SheetSpec, ...] = (ORGS, PEOPLE, MEMBERS, LEADER_LINKS, LIAISONS)
HELP_TITLE = "说明"
HELP_HEADERS = ["工作表", "列", "必填", "说明", "示例"]
HELP_NOTES = (
    "本系统不得处理涉密信息，请勿在表格中填写涉密内容。",
    "导入是“全部成功或全部不导入”：任何一行有误，整个文件都不会导入，页面会列出全部问题。",
    "导入只新增或更新，不删除；人员退出中心组、结束联系关系请在系统页面中操作。",
    "各工作表的表头请勿修改；行的先后不限，空行会被忽略。未填工号的人员不能在其他工作表中引用。",
)


# ----------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the workbook: where (sheet, row, column) and what, in Chinese."""

    sheet: str
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = " ".join(part for part in (self.sheet, f"第{self.row}行" if self.row else "", self.field) if part)
        return f"{where}：{self.message}" if where else self.message


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportResult:
    """What an import did (`tallies` by sheet title) or why it did nothing (`problems`)."""

    problems: list[Problem] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=lambda: {spec.title: Tally() for spec in DATA_SHEETS})

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return any(t.created or t.updated for t in self.tallies.values())
