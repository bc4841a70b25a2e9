"""The current obligation: who owes the next step of a visit or a rectification item, and by when.

The one home of this idea. The to-do list (`todos.py`), the daily reminders (`reminders.py`),
the visit page's banner and list column, and the compliance checks of R-O4, R-O8, R-O9 and
R-O10 all ask `current_obligation(visit)` or `rectification_obligation(item)` instead of
working it out from the state themselves.

The steps follow the visit edge table (`services/workflow.py`: the action each transition
needs) and the stored deadlines (`services/deadlines.py`, computed when a step happened and
stored with their basis). A deadline the calendar could not compute yet is None here too:
it is never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.orgs.models import Organization
from pangting.orgs.units import supervisor_org_for
from pangting.workdays.services import describe_basis

from .models import Mode, Rectification, State, Visit

A = policy.Action

SOON_DAYS = 2  # a deadline this close is a warning, not just information

# The steps an obligation can name, with the rule that sets their deadline (if any).
STEP_RULES = {
    "issue_letter": "R-O4",
    "schedule_invited": "R-O2",
    "reply": "R-O4",
    "attend": "R-O5",
    "record": "R-O8",
    "feedback": "R-O9",
    "acknowledge": "R-O9",
    "rectify": "R-O10",
    "verify": "R-O10",
    "close": "R-O10",
}


# The action the next step needs, by visit state (what `current_obligation` returns below):
# lists use it to narrow their queries before asking `current_obligation` itself.
STATE_ACTIONS: dict[policy.Action, list[str]] = {
    A.OBSERVATION_MANAGE: [State.PLANNED, State.RECORDED, State.RECTIFYING],
    A.OBSERVATION_RECORD: [State.SCHEDULED, State.OBSERVED],
    A.OBSERVATION_REPLY: [State.FEEDBACK_ISSUED, State.RECTIFYING],
    # R-O4: the reply to the letter is sent by the unit's liaison or its study secretary.
    A.OBSERVATION_DELIVER: [State.NOTIFIED],
}


@dataclass(frozen=True)
class Obligation:
    """One step someone owes: what, who (the action and the organization), by when, where to do it."""

    step: str  # a key of STEP_RULES
    label: str  # what to do, in the active language (Chinese by default)
    action: policy.Action  # the policy action that lets a user do it, at `unit`
    unit: Organization  # the observed unit: the policy checks `action` there
    owner: Organization  # the organization that owes it: the unit or the supervising office
    due: dt.date | None
    basis: str  # how `due` was computed ("送达后7个工作日……"), "" when there is no deadline
    overdue: bool
    severity: str  # info | warn | bad, as to-dos show it
    url: str
    detail: str = ""

    @property
    def rule(self) -> str:
        return STEP_RULES[self.step]

    @property
    def owed_by_unit(self) -> bool:
        return self.owner.pk == self.unit.pk

    def can_be_done_by(self, user: object) -> bool:
        return policy.can(user, self.action, self.unit)


def severity(due: dt.date | None, today: dt.date) -> str:
    """Overdue is bad; due within SOON_DAYS (or with no deadline) a warning; later, information."""
    if due is None:
        return "warn"
    if due < today:
        return "bad"
    return "warn" if (due - today).days <= SOON_DAYS else "info"


def _make(
    step: str,
    label: str,
    action: policy.Action,
    visit: Visit,
    owner: Organization,
    today: dt.date,
    url: str,
    *,
    due: dt.date | None = None,
    basis: str = "",
    detail: str = "",
    level: str | None = None,
) -> Obligation:
    overdue = due is not None and due < today
    return Obligation(
        step, label, action, visit.unit, owner, due, basis, overdue, level or severity(due, today), url, detail
    )


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def current_obligation(
    visit: Visit,
    today: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
    items: Iterable[Rectification] | None = None,
) -> Obligation | None:
    """The next step of `visit`, who owes it and by when; None when closed or cancelled.

    `now` decides whether the session has begun (attend → record); by default the current
    time, or the end of `today` when only a day is given (the daily reminders). `items` are the
    visit's rectification items when the caller already has them (a list page prefetches
    them); otherwise they are read when the visit is rectifying.
    """
    if now is None:
        now = clock.now() if today is None else _end_of(today)
    today = today or timezone.localdate(now)
    state = visit.state
    supervisor = visit.supervisor_org
    unit = visit.unit
    page = reverse("observation:visit_detail", args=[visit.pk])
    if state == State.PLANNED and visit.mode == Mode.INVITED:
        # R-O2: no letter for an invited visit; the supervising office links the unit's session.
        return _make(
            "schedule_invited", _("确定应邀旁听的学习会"), A.OBSERVATION_MANAGE, visit, supervisor, today, page,
            level="warn",
        )  # fmt: skip
    if state == State.PLANNED:
        return _make(
            "issue_letter", _("发出巡听旁听函"), A.OBSERVATION_MANAGE, visit, supervisor, today, page,
            detail=visit.get_mode_display(), level="info",
        )  # fmt: skip
    if state == State.NOTIFIED:  # R-O4: the unit replies within 7 working days of delivery
        return _make(
            "reply", _("回复巡听旁听函并报送学习会方案"), A.OBSERVATION_DELIVER, visit, unit, today, page,
            due=visit.reply_due, basis=describe_basis(visit.reply_due_basis), detail=visit.letter_number,
        )  # fmt: skip
    if state == State.SCHEDULED and (visit.session is None or visit.session.starts_at > now):
        session_day = timezone.localdate(visit.session.starts_at) if visit.session else None
        return _make(
            "attend", _("参加学习会（巡听旁听）"), A.OBSERVATION_RECORD, visit, supervisor, today, page,
            due=session_day, level="info",
        )  # fmt: skip
    if state in (State.SCHEDULED, State.OBSERVED):  # R-O8: the record within 3 days of the session
        return _make(
            "record", _("填报列席旁听记录"), A.OBSERVATION_RECORD, visit, supervisor, today,
            reverse("observation:record_edit", args=[visit.pk]),
            due=visit.record_due, basis=describe_basis(visit.record_due_basis),
        )  # fmt: skip
    if state == State.RECORDED:  # R-O9: written feedback within 10 working days
        return _make(
            "feedback", _("起草并印发反馈意见"), A.OBSERVATION_MANAGE, visit, supervisor, today,
            reverse("observation:feedback_edit", args=[visit.pk]),
            due=visit.feedback_due, basis=describe_basis(visit.feedback_due_basis),
        )  # fmt: skip
    if state == State.FEEDBACK_ISSUED:
        return _make("acknowledge", _("签收巡听旁听反馈意见"), A.OBSERVATION_REPLY, visit, unit, today, page)
    if state == State.RECTIFYING:
        if items is None:
            items = visit.rectifications.filter(deleted_at__isnull=True)
        owed = [o for item in items if (o := rectification_obligation(item, today, visit=visit)) is not None]
        if not owed:  # R-O10: every item verified, the supervising office closes the visit
            return _make("close", _("办结巡听旁听"), A.OBSERVATION_MANAGE, visit, supervisor, today, page, level="info")
        # The most pressing item speaks for the visit: the unit's work first, the earliest deadline first.
        return min(owed, key=lambda o: (o.step != "rectify", o.due or dt.date.max))
    return None


def rectification_obligation(
    item: Rectification, today: dt.date | None = None, *, visit: Visit | None = None
) -> Obligation | None:
    """R-O10: the unit carries out an open (or sent back) item by its deadline; the office verifies it."""
    today = today or clock.today()
    if visit is None and item.visit_id is not None:
        visit = item.visit
    if (visit is not None and visit.state == State.CANCELLED) or item.deleted_at is not None:
        return None
    url = reverse("observation:rectification_detail", args=[item.pk])
    # The visit's unit when it is the item's (a list page prefetched the visits, not the units).
    unit = visit.unit if visit is not None and visit.unit_id == item.unit_id else item.unit
    basis = describe_basis(item.deadline_basis)
    if item.status in (Rectification.Status.OPEN, Rectification.Status.SENT_BACK):
        label = _("落实整改事项") + (_("（退回重改）") if item.status == Rectification.Status.SENT_BACK else "")
        overdue = item.deadline is not None and item.deadline < today
        return Obligation(
            "rectify", label, A.OBSERVATION_REPLY, unit, unit, item.deadline, basis, overdue,
            severity(item.deadline, today) if item.deadline is not None else "info", url, item.problem[:60],
        )  # fmt: skip
    if item.status == Rectification.Status.REPORTED:
        office = visit.supervisor_org if visit is not None else supervisor_org_for(unit)
        return Obligation(
            "verify", _("验收整改事项"), A.OBSERVATION_MANAGE, unit, office, None, "", False, "info", url,
            item.problem[:60],
        )  # fmt: skip
    return None
