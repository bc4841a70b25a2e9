"""Planning services: every write goes through one of these functions.

The functions live in modules by topic and are all importable from here, as they were when
this was one module:

- `draws`: auditable random draws (R-O2 random mode, 双随机一公开) and the visits made from them.
- `runs`: plan-generation runs (R-O1), reviewing the draft (move, pin, re-solve) and approval.
- `unavailability`: the months leaders and liaisons cannot be visited (R-O1 hard constraint).
- `_common`: private helpers the others share.
"""

from pangting.orgs.units import planning_people  # one definition, read by the policy too (R-O3)

from .draws import (
    create_draw,
    create_visits_from_draw,
    draw_units,
    live_visits,
    perform_draw,
    suggested_exclusions,
    superseded_by,
    verify_draw,
)
from .runs import (
    adjust_draft,
    allowed_teams,
    approve_run,
    create_run,
    draft_pins,
    execute_run,
    is_existing,
    planned_month_note,
    planned_month_summary,
    queue_run,
    resolve_run,
)
from .unavailability import (
    away_lookup,
    create_unavailability,
    delete_unavailability,
    unavailable_months,
)

__all__ = [
    "adjust_draft",
    "allowed_teams",
    "approve_run",
    "away_lookup",
    "create_draw",
    "create_run",
    "create_unavailability",
    "create_visits_from_draw",
    "delete_unavailability",
    "draft_pins",
    "draw_units",
    "execute_run",
    "is_existing",
    "live_visits",
    "perform_draw",
    "planned_month_note",
    "planned_month_summary",
    "planning_people",
    "queue_run",
    "resolve_run",
    "suggested_exclusions",
    "superseded_by",
    "unavailable_months",
    "verify_draw",
]
