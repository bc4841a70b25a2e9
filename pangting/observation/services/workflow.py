"""The visit workflow: the steps a user may take now, and taking one.

The edge tables live in `pangting.observation.workflows` and are run by the one mechanism in
`pangting.core.transitions`; there is no raw state setter. Each service in this package that
changes a state calls `run_step` with its effect (e.g. numbering a letter after the claim).
"""

from __future__ import annotations

from typing import Any

from pangting.core.transitions import available_steps, run_step

from ..models import State, Visit

STATE_ORDER = [
    State.PLANNED, State.NOTIFIED, State.SCHEDULED, State.OBSERVED, State.RECORDED,
    State.FEEDBACK_ISSUED, State.RECTIFYING, State.CLOSED,
]  # fmt: skip


def visit_steps(visit: Visit, user: Any) -> list[str]:
    """The names of the steps `user` may take on `visit` now (page buttons, the API's `available_steps`)."""
    return [edge.step for edge in available_steps(visit, user)]


__all__ = ["STATE_ORDER", "available_steps", "run_step", "visit_steps"]
