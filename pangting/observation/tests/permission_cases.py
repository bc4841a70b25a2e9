"""The observation app's rows of the permission matrix (collected by pangting/tests/test_permission_matrix.py).

observation.view reaches the supervisor and the leadership viewer everywhere, the team
(leader linked to unit A, its liaison) and the unit's study secretary on their own unit.
Each workflow step needs its own action at the visit's unit: manage (supervisor), record
(leader, liaison), reply (the unit's secretary); every other persona gets 404.
"""

from __future__ import annotations

from typing import Any

from pangting.tests.matrix import POST_REDIRECT, Case

from .permission_cases_grouping import CASES as GROUPING
from .permission_cases_parts import CASES as PARTS
from .permission_cases_parts import OBS_ANYWHERE, OBS_VIEW, SUPERVISOR, item_of, rectifying, visit

TEAM = {"A": frozenset({"leader", "liaison"}), "B": frozenset()}
UNIT_SECRETARY = {"A": frozenset({"secretary_a"}), "B": frozenset({"secretary_b"})}


def _both(name: str, objects: Any, allowed: dict[str, frozenset[str]], **options: Any) -> list[Case]:
    return [
        Case(name, allowed[side], target=side, kwargs=lambda w, s=side: objects(w, s), **options) for side in ("A", "B")
    ]


def visit_step(action: str) -> Any:
    return lambda w, side: {**visit(w, side), "action": action}


def rectifying_visit(w: Any, side: str) -> dict[str, Any]:
    return {"pk": rectifying(w, side).pk}


def document(kind: str) -> Any:
    return lambda w, side: {**rectifying_visit(w, side), "kind": kind}


CASES: list[Case] = [
    *PARTS,
    *GROUPING,
    Case("observation:visit_list", OBS_ANYWHERE),
    Case("observation:visit_create", SUPERVISOR),
    *_both("observation:visit_detail", visit, OBS_VIEW),
    *_both("observation:visit_action", visit_step("issue_letter"), {"A": SUPERVISOR, "B": SUPERVISOR}, **POST_REDIRECT),
    *_both(
        "observation:visit_action", visit_step("schedule_invited"), {"A": SUPERVISOR, "B": SUPERVISOR}, **POST_REDIRECT
    ),
    *_both("observation:record_edit", rectifying_visit, TEAM),
    *_both("observation:record_signoff", rectifying_visit, TEAM, **POST_REDIRECT),
    # The page script's sending: the team reaches the service, which refuses an empty sending (400).
    *_both("observation:record_sync", rectifying_visit, TEAM, method="post", ok=400),
    *_both("observation:feedback_edit", rectifying_visit, {"A": SUPERVISOR, "B": SUPERVISOR}),
    *_both("observation:feedback_acknowledge", rectifying_visit, UNIT_SECRETARY, **POST_REDIRECT),
    *_both("observation:document", document("letter"), OBS_VIEW),
    Case("observation:rectification_list", OBS_ANYWHERE),
    *_both("observation:rectification_detail", item_of, OBS_VIEW),
]
