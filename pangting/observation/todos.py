"""Observation to-dos: who owes the next step of each visit, with its deadline and basis."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core.todos import Todo

from .models import InvitationRequest, Rectification, State, Visit

A = policy.Action


def _severity(due: Any, today: Any) -> str:
    if due is None:
        return "warn"
    if due < today:
        return "bad"
    return "warn" if (due - today).days <= 2 else "info"


def observation_todos(user: Any) -> list[Todo]:
    today = timezone.localdate()
    todos: list[Todo] = []
    visits = Visit.objects.for_user(user).select_related("unit", "session")

    def url(visit: Visit) -> str:
        return reverse("observation:visit_detail", args=[visit.pk])

    if policy.can(user, A.OBSERVATION_MANAGE):
        managed = visits.filter(unit__in=_orgs(user, A.OBSERVATION_MANAGE))
        for visit in managed.filter(state=State.PLANNED, year__lte=today.year)[:30]:
            todos.append(
                Todo(
                    _("向{unit}发出巡听旁听函").format(unit=visit.unit.display_name),
                    url(visit),
                    detail=visit.get_mode_display(),
                )
            )
        for visit in managed.filter(state=State.RECORDED)[:30]:
            todos.append(
                Todo(
                    _("起草并印发对{unit}的反馈意见").format(unit=visit.unit.display_name),
                    url(visit),
                    due=visit.feedback_due,
                    due_basis=visit.feedback_due_basis.get("text", ""),
                    severity=_severity(visit.feedback_due, today),
                )
            )
        for visit in managed.exclude(deadline_warning="")[:10]:
            todos.append(
                Todo(
                    _("{unit}的期限无法计算").format(unit=visit.unit.display_name),
                    url(visit),
                    detail=visit.deadline_warning,
                    severity="warn",
                )
            )
        reported = Rectification.objects.for_user(user, A.OBSERVATION_MANAGE).filter(
            status=Rectification.Status.REPORTED
        )
        for item in reported.select_related("visit__unit")[:30]:
            todos.append(
                Todo(
                    _("验收{unit}的整改事项").format(unit=item.visit.unit.display_name),
                    reverse("observation:rectification_detail", args=[item.pk]),
                    detail=item.problem[:60],
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
    if policy.can(user, A.OBSERVATION_RECORD):
        mine = visits.filter(unit__in=_orgs(user, A.OBSERVATION_RECORD), state__in=[State.SCHEDULED, State.OBSERVED])
        for visit in mine.filter(session__starts_at__lte=timezone.now())[:30]:
            todos.append(
                Todo(
                    _("填报{unit}列席旁听记录").format(unit=visit.unit.display_name),
                    reverse("observation:record_edit", args=[visit.pk]),
                    due=visit.record_due,
                    due_basis=visit.record_due_basis.get("text", ""),
                    severity=_severity(visit.record_due, today),
                )
            )
        for visit in mine.filter(session__starts_at__gt=timezone.now())[:30]:
            todos.append(
                Todo(
                    _("参加{unit}学习会（巡听旁听）").format(unit=visit.unit.display_name),
                    url(visit),
                    due=timezone.localdate(visit.session.starts_at),
                )
            )
    if policy.can(user, A.OBSERVATION_REPLY):
        units = _orgs(user, A.OBSERVATION_REPLY)
        for visit in visits.filter(unit__in=units, state=State.NOTIFIED)[:30]:
            todos.append(
                Todo(
                    _("回复巡听旁听函并报送学习会方案"),
                    url(visit),
                    detail=visit.letter_number,
                    due=visit.reply_due,
                    due_basis=visit.reply_due_basis.get("text", ""),
                    severity=_severity(visit.reply_due, today),
                )
            )
        for visit in visits.filter(unit__in=units, state=State.FEEDBACK_ISSUED)[:30]:
            todos.append(Todo(_("签收巡听旁听反馈意见"), url(visit), severity="warn"))
        items = Rectification.objects.for_user(user, A.OBSERVATION_REPLY).filter(
            status__in=[Rectification.Status.OPEN, Rectification.Status.SENT_BACK]
        )
        for item in items[:30]:
            todos.append(
                Todo(
                    _("落实整改事项") + (_("（退回重改）") if item.status == Rectification.Status.SENT_BACK else ""),
                    reverse("observation:rectification_detail", args=[item.pk]),
                    detail=item.problem[:60],
                    due=item.deadline,
                    severity="bad" if item.overdue else "info",
                )
            )
    return todos


def _orgs(user: Any, action: A) -> Any:
    from pangting.orgs.models import Organization

    return Organization.objects.for_user(user, action)


def _invitation_url(invitation: InvitationRequest) -> str:
    return reverse("observation:invitation_list")
