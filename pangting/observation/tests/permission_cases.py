"""The observation app's rows of the permission matrix (collected by pangting/tests/test_permission_matrix.py).

observation.view reaches the supervisor and the leadership viewer everywhere, the team
(leader linked to unit A, its liaison) and the unit's study secretary on their own unit.
Each workflow step needs its own action at the visit's unit: manage (supervisor), record
(leader, liaison), reply (the unit's secretary); every other persona gets 404.
"""

from __future__ import annotations

from typing import Any

from pangting.tests.matrix import API, POST_REDIRECT, Case

from .permission_cases_grouping import CASES as GROUPING
from .permission_cases_parts import CASES as PARTS
from .permission_cases_parts import OBS_ANYWHERE, OBS_VIEW, SUPERVISOR, item_of, rectifying, visit
from .permission_cases_parts import plan as plan_of

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


# --- problem list (R-O25), evidence and the committee's decision on the plan (R-O20) ---------------

UNIT_OR_SUPERVISOR = {"A": SUPERVISOR | {"secretary_a"}, "B": SUPERVISOR | {"secretary_b"}}


def evidence_of(w: Any, side: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pangting.core.system import system_actor
    from pangting.observation import services
    from pangting.observation.models import Rectification

    item = Rectification.objects.get(pk=item_of(w, side)["pk"])
    upload = SimpleUploadedFile("整改台账.pdf", b"%PDF-1.4 matrix", content_type="application/pdf")
    return {"pk": services.add_evidence(item, upload, actor=system_actor()).pk}


def decided_plan(w: Any) -> dict[str, Any]:
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from pangting.observation import services
    from pangting.observation.models import ObservationPlan

    plan = ObservationPlan.objects.get(pk=plan_of(w)["pk"])
    document = SimpleUploadedFile("党委会决定.pdf", b"%PDF-1.4 matrix", content_type="application/pdf")
    services.record_committee_decision(
        plan, actor=w.supervisor, meeting="党委会", day=dt.date(2026, 3, 2), document=document
    )
    return {"pk": plan.pk}


def problem_body(side: str) -> Any:
    return lambda w: {"unit": {"A": w.unit_a, "B": w.unit_b}[side].pk, "problem": "学习记录不完整"}


CASES += [
    # Whoever may reply for some unit (its secretary) or supervise one opens the form; the API
    # answers the new item (200) to the unit's secretary and the supervisor, 404 to the rest.
    Case("observation:problem_item_create", SUPERVISOR | {"secretary_a", "secretary_b"}),
    *[
        Case(
            "observation-rectification-problem-list",
            UNIT_OR_SUPERVISOR[side],
            target=side,
            method="post",
            data=problem_body(side),
            **API,
        )
        for side in ("A", "B")
    ],
    *_both("observation:evidence_download", evidence_of, OBS_VIEW),
    Case("observation:plan_committee", SUPERVISOR, kwargs=plan_of, **POST_REDIRECT),
    Case("observation:plan_document", frozenset({"supervisor", "viewer"}), kwargs=decided_plan),
]


# --- the unit's reply as a delivery (R-O4) --------------------------------------------------------

REPLIERS = {"A": frozenset({"secretary_a", "liaison"}), "B": frozenset({"secretary_b"})}


def replied(w: Any, side: str) -> dict[str, Any]:
    """A visit of `side` whose unit sent its reply (set-up through the services, the system actor)."""
    import time_machine

    from pangting.core.system import system_actor
    from pangting.observation import services
    from pangting.study.tests.builders import make_session

    from .scenes import at

    unit, system = {"A": w.unit_a, "B": w.unit_b}[side], system_actor()
    with time_machine.travel(at("2026-09-25"), tick=False):
        letter = services.issue_letter(
            services.create_visit(actor=system, unit=unit, year=2026, semester=2), actor=system
        )
        session = make_session(unit, starts_at=at("2026-09-30", "14:30"))
        return {"pk": services.record_reply(letter, session, actor=system).pk}


def department_receipt(w: Any, side: str) -> dict[str, Any]:
    from pangting.core.deliveries import Receipt

    visit_pk = replied(w, side)["pk"]
    receipt = Receipt.objects.get(
        delivery__app_label="observation", delivery__object_id=visit_pk, addressee_org__isnull=False
    )
    return {"pk": receipt.pk}


CASES += [
    # The web step: the liaison and the secretary reach it (a bad form redirects back), others 404.
    *_both("observation:visit_action", visit_step("reply"), REPLIERS, **POST_REDIRECT),
    # 签收: the supervising department's receipt is signed by its supervisor only.
    *_both("observation:reply_receipt_sign", department_receipt, {"A": SUPERVISOR, "B": SUPERVISOR}, **POST_REDIRECT),
    # The API's 签收: the supervisor (the department) and unit A's team leader (his own receipt).
    *[
        Case(
            "observation-visit-sign-reply",
            {"A": SUPERVISOR | {"leader"}, "B": SUPERVISOR}[side],
            target=side,
            kwargs=lambda w, s=side: replied(w, s),
            method="post",
            data=lambda w: {},
            **API,
        )
        for side in ("A", "B")
    ],
    *_both("observation:document", lambda w, side: {**replied(w, side), "kind": "session_plan"}, OBS_VIEW),
]
