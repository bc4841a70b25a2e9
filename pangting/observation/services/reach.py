"""The policy extension that lets a visit's team reach the unit it observes."""

from __future__ import annotations

from typing import Any

from ..models import State, TeamMember


def team_reach_paths(user: Any, extent: str) -> set[str]:
    """Policy extension: a leader or liaison on an active visit's team reaches that unit.

    The links decide the default team (R-O3), but a visit may be given to another leader
    (a conflict, an absence); he must then see the unit he is sent to.
    """
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return set()
    role = TeamMember.Role.LEADER if extent == "linked" else TeamMember.Role.LIAISON
    return set(
        TeamMember.objects.filter(person_id=person_id, role=role, deleted_at__isnull=True)
        .exclude(visit__state__in=[State.CANCELLED])
        .values_list("visit__unit__path", flat=True)
    )
