"""Permission-matrix cases of the standing grouping table (R-O24): everyone with observation.view
reads it; only the supervisor changes it."""

from __future__ import annotations

import itertools
from typing import Any

from pangting.observation.services import grouping
from pangting.tests.matrix import POST_REDIRECT, Case

from .permission_cases_parts import OBS_ANYWHERE, SUPERVISOR

_names = itertools.count(1)


def standing_team(w: Any) -> dict[str, Any]:
    team = grouping.save_standing_team(
        actor=w.supervisor, supervisor_org=w.root, year=2026, semester=None, name=f"小组{next(_names)}",
        leader=w.leader_person,
    )  # fmt: skip
    return {"pk": team.pk}


CASES: list[Case] = [
    Case("observation:grouping_list", OBS_ANYWHERE),
    Case("observation:grouping_export", OBS_ANYWHERE),
    Case("observation:grouping_create", SUPERVISOR),
    Case("observation:grouping_edit", SUPERVISOR, kwargs=standing_team),
    Case("observation:grouping_delete", SUPERVISOR, kwargs=standing_team, **POST_REDIRECT),
]
