"""The planning app's rows of the permission matrix (collected by pangting/tests/test_permission_matrix.py).

Draws and plan runs belong to the supervising organization (the root); only who manages
observation there (observation.manage: the supervisor) reaches them. The leadership viewer
sees observation but does not manage it, so it gets 404 like everyone else (R-O2).
Objects are created inside each request's rolled-back savepoint, through the services.
"""

from __future__ import annotations

from typing import Any

from pangting.tests.matrix import API, EVERYONE, POST_REDIRECT, Case

MANAGERS = frozenset({"supervisor"})


def committed(w: Any) -> dict[str, Any]:
    from pangting.planning.tests.builders import make_draw

    return {"pk": make_draw(w).pk}


def drawn(w: Any) -> dict[str, Any]:
    from pangting.planning.tests.builders import make_draw

    return {"pk": make_draw(w, drawn=True).pk}


def run(w: Any) -> dict[str, Any]:
    from pangting.planning import services

    return {"pk": services.create_run(actor=w.supervisor, supervisor_org=w.root, year=2027, time_limit=2).pk}


def unavailability(w: Any) -> dict[str, Any]:
    from pangting.planning import services

    row = services.create_unavailability(
        actor=w.supervisor, supervisor_org=w.root, person=w.leader_person, year=2027, first_month=5,
        last_month=6, reason="赴省委党校学习",
    )  # fmt: skip
    return {"pk": row.pk}


def unavailability_data(w: Any) -> dict[str, Any]:
    return {"person": str(w.leader_person.pk), "year": "2027", "first_month": "5", "last_month": "6", "reason": "出访"}


CASES: list[Case] = [
    Case("planning:draw_list", MANAGERS),
    Case("planning:draw_create", MANAGERS),
    Case("planning:draw_detail", MANAGERS, kwargs=committed),
    Case("planning:draw_detail", MANAGERS, kwargs=drawn, variant="projector", data=lambda w: {"projector": "1"}),
    Case(
        "planning:draw_perform", MANAGERS, kwargs=committed, data=lambda w: {"public_value": "3267.58"}, **POST_REDIRECT
    ),
    Case("planning:draw_verify", MANAGERS, kwargs=drawn),
    Case("planning:draw_record", MANAGERS, kwargs=drawn),
    Case("planning:draw_visits", MANAGERS, kwargs=drawn, data=lambda w: {"semester": "2"}, **POST_REDIRECT),
    Case("planning:run_list", MANAGERS),
    Case("planning:run_create", MANAGERS, data=lambda w: {"year": "2027", "time_limit": "2"}, **POST_REDIRECT),
    Case("planning:run_detail", MANAGERS, kwargs=run),
    Case("planning:run_progress", MANAGERS, kwargs=run),
    Case("planning:run_approve", MANAGERS, kwargs=run, **POST_REDIRECT),
    Case(
        "planning:run_adjust",
        MANAGERS,
        kwargs=run,
        data=lambda w: {"unit_id": str(w.unit_a.pk), "semester": "1", "month": "4", "pinned": "1"},
        **POST_REDIRECT,
    ),
    Case("planning:run_resolve", MANAGERS, kwargs=run, **POST_REDIRECT),
    Case("planning:unavailability_list", MANAGERS),
    Case("planning:unavailability_create", MANAGERS, data=unavailability_data, **POST_REDIRECT),
    Case("planning:unavailability_delete", MANAGERS, kwargs=unavailability, **POST_REDIRECT),
    # The API (read-only): lists answer every signed-in user, empty outside the reach (planning/tests/test_api.py).
    *[Case(f"planning-{kind}-list", EVERYONE, **API) for kind in ("draw", "run", "unavailability")],
    Case("planning-draw-detail", MANAGERS, kwargs=committed, **API),
    Case("planning-draw-detail", MANAGERS, kwargs=drawn, variant="drawn", **API),
    Case("planning-run-detail", MANAGERS, kwargs=run, **API),
]
