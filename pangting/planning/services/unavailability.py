"""Unavailability of leaders and liaisons (R-O1 hard constraint: no visit in such a month)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.orgs.models import Organization
from pangting.orgs.units import planning_people

from ._common import A, _save, _user


@transaction.atomic
def create_unavailability(
    *,
    actor: Any,
    supervisor_org: Organization,
    person: Any,
    year: int,
    first_month: int,
    last_month: int,
    reason: str,
) -> Any:
    """Record months in which a leader or liaison cannot visit; the next plan run keeps out of them."""
    from ..models import Unavailability

    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, supervisor_org):
        raise ValidationError(_("您无权登记该组织的不可安排时间。"))
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度应在2000至2100之间。"))
    if not (1 <= first_month <= 12 and 1 <= last_month <= 12):
        raise ValidationError(_("月份应在1至12之间。"))
    if first_month > last_month:
        raise ValidationError(_("截止月份不能早于起始月份；跨年度的请分两条登记。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请填写不可安排的原因（如：外出学习、出国访问）。"))
    if not planning_people(supervisor_org).filter(pk=person.pk).exists():
        raise ValidationError(_("{person}不是本组织当前的联系领导或联络员，无需登记。").format(person=person.name))
    row = Unavailability(
        supervisor_org=supervisor_org,
        person=person,
        year=year,
        first_month=first_month,
        last_month=last_month,
        reason=reason[:200],
        created_by=_user(actor),
    )
    _save(row, actor)
    return row


@transaction.atomic
def delete_unavailability(row: Any, *, actor: Any) -> None:
    """Soft-delete one row (its history keeps who entered and who removed it)."""
    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, row.supervisor_org):
        raise ValidationError(_("您无权删除该不可安排时间。"))
    if row.is_deleted:
        raise ValidationError(_("该不可安排时间已删除。"))
    row.soft_delete(actor=_user(actor))


def unavailable_months(supervisor_org: Organization, year: int) -> dict[int, dict[int, str]]:
    """person pk → {month: reason} for `year` under `supervisor_org` (one query)."""
    from ..models import Unavailability

    months: dict[int, dict[int, str]] = {}
    for row in Unavailability.objects.filter(supervisor_org=supervisor_org, year=year).order_by("first_month", "pk"):
        for month in row.months:
            months.setdefault(row.person_id, {}).setdefault(month, row.reason)
    return months


def away_lookup(supervisor_org: Organization, year: int, on: Any = None) -> Callable[[str, Any, int], str]:
    """A function (unit id, leader pk, month) → why that visit cannot take place then, or "" (two queries).

    The leader is away, or the unit's current liaison is (both go on the visit, R-O3).
    """
    from pangting.orgs.models import LiaisonAssignment

    from ..models import Unavailability

    on = on or clock.today()
    rows = Unavailability.objects.filter(supervisor_org=supervisor_org, year=year).select_related("person")
    away: dict[int, dict[int, str]] = {}
    for row in rows.order_by("first_month", "pk"):
        for month in row.months:
            away.setdefault(row.person_id, {}).setdefault(
                month, _("{name}（{reason}）").format(name=row.person.name, reason=row.reason)
            )
    liaisons: dict[str, list[int]] = {}
    if away:
        assignments = LiaisonAssignment.objects.current(on).filter(liaison_id__in=list(away))
        for unit_pk, liaison_pk in assignments.values_list("unit_id", "liaison_id"):
            liaisons.setdefault(str(unit_pk), []).append(liaison_pk)

    def reason(unit_id: str, leader_pk: Any, month: int) -> str:
        people = [int(leader_pk), *liaisons.get(str(unit_id), [])] if leader_pk else liaisons.get(str(unit_id), [])
        return _("、").join(away[p][month] for p in people if month in away.get(p, {}))

    return reason
