"""Observation to-dos: who owes the next step of each visit, with its deadline and basis.

The step, its due date and basis come from `obligations.py`, like the reminders and the banner.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.dates import format_datetime
from pangting.core.todos import Todo
from pangting.study.services.deliveries import ReceiptTerms

from .models import InvitationRequest, Rectification, State, Visit
from .obligations import STATE_ACTIONS, Obligation, current_obligation, rectification_obligation
from .services.reply import pending_reply_receipts

A = policy.Action


LIMIT = 30  # to-dos of one kind shown on the home page


def todo_for(obligation: Obligation, unit_name: str) -> Todo:
    """An obligation as the home page shows it: the same step, due date and basis everywhere."""
    return Todo(
        _("{unit}：{step}").format(unit=unit_name, step=obligation.label),
        obligation.url,
        detail=obligation.detail,
        due=obligation.due,
        due_basis=obligation.basis,
        severity=obligation.severity,
    )


def observation_todos(user: Any) -> list[Todo]:
    today = clock.today()
    todos: list[Todo] = []
    visits = Visit.objects.for_user(user).select_related("unit", "session", "supervisor_org")
    for action, states in STATE_ACTIONS.items():
        if not policy.can(user, action):
            continue
        mine = visits.filter(unit__in=_orgs(user, action), state__in=states)
        # The letter of a visit planned for a later year is not owed yet.
        mine = mine.exclude(state=State.PLANNED, year__gt=today.year).order_by("pk")
        for visit in mine.prefetch_related("rectifications")[: LIMIT * len(states)]:
            obligation = current_obligation(visit, items=visit.rectifications.all())  # now, like the page
            if obligation is None or obligation.action != action or obligation.step in ("rectify", "verify"):
                continue  # rectification items are listed one by one below
            todos.append(todo_for(obligation, visit.unit.display_name))
    if policy.can(user, A.OBSERVATION_MANAGE):
        managed = visits.filter(unit__in=_orgs(user, A.OBSERVATION_MANAGE))
        for visit in managed.exclude(deadline_warning="")[:10]:
            todos.append(
                Todo(
                    _("{unit}的期限无法计算").format(unit=visit.unit.display_name),
                    reverse("observation:visit_detail", args=[visit.pk]),
                    detail=visit.deadline_warning,
                    severity="warn",
                )
            )
        pending = InvitationRequest.objects.for_user(user, A.OBSERVATION_MANAGE).filter(
            status=InvitationRequest.Status.PENDING
        )
        for invitation in pending.select_related("unit")[:20]:
            todos.append(
                Todo(
                    _("处理{unit}的旁听邀请").format(unit=invitation.unit.display_name),
                    _invitation_url(invitation),
                    severity="warn",
                )
            )
    # R-O10: each rectification item, to the unit (carry it out) or the office (verify it).
    for action, statuses in (
        (A.OBSERVATION_REPLY, [Rectification.Status.OPEN, Rectification.Status.SENT_BACK]),
        (A.OBSERVATION_MANAGE, [Rectification.Status.REPORTED]),
    ):
        if not policy.can(user, action):
            continue
        items = (
            Rectification.objects.for_user(user, action)
            .filter(status__in=statuses)
            .exclude(visit__state=State.CANCELLED)
            .select_related("unit", "visit__unit", "visit__supervisor_org")
        )
        for item in items[:LIMIT]:
            obligation = rectification_obligation(item, today)
            if obligation is not None and obligation.action == action:
                todos.append(todo_for(obligation, item.unit.display_name))
    todos += reply_receipt_todos(user)
    return todos


def reply_receipt_todos(user: Any) -> list[Todo]:
    """R-O4: the units' replies (with their session plans) waiting for `user` to sign for them:
    the visit's team leader and the supervising department."""
    todos: list[Todo] = []
    pending = list(pending_reply_receipts(user)[:LIMIT])
    if not pending:
        return todos
    terms = ReceiptTerms()
    for receipt in pending:
        delivery = receipt.delivery
        # Signed within R-O4's `receipt_days` working days (`receipt_overdue`, as the R-O4 check says).
        overdue = terms.overdue_since(receipt) is not None
        todos.append(
            Todo(
                _("签收{unit}的巡听旁听函回复及学习会方案").format(unit=delivery.organization.display_name),
                reverse("observation:visit_detail", args=[delivery.object_id]),
                detail=_("{time}报送。").format(time=format_datetime(delivery.sent_at)),
                due=terms.sign_by(receipt),
                severity="bad" if overdue else "warn",
            )
        )
    return todos


def _orgs(user: Any, action: A) -> Any:
    from pangting.orgs.models import Organization

    return Organization.objects.for_user(user, action)


def _invitation_url(invitation: InvitationRequest) -> str:
    return reverse("observation:invitation_list")
