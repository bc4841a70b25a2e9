"""Permission-matrix cases for the invitation, cross-observation, practice and plan pages and the API.

The matrix (`pangting/tests/test_permission_matrix.py`) collects `permission_cases.CASES` of each
app; `permission_cases.py` should add these with `from .permission_cases_parts import CASES as PARTS`.
Objects are made inside each request's rolled-back savepoint, through the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pangting.core import clock
from pangting.core.system import system_actor
from pangting.tests.matrix import API, EVERYONE, POST_REDIRECT, Case

SUPERVISOR = frozenset({"supervisor"})
SECRETARIES = frozenset({"secretary_a", "secretary_b"})
OBS_VIEW = {  # observation.view: the supervisor and viewer everywhere, team and secretary on their unit
    "A": frozenset({"supervisor", "viewer", "leader", "liaison", "secretary_a"}),
    "B": frozenset({"supervisor", "viewer", "secretary_b"}),
}
OBS_ANYWHERE = frozenset({"supervisor", "viewer", "leader", "liaison", "secretary_a", "secretary_b"})


def _unit(w: Any, side: str) -> Any:
    return {"A": w.unit_a, "B": w.unit_b}[side]


def _other(w: Any, side: str) -> Any:
    return {"A": w.unit_b, "B": w.unit_a}[side]


def _actor(w: Any, side: str) -> Any:
    return {"A": w.secretary_a, "B": w.secretary_b}[side]


def invitation(w: Any, side: str) -> dict[str, Any]:
    from pangting.observation import services
    from pangting.study.tests.builders import make_session

    starts = clock.now() + dt.timedelta(days=10)
    session = make_session(_unit(w, side), starts_at=starts)
    return {"pk": services.request_invitation(session, actor=_actor(w, side)).pk}


def cross(w: Any, side: str) -> dict[str, Any]:
    from pangting.observation import services

    return {"pk": services.invite_cross_observation(_unit(w, side), _other(w, side), actor=_actor(w, side)).pk}


def practice(w: Any, side: str) -> dict[str, Any]:
    from pangting.observation import services

    item = services.collect_practice(actor=w.supervisor, unit=_unit(w, side), title="做法", description="简介")
    return {"pk": item.pk}


def plan(w: Any) -> dict[str, Any]:
    from pangting.observation import services

    services.create_visit(actor=w.supervisor, unit=w.unit_a, year=2026, semester=2)
    return {"pk": services.ensure_plan(w.root, 2026, actor=w.supervisor).pk}


def _both(name: str, objects: Any, allowed: dict[str, frozenset[str]], **options: Any) -> list[Case]:
    return [
        Case(name, allowed[side], target=side, kwargs=lambda w, s=side: objects(w, s), **options) for side in ("A", "B")
    ]


def visit(w: Any, side: str) -> dict[str, Any]:
    from pangting.observation import services

    return {"pk": services.create_visit(actor=w.supervisor, unit=_unit(w, side), year=2026, semester=2).pk}


def rectifying(w: Any, side: str) -> Any:
    """A visit of `side` walked to rectification through the services (actor None: set-up, not a user)."""
    import time_machine

    from pangting.observation import services
    from pangting.observation.models import Feedback
    from pangting.study.tests.builders import make_session

    from .scenes import FINDINGS, SCORES, at

    unit, system = _unit(w, side), system_actor()
    with time_machine.travel(at("2026-09-25"), tick=False):
        visit = services.issue_letter(
            services.create_visit(actor=system, unit=unit, year=2026, semester=2), actor=system
        )
        session = make_session(unit, starts_at=at("2026-09-30", "14:30"))
        services.record_reply(visit, session, actor=system)
    with time_machine.travel(at("2026-10-02"), tick=False):
        services.save_record(visit, actor=system, data=FINDINGS, scores=SCORES, submit=True)
        feedback = services.draft_feedback(visit, actor=system)
        services.save_feedback(
            feedback, actor=system, checklist={"theme": {"problem": True, "evidence": "主题不鲜明"}}, summary="",
            suggestions="突出主题。",
        )  # fmt: skip
        services.issue_feedback(feedback, actor=system)
        services.acknowledge_feedback(Feedback.objects.get(visit=visit), actor=system)
    return visit


def rectifying_visit(w: Any, side: str) -> dict[str, Any]:
    return {"pk": rectifying(w, side).pk}


def record_of(w: Any, side: str) -> dict[str, Any]:
    return {"pk": rectifying(w, side).record.pk}


def feedback_of(w: Any, side: str) -> dict[str, Any]:
    return {"pk": rectifying(w, side).feedback.pk}


def item_of(w: Any, side: str) -> dict[str, Any]:
    return {"pk": rectifying(w, side).rectifications.get().pk}


def reason_body(w: Any) -> dict[str, Any]:
    return {"reason": "调整安排"}


def _step(
    name: str, objects: Any, allowed: dict[str, frozenset[str]], *, ok: int = 200, data: Any = None
) -> list[Case]:
    """A POST workflow step: 404 (nothing revealed) unless the caller may take it at that unit."""
    return _both(name, objects, allowed, method="post", data=data or (lambda w: {}), ok=ok, **API)


UNIT_SECRETARY = {"A": frozenset({"secretary_a"}), "B": SECRETARIES - {"secretary_a"}}
TEAM = {"A": frozenset({"leader", "liaison"}), "B": frozenset()}
HOSTS = {"A": SUPERVISOR | {"secretary_a"}, "B": SUPERVISOR | {"secretary_b"}}
VISITORS = {"A": frozenset({"secretary_b"}), "B": frozenset({"secretary_a"})}


CROSS_SEEN = {  # host and visitor both see a cross-observation
    "A": OBS_VIEW["A"] | OBS_VIEW["B"],
    "B": OBS_VIEW["A"] | OBS_VIEW["B"],
}

CASES: list[Case] = [
    Case("observation:invitation_list", SUPERVISOR | SECRETARIES),
    Case("observation:invitation_create", SECRETARIES),
    *_both("observation:invitation_decide", invitation, {"A": SUPERVISOR, "B": SUPERVISOR}),
    Case("observation:cross_list", OBS_ANYWHERE),
    Case("observation:cross_create", SUPERVISOR | SECRETARIES),
    *_both("observation:cross_detail", cross, CROSS_SEEN),
    Case("observation:practice_list", OBS_ANYWHERE),
    Case("observation:practice_create", SUPERVISOR | SECRETARIES),
    *_both("observation:practice_detail", practice, OBS_VIEW),
    Case("observation:plan_detail", frozenset({"supervisor", "viewer"})),
    Case("observation:plan_create", SUPERVISOR, data=lambda w: {"year": 2027}, **POST_REDIRECT),
    Case("observation:plan_approve", SUPERVISOR, kwargs=plan, **POST_REDIRECT),
    Case("observation:year_file", SUPERVISOR),
    Case("observation:year_file_job", SUPERVISOR, data=lambda w: {"year": "2026"}, **POST_REDIRECT),
    # API: lists answer everyone signed in (their content is scoped, see test_api.py).
    *[
        Case(f"observation-{kind}-list", EVERYONE, **API)
        for kind in ("visit", "record", "feedback", "rectification", "cross", "practice", "invitation")
    ],
    *_both("observation-visit-detail", visit, OBS_VIEW, **API),
    *_both("observation-cross-detail", cross, CROSS_SEEN, **API),
    *_both("observation-practice-detail", practice, OBS_VIEW, **API),
    *_both("observation-invitation-detail", invitation, OBS_VIEW, **API),
    *_both("observation-record-detail", record_of, OBS_VIEW, **API),
    *_both("observation-feedback-detail", feedback_of, OBS_VIEW, **API),
    *_both("observation-rectification-detail", item_of, OBS_VIEW, **API),
    # The unit reports (400 here: no measure yet); the supervisor verifies (400: nothing reported yet).
    *_both(
        "observation-rectification-report",
        item_of,
        {"A": frozenset({"secretary_a"}), "B": SECRETARIES - {"secretary_a"}},
        method="post",
        data=lambda w: {"report": "已整改"},
        ok=400,
        **API,
    ),
    *_both(
        "observation-rectification-verify",
        item_of,
        {"A": SUPERVISOR, "B": SUPERVISOR},
        method="post",
        data=lambda w: {"accept": True},
        ok=400,
        **API,
    ),
    # Actions: 404 unless the caller may take that step at the unit; the team and the unit
    # reach the service, which refuses in Chinese (400) what the state does not allow.
    # Named steps (no raw state setter): the state refusals are 400, in Chinese, for those allowed only.
    *_step("observation-visit-cancel", visit, {"A": SUPERVISOR, "B": SUPERVISOR}, data=reason_body),
    *_step("observation-visit-mark-observed", visit, TEAM, ok=400),
    *_step("observation-visit-issue-letter", rectifying_visit, {"A": SUPERVISOR, "B": SUPERVISOR}, ok=400),
    *_step(
        "observation-visit-delivery",
        visit,
        {"A": SUPERVISOR, "B": SUPERVISOR},
        ok=400,
        data=lambda w: {"delivered_on": "2026-09-25"},
    ),
    *_step("observation-visit-issue-feedback", rectifying_visit, {"A": SUPERVISOR, "B": SUPERVISOR}, ok=400),
    *_step("observation-visit-acknowledge", rectifying_visit, UNIT_SECRETARY, ok=400),
    *_step("observation-cross-attend", cross, HOSTS),
    *_step("observation-cross-cancel", cross, HOSTS, data=reason_body),
    *_step("observation-cross-report", cross, VISITORS, data=lambda w: {"report": "已列席"}),
    *_step("observation-invitation-decline", invitation, {"A": SUPERVISOR, "B": SUPERVISOR}, data=reason_body),
    *_step("observation-invitation-accept", invitation, {"A": SUPERVISOR, "B": SUPERVISOR}),
    # R-O4: the unit's liaison or its study secretary sends the reply (observation.deliver).
    *_both(
        "observation-visit-reply",
        visit,
        {"A": frozenset({"secretary_a", "liaison"}), "B": SECRETARIES - {"secretary_a"}},
        method="post",
        data=lambda w: {"session": 0},
        ok=400,
        **API,
    ),
    *_both(
        "observation-visit-record",
        visit,
        {"A": frozenset({"leader", "liaison"}), "B": frozenset()},
        method="post",
        data=lambda w: {},
        ok=400,
        **API,
    ),
]
