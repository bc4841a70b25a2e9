"""Demo data for planning: a few months of next year when a leader or a liaison cannot visit.

Called by `seed_demo` through its registered demo hook, after the observation extension,
with {"root", "units", "users"}. The rows go through the service, as the supervisor enters
them, so that next year's plan generated in the demo visibly keeps out of those months.
"""

from __future__ import annotations

from typing import Any

from pangting.orgs.models import LeaderLink, LiaisonAssignment

from . import services


def extend_demo(context: dict[str, Any]) -> None:
    root = context["root"]
    year = context["dates"].next_year
    supervisor = context["users"]["xuanchuan"]
    units = [u.pk for u in context["units"]]
    links = LeaderLink.objects.current().filter(unit_id__in=units).select_related("leader").order_by("leader__name")
    leaders = list({link.leader_id: link.leader for link in links}.values())
    liaison = (
        LiaisonAssignment.objects.current().filter(unit_id__in=units).select_related("liaison").order_by("unit__path")
    ).first()
    rows: list[tuple[Any, int, int, str]] = []
    if leaders:
        rows.append((leaders[0], 3, 4, "赴省委党校中青年干部培训班学习"))
    if len(leaders) > 1:
        rows.append((leaders[1], 11, 11, "带队出国访问"))
    if liaison is not None:
        rows.append((liaison.liaison, 6, 6, "援派支教"))
    for person, first, last, reason in rows:
        services.create_unavailability(
            actor=supervisor, supervisor_org=root, person=person, year=year, first_month=first, last_month=last,
            reason=reason,
        )  # fmt: skip
