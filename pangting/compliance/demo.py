"""Demo data for the compliance app (called by `seed_demo` through its registered demo hook).

Runs every check for the demo's years at the end of seeding, so the demo opens with findings:
the imperfections the study and observation demos planted (listed in `context["planted"]`).
"""

from __future__ import annotations

from typing import Any

from pangting.core.system import system_actor

from .models import ComplianceRun
from .services import run_checks


def extend_demo(context: dict[str, Any]) -> None:
    actor = system_actor()  # the demo builder acts as the named system actor, not as nobody
    for year in context["dates"].years:
        run_checks(year, trigger=ComplianceRun.Trigger.SCHEDULE, actor=actor)
