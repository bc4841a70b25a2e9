"""The empty template and the export of the directory a user may see, in the template's shape."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pangting.accounts import policy
from pangting.core.audit import record_read_event
from pangting.lib import xlsx
from pangting.lib.phone import mask_phone

from ..models import LeaderLink, LiaisonAssignment, Organization, Person, StudyGroupMember
from .spec import (
    DATA_SHEETS,
    HELP_HEADERS,
    HELP_NOTES,
    HELP_TITLE,
    KIND_LABELS,
    LEADER_LINKS,
    LIAISONS,
    MEMBERS,
    NO,
    ORGS,
    PEOPLE,
    ROLE_LABELS,
    YES,
)

A = policy.Action


def _help_sheet() -> xlsx.Sheet:
    # i18n: not interface (the general rows of the Chinese import workbook)
    rows: list[list[str]] = [["（通用）", "", "", note, ""] for note in HELP_NOTES]
    for spec in DATA_SHEETS:
        rows.extend([spec.title, c.header, YES if c.required else NO, c.help, c.example] for c in spec.columns)
    return xlsx.Sheet(HELP_TITLE, HELP_HEADERS, rows, column_widths=[14, 14, 6, 80, 24])


def _sheets(rows_by_title: dict[str, Iterable[list[Any]]]) -> list[xlsx.Sheet]:
    sheets = [
        xlsx.Sheet(spec.title, spec.headers, rows_by_title.get(spec.title, []), column_widths=spec.widths)
        for spec in DATA_SHEETS
    ]
    return [*sheets, _help_sheet()]


def template_workbook() -> bytes:
    """The empty workbook importers fill in: one sheet per kind of record, plus 说明."""
    return xlsx.write_workbook(_sheets({}))


_ROLE_ORDER = {role: i for i, role in enumerate(ROLE_LABELS)}


def export_workbook(user: Any, *, request: Any = None) -> bytes:
    """The directory `user` may see, in the template's shape.

    Phones are masked outside the user's PERSON_PHONE reach; when full numbers are exported
    an audit event records how many. People without 工号 cannot be referenced from the
    member and link sheets, so their memberships and links are left out of those sheets.
    """
    phone_reach = policy.reach(user, A.PERSON_PHONE)
    orgs = Organization.objects.for_user(user).select_related("parent")
    people = Person.objects.for_user(user).select_related("organization")
    full_phones = 0
    person_rows: list[list[Any]] = []
    for p in people:
        if p.phone and phone_reach.contains(p.organization):
            phone = p.phone
            full_phones += 1
        else:
            phone = mask_phone(p.phone)
        leader = YES if p.is_school_leader else NO
        person_rows.append([p.staff_no, p.name, p.organization.code, p.post, phone, p.email, leader])

    members = sorted(
        StudyGroupMember.objects.for_user(user)
        .current()
        .filter(person__deleted_at__isnull=True)
        .exclude(person__staff_no="")
        .select_related("group__organization", "person"),
        key=lambda m: (m.group.organization.path, _ROLE_ORDER.get(m.role, 9), m.person.name),
    )
    leader_links = (
        LeaderLink.objects.for_user(user)
        .current()
        .filter(leader__deleted_at__isnull=True)
        .exclude(leader__staff_no="")
        .select_related("leader", "unit")
    )
    liaisons = (
        LiaisonAssignment.objects.for_user(user)
        .current()
        .filter(liaison__deleted_at__isnull=True)
        .exclude(liaison__staff_no="")
        .select_related("liaison", "unit")
    )
    rows: dict[str, Iterable[list[Any]]] = {
        ORGS.title: [
            [
                o.code,
                o.name,
                o.short_name,
                KIND_LABELS.get(o.kind, o.kind),
                o.parent.code if o.parent else "",
                YES if o.has_party_groups else NO,
            ]
            for o in orgs
        ],
        PEOPLE.title: person_rows,
        MEMBERS.title: [
            [m.group.organization.code, m.person.staff_no, ROLE_LABELS.get(m.role, m.role), m.post] for m in members
        ],
        LEADER_LINKS.title: [[link.leader.staff_no, link.unit.code, link.valid_from] for link in leader_links],
        LIAISONS.title: [[a.liaison.staff_no, a.unit.code, a.valid_from] for a in liaisons],
    }
    data = xlsx.write_workbook(_sheets(rows))
    if full_phones:
        # Personal information leaving the system in bulk (等保 level 3); queued: a read path.
        record_read_event(
            user, "directory.export_phones", target="directory", request=request, detail={"phones": full_phones}
        )
    return data
