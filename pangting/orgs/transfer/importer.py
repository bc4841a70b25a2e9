"""The all-or-nothing import: reading cells, checking every row, then writing in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock, inputs
from pangting.core.audit import record_event
from pangting.lib import xlsx
from pangting.lib.phone import is_valid_phone, mask_phone, normalize_phone
from pangting.workdays.models import CalendarYear

from .. import services
from ..models import LeaderLink, LiaisonAssignment, Organization, OrganizationKind, Person, StudyGroupMember
from .spec import (
    _DATE_FORMATS,
    _FALSE,
    _TRUE,
    DATA_SHEETS,
    KIND_LABELS,
    KINDS_BY_LABEL,
    LEADER_LINKS,
    LIAISONS,
    MEMBERS,
    NO,
    ORGS,
    PEOPLE,
    ROLE_LABELS,
    ROLES_BY_LABEL,
    YES,
    ImportResult,
    Problem,
    SheetSpec,
    Tally,
)

A = policy.Action


# ----------------------------------------------------------------------------------------
# Cell values
# ----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class _Row:
    sheet: SheetSpec
    number: int
    values: dict[str, Any]

    def text(self, header: str) -> str:
        return _text(self.values.get(header))

    def raw(self, header: str) -> Any:
        return self.values.get(header)

    @property
    def is_blank(self) -> bool:
        return all(self.text(h) == "" for h in self.sheet.headers)


def _read_workbook(data: bytes) -> tuple[dict[str, list[_Row]], list[Problem]]:
    """Every data sheet's non-blank rows, or the problems that make the workbook unreadable.

    The workbook is opened once for all sheets, within the configured import limits (rows,
    columns, cells, seconds): a file over them is refused with one message, fast.
    """
    try:
        results = xlsx.read_sheets(
            data, {spec.title: spec.headers for spec in DATA_SHEETS}, limits=inputs.import_limits()
        )
    except xlsx.WorkbookError as error:
        # Not a workbook at all (empty, not xlsx, damaged, too big): one message is enough.
        return {}, [Problem("", None, "", str(error))]
    sheets: dict[str, list[_Row]] = {}
    problems: list[Problem] = []
    for spec in DATA_SHEETS:
        result = results[spec.title]
        if isinstance(result, xlsx.WorkbookError):
            problems.append(Problem(spec.title, None, "", str(result)))
            continue
        rows = (_Row(spec, r.row_number, dict(r)) for r in result)
        sheets[spec.title] = [row for row in rows if not row.is_blank]
    return sheets, problems


# ----------------------------------------------------------------------------------------
# Import: the plan
# ----------------------------------------------------------------------------------------

CREATE, UPDATE, KEEP = "create", "update", "keep"


@dataclass
class _OrgPlan:
    row: _Row
    code: str
    fields: dict[str, Any]
    parent_code: str
    existing: Organization | None
    action: str = KEEP
    depth: int = 0


@dataclass
class _PersonPlan:
    row: _Row
    staff_no: str
    org_code: str
    fields: dict[str, Any]
    existing: Person | None
    action: str = KEEP


@dataclass
class _MemberPlan:
    row: _Row
    org_code: str
    staff_no: str
    role: str
    post: str
    existing: StudyGroupMember | None
    action: str = KEEP


@dataclass
class _LinkPlan:
    row: _Row
    staff_no: str
    unit_code: str
    valid_from: dt.date
    action: str = KEEP


class _Abort(Exception):
    """A service refused a write during the transaction: roll everything back."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _Importer:
    """Checks a parsed workbook against the database and the importer's reach, then writes it."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.change_reach = policy.reach(actor, A.DIRECTORY_CHANGE)
        self.view_reach = policy.reach(actor, A.DIRECTORY_VIEW)
        self.problems: list[Problem] = []
        self.orgs: dict[str, _OrgPlan] = {}
        self.refused: dict[str, _Row] = {}  # codes in the file the importer may not write
        self.people: dict[str, _PersonPlan] = {}  # by 工号; rows without one are in `anonymous`
        self.anonymous: list[_PersonPlan] = []
        self.members: list[_MemberPlan] = []
        self.leader_links: list[_LinkPlan] = []
        self.liaisons: list[_LinkPlan] = []
        self.known_years = set(CalendarYear.objects.values_list("year", flat=True))
        self.db_orgs: dict[str, Organization] = {}  # every organization by code, deleted ones too
        self.db_people: dict[str, Person] = {}  # live people by 工号, those the file names
        self.db_people_by_name: dict[tuple[str, str], list[Person]] = {}  # (name, org code) → people
        self.parent_of: dict[str, str] = {}  # code → parent code in the tree after the import

    # -- helpers -------------------------------------------------------------------------

    def problem(self, row: _Row, header: str, message: str) -> None:
        self.problems.append(Problem(row.sheet.title, row.number, header, message))

    def _missing_org(self, code: str) -> str:
        return _("找不到编码为“%(code)s”的组织，或该组织不在您的管理范围内。") % {"code": code}

    def _missing_person(self, staff_no: str) -> str:
        return _("找不到工号为“%(no)s”的人员，或该人员不在您的查看范围内。") % {"no": staff_no}

    def _org_writable(self, code: str) -> bool:
        """An organization the importer may write to: one in this file, or an existing one in reach."""
        if code in self.orgs:
            return True
        org = self.db_orgs.get(code)
        return org is not None and not org.is_deleted and self.change_reach.contains(org)

    def _person_known(self, staff_no: str) -> bool:
        if staff_no in self.people:
            return True
        person = self.db_people.get(staff_no)
        return person is not None and (
            self.view_reach.contains(person.organization) or self.change_reach.contains(person.organization)
        )

    def _required(self, row: _Row, *headers: str) -> bool:
        ok = True
        for header in headers:
            if not row.text(header):
                self.problem(row, header, _("此项必须填写。"))
                ok = False
        return ok

    def _check_lengths(self, row: _Row, instance: Model, headers: dict[str, str]) -> None:
        """Field lengths and formats, by the model's own validators (headers: field → column)."""
        # Empty required values are reported once, by `_required`.
        checked = {name for name in headers if getattr(instance, name) not in ("", None)}
        try:
            instance.clean_fields(exclude=[f.name for f in instance._meta.fields if f.name not in checked])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.problem(row, headers.get(name, ""), message)

    # -- loading ---------------------------------------------------------------------------

    def load(self, sheets: dict[str, list[_Row]]) -> None:
        self.db_orgs = {o.code: o for o in Organization.all_objects.select_related("parent")}
        staff_nos = {r.text("工号") for r in sheets[PEOPLE.title] + sheets[MEMBERS.title]}
        staff_nos |= {r.text("领导工号") for r in sheets[LEADER_LINKS.title]}
        staff_nos |= {r.text("联络员工号") for r in sheets[LIAISONS.title]}
        staff_nos.discard("")
        self.db_people = {
            p.staff_no: p for p in Person.objects.filter(staff_no__in=staff_nos).select_related("organization")
        }
        names = {r.text("姓名") for r in sheets[PEOPLE.title] if not r.text("工号")}
        for p in Person.objects.filter(name__in=names).select_related("organization"):
            self.db_people_by_name.setdefault((p.name, p.organization.code), []).append(p)

    # -- organizations -----------------------------------------------------------------------

    def check_orgs(self, rows: list[_Row]) -> None:
        for row in rows:
            code = row.text("编码")
            if not self._required(row, "编码", "名称", "类型") and not code:
                continue
            first = self.orgs[code].row if code in self.orgs else self.refused.get(code)
            if first is not None:
                self.problem(row, "编码", _("“%(code)s”与第%(n)s行重复。") % {"code": code, "n": first.number})
                continue
            label = row.text("类型")
            kind = KINDS_BY_LABEL.get(label)
            if label and kind is None:
                self.problem(
                    row,
                    "类型",
                    _("“%(value)s”不是有效的组织类型，应为%(labels)s之一。")
                    % {"value": label, "labels": _("、").join(KIND_LABELS.values())},
                )
            has_groups = _bool(row.raw("设党小组"))
            if has_groups is None:
                self.problem(row, "设党小组", _("“%(value)s”应填写“是”或“否”。") % {"value": row.text("设党小组")})
            fields = {
                "name": row.text("名称"),
                "short_name": row.text("简称"),
                "kind": kind or OrganizationKind.PARTY_COMMITTEE,
                "has_party_groups": bool(has_groups),
            }
            self._check_lengths(
                row, Organization(code=code, **fields), {"code": "编码", "name": "名称", "short_name": "简称"}
            )
            existing = self.db_orgs.get(code)
            if existing is not None and (existing.is_deleted or not self.change_reach.contains(existing)):
                message = (
                    _("编码“%(code)s”属于一个已删除的组织，请由管理员恢复该组织或改用其他编码。")
                    if existing.is_deleted and self.change_reach.contains(existing)
                    else _("编码“%(code)s”已被其他组织使用，或该组织不在您的管理范围内。")
                )
                self.problem(row, "编码", message % {"code": code})
                self.refused[code] = row  # not writable: rows referring to it are refused too
                continue
            self.orgs[code] = _OrgPlan(row, code, fields, row.text("上级组织编码"), existing)
        self._check_tree()

    def _check_tree(self) -> None:
        """Parents exist and are in reach; the final tree has no cycle; order parents first."""
        parent_of: dict[str, str] = {
            code: o.parent.code if o.parent else "" for code, o in self.db_orgs.items() if not o.is_deleted
        }
        for plan in self.orgs.values():
            row, parent_code = plan.row, plan.parent_code
            current_parent = plan.existing.parent.code if plan.existing and plan.existing.parent else ""
            moves = plan.existing is None or parent_code != current_parent
            if parent_code == plan.code:
                self.problem(row, "上级组织编码", _("上级组织不能是本组织自己。"))
                parent_code = ""
            elif parent_code and moves and not self._org_writable(parent_code):
                self.problem(row, "上级组织编码", self._missing_org(parent_code))
                parent_code = ""
            elif not parent_code and moves and not self.change_reach.everything:
                self.problem(row, "上级组织编码", _("请填写上级组织编码；只有系统管理员可以建立顶级组织。"))
            parent_of[plan.code] = parent_code
        for plan in self.orgs.values():
            chain = [plan.code]
            code = parent_of.get(plan.code, "")
            while code and code not in chain:
                chain.append(code)
                code = parent_of.get(code, "")
            if code == plan.code:
                self.problem(
                    plan.row,
                    "上级组织编码",
                    _("上级组织“%(parent)s”会使组织树形成循环：%(chain)s。")
                    % {"parent": plan.parent_code, "chain": " → ".join([*chain, plan.code])},
                )
            elif not code:
                plan.depth = len(chain) - 1
        self.parent_of = parent_of

    def _is_unit(self, code: str) -> bool:
        return bool(self.parent_of.get(code))

    # -- people ------------------------------------------------------------------------------

    def check_people(self, rows: list[_Row]) -> None:
        claimed: dict[int, _Row] = {}
        anonymous_keys: dict[tuple[str, str], _Row] = {}
        for row in rows:
            staff_no, name, org_code = row.text("工号"), row.text("姓名"), row.text("所在组织编码")
            self._required(row, "姓名", "所在组织编码")
            if staff_no and staff_no in self.people:
                n = self.people[staff_no].row.number
                self.problem(row, "工号", _("“%(no)s”与第%(n)s行重复。") % {"no": staff_no, "n": n})
                continue
            if org_code and not self._org_writable(org_code):
                self.problem(row, "所在组织编码", self._missing_org(org_code))
            existing: Person | None = None
            if staff_no:
                existing = self.db_people.get(staff_no)
                if existing is not None and not self.change_reach.contains(existing.organization):
                    self.problem(
                        row, "工号", _("工号“%(no)s”已被其他人员使用，或该人员不在您的管理范围内。") % {"no": staff_no}
                    )
                    existing = None
            elif name and org_code:
                key = (name, org_code)
                if key in anonymous_keys:
                    self.problem(
                        row,
                        "姓名",
                        _("与第%(n)s行重复：同一组织中有同名人员“%(name)s”且未填写工号，如确为不同人员请填写工号区分。")
                        % {"n": anonymous_keys[key].number, "name": name},
                    )
                    continue
                anonymous_keys[key] = row
                same_name = self.db_people_by_name.get(key, [])
                if len(same_name) > 1:
                    self.problem(
                        row,
                        "工号",
                        _("“%(org)s”已有多名名为“%(name)s”的人员，请填写工号以指明是哪一位。")
                        % {"org": org_code, "name": name},
                    )
                existing = same_name[0] if len(same_name) == 1 else None
            if existing is not None:
                if existing.pk in claimed:
                    self.problem(row, "姓名", _("与第%(n)s行是同一人员。") % {"n": claimed[existing.pk].number})
                    continue
                claimed[existing.pk] = row
            fields = {
                "name": name,
                "post": row.text("职务"),
                "phone": self._phone(row, existing),
                "email": self._email(row),
                "is_school_leader": self._flag(row, "校领导"),
            }
            self._check_lengths(
                row,
                Person(staff_no=staff_no, name=name, post=fields["post"]),
                {"staff_no": "工号", "name": "姓名", "post": "职务"},
            )
            plan = _PersonPlan(row, staff_no, org_code, fields, existing)
            if staff_no:
                self.people[staff_no] = plan
            else:
                self.anonymous.append(plan)

    def _phone(self, row: _Row, existing: Person | None) -> str:
        raw = row.text("联系电话")
        if not raw:
            return ""
        if "*" in raw:
            # An exported number the exporter could not see: keep the number on record.
            if existing is not None and existing.phone and mask_phone(existing.phone) == raw:
                return existing.phone
            self.problem(row, "联系电话", _("“%(value)s”是隐去了部分数字的号码，请填写完整号码。") % {"value": raw})
            return ""
        phone = normalize_phone(raw)
        if not is_valid_phone(phone):
            self.problem(row, "联系电话", _("“%(value)s”不是有效的电话号码。") % {"value": raw})
        return phone

    def _email(self, row: _Row) -> str:
        raw = row.text("电子邮箱")
        if raw:
            try:
                validate_email(raw)
            except ValidationError:
                self.problem(row, "电子邮箱", _("“%(value)s”不是有效的电子邮箱地址。") % {"value": raw})
        return raw

    def _flag(self, row: _Row, header: str) -> bool:
        value = _bool(row.raw(header))
        if value is None:
            self.problem(row, header, _("“%(value)s”应填写“是”或“否”。") % {"value": row.text(header)})
        return bool(value)

    # -- members -----------------------------------------------------------------------------

    def check_members(self, rows: list[_Row]) -> None:
        org_codes = {r.text("组织编码") for r in rows}
        existing = {
            (m.group.organization.code, m.person.staff_no, m.role): m
            for m in StudyGroupMember.objects.current()
            .filter(group__organization__code__in=org_codes, person__deleted_at__isnull=True)
            .exclude(person__staff_no="")
            .select_related("group__organization", "person")
        }
        seen: dict[tuple[str, str, str], _Row] = {}
        for row in rows:
            org_code, staff_no, label = row.text("组织编码"), row.text("工号"), row.text("组内角色")
            ok = self._required(row, "组织编码", "工号")
            if org_code and not self._org_writable(org_code):
                self.problem(row, "组织编码", self._missing_org(org_code))
                ok = False
            if staff_no and not self._person_known(staff_no):
                self.problem(row, "工号", self._missing_person(staff_no))
                ok = False
            role = ROLES_BY_LABEL.get(label or ROLE_LABELS[StudyGroupMember.Role.MEMBER])
            if role is None:
                self.problem(
                    row,
                    "组内角色",
                    _("“%(value)s”不是有效的组内角色，应为%(labels)s之一。")
                    % {"value": label, "labels": _("、").join(ROLE_LABELS.values())},
                )
                ok = False
            post = row.text("职务")
            if len(post) > 100:
                self.problem(row, "职务", _("不能超过100个字。"))
            if not ok or role is None:
                continue
            key = (org_code, staff_no, role)
            if key in seen:
                self.problem(row, "工号", _("与第%(n)s行重复。") % {"n": seen[key].number})
                continue
            seen[key] = row
            self.members.append(_MemberPlan(row, org_code, staff_no, role, post, existing.get(key)))

    # -- leader links and liaisons -----------------------------------------------------------

    def _check_link_row(self, row: _Row, person_header: str) -> tuple[str, str, dt.date | None]:
        staff_no, unit_code = row.text(person_header), row.text("单位编码")
        ok = self._required(row, person_header, "单位编码", "起始日期")
        if staff_no and not self._person_known(staff_no):
            self.problem(row, person_header, self._missing_person(staff_no))
            ok = False
        if unit_code:
            if not self._org_writable(unit_code):
                self.problem(row, "单位编码", self._missing_org(unit_code))
                ok = False
            elif not self._is_unit(unit_code):
                self.problem(row, "单位编码", _("联系单位应为二级党组织或以下组织，不能是顶级组织。"))
                ok = False
        valid_from = _date(row.raw("起始日期")) if row.text("起始日期") else None
        if row.text("起始日期") and valid_from is None:
            self.problem(
                row,
                "起始日期",
                _("“%(value)s”不是有效的日期，请按 2025-09-01 的格式填写。") % {"value": row.text("起始日期")},
            )
        return staff_no, unit_code, valid_from if ok else None

    def _check_year(self, plan: _LinkPlan) -> None:
        """A new link must start in a year whose official calendar the system knows."""
        year = plan.valid_from.year
        if year not in self.known_years:
            self.problem(
                plan.row,
                "起始日期",
                _(
                    "%(year)s年的节假日安排尚未录入，系统不接受该年度的日期。请核对日期，或请系统管理员先录入%(year)s年日历。"
                )
                % {"year": year},
            )

    def check_leader_links(self, rows: list[_Row]) -> None:
        today = clock.today()
        units = {r.text("单位编码") for r in rows}
        existing: dict[tuple[str, str], list[LeaderLink]] = {}
        for link in LeaderLink.objects.filter(unit__code__in=units).select_related("leader", "unit"):
            existing.setdefault((link.leader.staff_no, link.unit.code), []).append(link)
        seen: dict[tuple[str, str], _Row] = {}
        for row in rows:
            staff_no, unit_code, valid_from = self._check_link_row(row, "领导工号")
            if valid_from is None:
                continue
            key = (staff_no, unit_code)
            if key in seen:
                self.problem(row, "单位编码", _("与第%(n)s行重复。") % {"n": seen[key].number})
                continue
            seen[key] = row
            plan = _LinkPlan(row, staff_no, unit_code, valid_from)
            # Already linked on that date, or linked now: nothing to add (idempotent re-import).
            if not any(_covers(link, valid_from) or _covers(link, today) for link in existing.get(key, [])):
                plan.action = CREATE
                self._check_year(plan)
            self.leader_links.append(plan)

    def check_liaisons(self, rows: list[_Row]) -> None:
        today = clock.today()
        units = {r.text("单位编码") for r in rows}
        existing: dict[str, list[LiaisonAssignment]] = {}
        for a in LiaisonAssignment.objects.filter(unit__code__in=units).select_related("liaison", "unit"):
            existing.setdefault(a.unit.code, []).append(a)
        seen: dict[str, _Row] = {}
        for row in rows:
            staff_no, unit_code, valid_from = self._check_link_row(row, "联络员工号")
            if valid_from is None:
                continue
            if unit_code in seen:
                self.problem(
                    row, "单位编码", _("同一单位只能有一名联络员，与第%(n)s行重复。") % {"n": seen[unit_code].number}
                )
                continue
            seen[unit_code] = row
            plan = _LinkPlan(row, staff_no, unit_code, valid_from)
            assignments = existing.get(unit_code, [])
            same = [a for a in assignments if a.liaison.staff_no == staff_no]
            if not any(_covers(a, valid_from) or _covers(a, today) for a in same):
                plan.action = CREATE
                for current in (a for a in assignments if _covers(a, today) and a.valid_from >= valid_from):
                    self.problem(
                        row,
                        "起始日期",
                        _("应晚于现任联络员“%(name)s”的起始日期（%(date)s）。")
                        % {"name": current.liaison.name, "date": current.valid_from.isoformat()},
                    )
                self._check_year(plan)
            self.liaisons.append(plan)

    # -- deciding what changes ---------------------------------------------------------------

    def decide(self) -> None:
        for plan in self.orgs.values():
            org = plan.existing
            if org is None:
                plan.action = CREATE
            else:
                current_parent = org.parent.code if org.parent else ""
                same = all(getattr(org, k) == v for k, v in plan.fields.items()) and plan.parent_code == current_parent
                plan.action = KEEP if same else UPDATE
        for plan in [*self.people.values(), *self.anonymous]:
            person = plan.existing
            if person is None:
                plan.action = CREATE
            else:
                same = all(getattr(person, k) == v for k, v in plan.fields.items())
                plan.action = KEEP if same and person.organization.code == plan.org_code else UPDATE
        for plan in self.members:
            member = plan.existing
            if member is None:
                plan.action = CREATE
            else:
                plan.action = UPDATE if plan.post and plan.post != member.post else KEEP

    def tallies(self) -> dict[str, Tally]:
        tallies = {spec.title: Tally() for spec in DATA_SHEETS}
        plans: list[tuple[str, Any]] = [(ORGS.title, p) for p in self.orgs.values()]
        plans += [(PEOPLE.title, p) for p in [*self.people.values(), *self.anonymous]]
        plans += [(MEMBERS.title, p) for p in self.members]
        plans += [(LEADER_LINKS.title, p) for p in self.leader_links]
        plans += [(LIAISONS.title, p) for p in self.liaisons]
        for title, plan in plans:
            tally = tallies[title]
            if plan.action == CREATE:
                tally.created += 1
            elif plan.action == UPDATE:
                tally.updated += 1
            else:
                tally.unchanged += 1
        return tallies

    # -- writing -----------------------------------------------------------------------------

    def apply(self) -> None:
        """Write the plan through the services: organizations parents first, then the rest."""
        actor = self.actor

        def org(code: str) -> Organization:
            # Fresh each time: moving a subtree rewrites the paths of everything below it.
            return Organization.objects.get(code=code)

        def person(staff_no: str) -> Person:
            return Person.objects.get(staff_no=staff_no)

        for o in sorted(self.orgs.values(), key=lambda p: p.depth):
            parent = org(o.parent_code) if o.parent_code else None
            with _refusal(o.row):
                if o.action == CREATE:
                    services.create_organization(actor=actor, parent=parent, code=o.code, **o.fields)
                elif o.action == UPDATE:
                    services.update_organization(org(o.code), actor=actor, parent=parent, **o.fields)
        for p in [*self.people.values(), *self.anonymous]:
            if p.action == KEEP:
                continue
            record = Person.objects.get(pk=p.existing.pk) if p.existing else Person(staff_no=p.staff_no)
            for name, value in p.fields.items():
                setattr(record, name, value)
            record.organization = org(p.org_code)
            with _refusal(p.row):
                services.save_person(record, actor=actor)
        for m in self.members:
            with _refusal(m.row):
                if m.action == CREATE:
                    group = services.ensure_study_group(org(m.org_code), actor=actor)
                    services.add_member(group, person(m.staff_no), actor=actor, role=m.role, post=m.post)
                elif m.action == UPDATE and m.existing is not None:
                    _change_member_post(m.existing, m.post, actor=actor)
        for link in (link for link in self.leader_links if link.action == CREATE):
            with _refusal(link.row):
                services.link_leader(
                    person(link.staff_no), org(link.unit_code), actor=actor, valid_from=link.valid_from
                )
        for a in (a for a in self.liaisons if a.action == CREATE):
            with _refusal(a.row):
                services.assign_liaison(person(a.staff_no), org(a.unit_code), actor=actor, valid_from=a.valid_from)


@contextmanager
def _refusal(row: _Row) -> Iterator[None]:
    """A service refusing a write aborts the whole import, with the row it came from."""
    try:
        yield
    except ValidationError as error:
        raise _Abort(Problem(row.sheet.title, row.number, "", _("；").join(error.messages))) from error
    except IntegrityError as error:
        message = _("与系统中的现有数据冲突，请核对后重试。")
        raise _Abort(Problem(row.sheet.title, row.number, "", message)) from error


def _covers(link: LeaderLink | LiaisonAssignment, day: dt.date) -> bool:
    return link.valid_from <= day and (link.valid_until is None or link.valid_until >= day)


def _change_member_post(member: StudyGroupMember, post: str, *, actor: Any) -> None:
    """The member's post as shown in the group (orgs.services has no service for it yet)."""
    member.post = post
    member._history_user = actor  # type: ignore[attr-defined]
    member.full_clean()
    member.save()


def _sort_key(problem: Problem) -> tuple[int, int, int]:
    """Problems in reading order: sheet, row, column."""
    specs = {spec.title: (i, spec.headers) for i, spec in enumerate(DATA_SHEETS)}
    index, headers = specs.get(problem.sheet, (-1, []))
    column = headers.index(problem.field) if problem.field in headers else len(headers)
    return index, problem.row or 0, column


def import_workbook(data: bytes, *, actor: Any, request: Any = None) -> ImportResult:
    """Check the whole workbook; only if nothing is wrong, write all of it in one transaction.

    Returns the problems (nothing written) or how many records of each kind were created,
    updated or left unchanged.
    """
    if not policy.can(actor, A.DIRECTORY_IMPORT):
        return ImportResult(problems=[Problem("", None, "", _("您没有导入组织人员名录的权限。"))])
    sheets, problems = _read_workbook(data)
    if problems:
        return ImportResult(problems=problems)

    importer = _Importer(actor)
    importer.load(sheets)
    importer.check_orgs(sheets[ORGS.title])
    importer.check_people(sheets[PEOPLE.title])
    importer.check_members(sheets[MEMBERS.title])
    importer.check_leader_links(sheets[LEADER_LINKS.title])
    importer.check_liaisons(sheets[LIAISONS.title])
    if importer.problems:
        return ImportResult(problems=sorted(importer.problems, key=_sort_key))

    importer.decide()
    tallies = importer.tallies()
    try:
        with transaction.atomic():
            importer.apply()
            if any(t.created or t.updated for t in tallies.values()):
                record_event(
                    actor,
                    "directory.import",
                    target="directory",
                    request=request,
                    detail={title: vars(t) for title, t in tallies.items()},
                )
    except _Abort as abort:
        return ImportResult(problems=[abort.problem])
    return ImportResult(tallies=tallies)
