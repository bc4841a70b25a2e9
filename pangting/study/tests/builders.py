"""Small builders for study tests: one call, one record, through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from pangting.core.system import system_actor
from pangting.orgs.models import Organization, StudyGroupMember
from pangting.study import services
from pangting.study.models import AgendaItem, StudySession
from pangting.tests.builders import make_person


def at(year: int, month: int, day: int, hour: int = 14, minute: int = 30) -> dt.datetime:
    """An aware datetime in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


STANDARD_AGENDA = [
    # R-S4: the first item is the 第一议题 and names the speech studied (its date: `make_session`).
    {
        "kind": AgendaItem.Kind.FIRST_ITEM,
        "title": "学习习近平总书记最新重要讲话精神",
        "presenter": "党委书记",
        "source": "习近平总书记在中央政治局集体学习时的重要讲话",
    },
    {"kind": AgendaItem.Kind.THEORY, "title": "学习《习近平谈治国理政》第五卷有关篇目"},
    {"kind": AgendaItem.Kind.DISCUSSION, "title": "围绕主题交流研讨"},
]


def make_session(
    organization: Organization,
    *,
    starts_at: dt.datetime | None = None,
    hours: int = 2,
    agenda: list[dict[str, Any]] | None = None,
    speakers: list[dict[str, Any]] | None = None,
    actor: Any = None,
    approved: bool = True,
    **fields: Any,
) -> StudySession:
    """A session through `create_session`; a center-group session plan comes approved by the
    group leader (R-S15) unless `approved=False`, so it can be sent as a unit would."""
    starts_at = starts_at or at(2026, 11, 25)
    actor = system_actor() if actor is None else actor  # a builder told no actor acts as the system
    fields.setdefault("title", "深入学习贯彻党的二十届四中全会精神")
    fields.setdefault("place", "行政楼301会议室")
    session = services.create_session(
        actor=actor,
        organization=organization,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        agenda=_with_source_date(STANDARD_AGENDA, starts_at) if agenda is None else agenda,
        speakers=speakers or [],
        **fields,
    )
    if approved and services.needs_approval(session):
        services.approve(session, actor=system_actor())
    return session


def approved(plan: Any) -> Any:
    """The plan approved by the group leader (R-S15), as it must be before it is submitted."""
    return services.approve(plan, actor=system_actor())


def _with_source_date(agenda: list[dict[str, Any]], starts_at: dt.datetime) -> list[dict[str, Any]]:
    """The standard agenda with its 第一议题 dated 20 days before the session (recent, R-S4)."""
    day = timezone.localdate(starts_at) - dt.timedelta(days=20)
    return [{**item, "source_date": day} if item["kind"] == AgendaItem.Kind.FIRST_ITEM else item for item in agenda]


def add_members(group: Any, count: int, organization: Organization, prefix: str = "成员") -> list[Any]:
    """`count` more ordinary members of the group."""
    from pangting.orgs import services as org_services

    people = []
    for number in range(count):
        person = make_person(f"{prefix}{number + 1}", organization, post="教研室主任")
        org_services.add_member(group, person, actor=system_actor(), role=StudyGroupMember.Role.MEMBER)
        people.append(person)
    return people
