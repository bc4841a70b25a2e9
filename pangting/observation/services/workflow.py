"""The visit workflow as data: the transition table, its preconditions, and `transition()`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy

from ..models import Feedback, Mode, ObservationRecord, Rectification, State, Visit, VisitTransition
from ._common import A, _save, _user

# (from, to) → the action a user needs at the visit's unit. Read this to know who does what.
TRANSITIONS: dict[tuple[str, str], A] = {
    (State.PLANNED, State.NOTIFIED): A.OBSERVATION_MANAGE,  # letter issued (R-O4)
    (State.PLANNED, State.SCHEDULED): A.OBSERVATION_MANAGE,  # invited visits: the unit named the session
    (State.NOTIFIED, State.SCHEDULED): A.OBSERVATION_REPLY,  # the unit's reply links its session
    (State.SCHEDULED, State.OBSERVED): A.OBSERVATION_RECORD,  # the team attended (R-O5)
    (State.OBSERVED, State.RECORDED): A.OBSERVATION_RECORD,  # record filed (R-O8)
    (State.RECORDED, State.FEEDBACK_ISSUED): A.OBSERVATION_MANAGE,  # feedback issued (R-O9)
    (State.FEEDBACK_ISSUED, State.RECTIFYING): A.OBSERVATION_REPLY,  # receipt acknowledged, problems to fix
    (State.FEEDBACK_ISSUED, State.CLOSED): A.OBSERVATION_REPLY,  # receipt acknowledged, nothing to fix
    (State.RECTIFYING, State.CLOSED): A.OBSERVATION_MANAGE,  # every item verified (R-O10)
}
for _state in State:
    if _state not in (State.CLOSED, State.CANCELLED):
        TRANSITIONS[(_state, State.CANCELLED)] = A.OBSERVATION_MANAGE

STATE_ORDER = [
    State.PLANNED, State.NOTIFIED, State.SCHEDULED, State.OBSERVED, State.RECORDED,
    State.FEEDBACK_ISSUED, State.RECTIFYING, State.CLOSED,
]  # fmt: skip


def allowed_transitions(visit: Visit, user: Any) -> list[str]:
    """The states `user` may move `visit` to now (for buttons on the page)."""
    return [
        to
        for (frm, to), action in TRANSITIONS.items()
        if frm == visit.state and policy.can(user, action, visit.unit) and not _precondition_error(visit, to)
    ]


def _precondition_error(visit: Visit, to_state: str) -> str | None:
    now = timezone.now()
    if to_state == State.SCHEDULED and visit.session_id is None:
        return _("尚未关联学习会，请先由单位回复并确定学习会。")
    if to_state == State.SCHEDULED and visit.state == State.PLANNED and visit.mode != Mode.INVITED:
        return _("固定式、随机式巡听旁听须先发函告知（R-O4）。")
    if to_state == State.OBSERVED and (visit.session is None or visit.session.starts_at > now):
        return _("学习会尚未开始，不能标记为已旁听。")
    if (
        to_state == State.RECORDED
        and not ObservationRecord.objects.filter(visit=visit, filed_at__isnull=False).exists()
    ):
        return _("请先填报列席旁听记录。")
    if to_state == State.FEEDBACK_ISSUED and not Feedback.objects.filter(visit=visit, issued_at__isnull=False).exists():
        return _("请先印发反馈意见。")
    if to_state == State.CLOSED:
        items = visit.rectifications.filter(deleted_at__isnull=True)
        if visit.state == State.RECTIFYING and items.exclude(status=Rectification.Status.ACCEPTED).exists():
            return _("还有整改事项未验收，不能办结。")
        if visit.state == State.FEEDBACK_ISSUED and items.exists():
            return _("反馈意见中有问题需要整改，请进入整改。")
    return None


@transaction.atomic
def transition(visit: Visit, to_state: str, *, actor: Any, reason: str = "") -> Visit:
    """Move `visit` to `to_state`: checks the table, the policy, the preconditions; records the change."""
    caller_visit = visit
    # Lock only the visit row: the session is a nullable join, which PostgreSQL cannot lock.
    visit = Visit.objects.select_for_update(of=("self",)).select_related("session", "unit").get(pk=visit.pk)
    to_state = State(to_state)
    action = TRANSITIONS.get((visit.state, to_state))
    if action is None:
        raise ValidationError(
            _("不能从“{from_state}”直接变为“{to_state}”。").format(
                from_state=State(visit.state).label, to_state=to_state.label
            )
        )
    if not policy.can(actor, action, visit.unit):
        raise ValidationError(_("您无权进行此操作。"))
    if to_state == State.CANCELLED and not reason.strip():
        raise ValidationError(_("取消巡听旁听须说明原因。"))
    problem = _precondition_error(visit, to_state)
    if problem:
        raise ValidationError(problem)
    VisitTransition.objects.create(
        visit=visit, from_state=visit.state, to_state=to_state, actor=_user(actor), reason=reason.strip()[:300]
    )
    visit.state = to_state
    _save(visit, actor, update_fields=["state", "updated_at"])
    # Keep the caller's instance in step, so a chain of services sees the new state.
    caller_visit.state = visit.state
    caller_visit.updated_at = visit.updated_at
    return caller_visit
