"""The study documents that are sent and signed for, through the one delivery mechanism (`core.deliveries`).

R-S10 (seed 001 §4.1 and 附件1 note), as a chain of deliveries instead of boxes the unit ticks:

1. `send_arrangement`: the unit (its study secretary) sends the arrangement form to its liaison;
2. `forward_arrangement`: the liaison passes it on to the linked leader(s), at least 2 days
   before the session — this send is what R-S10 measures (`arrangement_submitted_at`);
3. `send_report`: after the session, the copy of the form with the session's record goes to the
   supervising 宣传部 within 2 days (`report_submitted_at`).

Each addressee signs for his copy (`sign_receipt`). The due dates are the session's own,
computed when it was scheduled; lateness counts from the send time. The session's
`*_submitted_at` fields are written only here, from the delivery that R-S10 measures, so the
pages, ledgers and metrics that read them read the send time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock, deliveries
from pangting.core.deliveries import Addressee, Delivery, Receipt
from pangting.core.system import is_system
from pangting.lib.workdays import WorkCalendar
from pangting.orgs.models import LeaderLink, LiaisonAssignment, Person
from pangting.orgs.units import supervisor_org_for
from pangting.workdays import timeliness
from pangting.workdays.services import get_calendar

from ..models import StudySession
from ._common import A, _copy_back, _local_day, _locked, _save

ARRANGEMENT = "arrangement"  # the unit → its liaison
ARRANGEMENT_TO_LEADER = "arrangement_leader"  # the liaison → the linked leader(s): what R-S10 measures
REPORT = "report"  # after the session: the form's copy and the record → the supervisor
KINDS = (ARRANGEMENT, ARRANGEMENT_TO_LEADER, REPORT)


def _liaisons(session: StudySession) -> list[Person]:
    on = _local_day(session.starts_at)
    links = LiaisonAssignment.objects.current(min(on, clock.today())).filter(unit=session.organization)
    return [link.liaison for link in links.select_related("liaison").order_by("pk")]


def _leaders(session: StudySession) -> list[Person]:
    on = _local_day(session.starts_at)
    links = LeaderLink.objects.current(min(on, clock.today())).filter(unit=session.organization)
    return [link.leader for link in links.select_related("leader").order_by("pk")]


def _check_sendable(session: StudySession) -> None:
    if not session.is_center_group:
        raise ValidationError(_("只有中心组学习会需要报送学习安排报送表（R-S10）。"))
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，无需报送。"))


def _is_liaison(actor: Any, session: StudySession) -> bool:
    person_id = getattr(actor, "person_id", None)
    return bool(person_id) and any(p.pk == person_id for p in _liaisons(session))


def _may_send_report(user: Any, session: StudySession) -> bool:
    """The study secretary or the liaison sends the copy to the supervisor (R-S10)."""
    unit = session.organization
    return policy.can(user, A.STUDY_CHANGE, unit) or policy.can(user, A.STUDY_DELIVER, unit)


def delivery_of(session: StudySession, kind: str) -> Delivery | None:
    return Delivery.objects.filter(app_label="study", model="studysession", object_id=session.pk, kind=kind).first()


@transaction.atomic
def send_arrangement(session: StudySession, *, actor: Any, at: dt.datetime | None = None) -> Delivery:
    """R-S10 step 1: the unit's study secretary sends the arrangement form to the unit's liaison."""
    if not policy.can(actor, A.STUDY_CHANGE, session.organization):
        raise Http404
    _check_sendable(session)
    if not (session.is_approved or session.approval_legacy):
        raise ValidationError(_("学习会方案须经中心组组长（书记）审定后才能报送学习安排报送表（R-S15）。"))
    liaisons = _liaisons(session)
    if not liaisons:
        raise ValidationError(_("本单位尚未设联络员，请先在组织机构中指定联络员（R-S10）。"))
    return deliveries.send(
        session,
        ARRANGEMENT,
        actor=actor,
        organization=session.organization,
        title=_("学习安排报送表"),
        sender_label=_("学习秘书"),
        rule="R-S10",
        addressees=[Addressee(label=_("联络员"), person=person) for person in liaisons],
        due=session.arrangement_due,
        due_basis=session.arrangement_due_basis,
        at=at,
    )


@transaction.atomic
def forward_arrangement(session: StudySession, *, actor: Any, at: dt.datetime | None = None) -> Delivery:
    """R-S10 step 2: the liaison passes the unit's form on to the linked leader(s); his own copy is signed with it.

    Only the unit's current liaison (the system actor for records entered afterwards) sends it."""
    if not policy.can(actor, A.STUDY_DELIVER, session.organization):
        raise Http404
    if not (is_system(actor) or _is_liaison(actor, session)):
        raise ValidationError(_("学习安排报送表由本单位联络员转报联系校领导（R-S10）。"))
    _check_sendable(session)
    first = delivery_of(session, ARRANGEMENT)
    if first is None:
        raise ValidationError(_("本单位尚未报送学习安排报送表，联络员暂不能转报。"))
    leaders = _leaders(session)
    if not leaders:
        raise ValidationError(_("本单位尚无联系校领导，无法转报（R-S10）。"))
    at = at or clock.now()
    for receipt in first.receipts.filter(signed_at__isnull=True):
        if is_system(actor) or receipt.addressee_person_id == actor.person_id:
            deliveries.sign(receipt, actor=actor, at=max(at, first.sent_at))
    delivery = deliveries.send(
        session,
        ARRANGEMENT_TO_LEADER,
        actor=actor,
        organization=session.organization,
        title=_("学习安排报送表"),
        sender_label=_("联络员"),
        rule="R-S10",
        addressees=[Addressee(label=_("联系校领导"), person=person) for person in leaders],
        due=session.arrangement_due,
        due_basis=session.arrangement_due_basis,
        forwards=first,
        at=max(at, first.sent_at),
    )
    locked = _locked(session)
    locked.arrangement_submitted_at = delivery.sent_at
    locked.arrangement_submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    _save(locked, actor, clean=False)
    _copy_back(session, locked)
    return delivery


@transaction.atomic
def send_report(session: StudySession, *, actor: Any, at: dt.datetime | None = None) -> Delivery:
    """R-S10 step 3: after the session, the form's copy and the session record go to the supervising 宣传部."""
    if not _may_send_report(actor, session):
        raise Http404
    _check_sendable(session)
    at = at or clock.now()
    if at < session.starts_at:
        raise ValidationError(_("学习会尚未召开，会后材料应在会后报送。"))
    supervisor = supervisor_org_for(session.organization)
    delivery = deliveries.send(
        session,
        REPORT,
        actor=actor,
        organization=session.organization,
        title=_("学习安排报送表（副本）及会后材料"),
        sender_label=_("联络员") if _is_liaison(actor, session) else _("学习秘书"),
        rule="R-S10",
        addressees=[Addressee(label=_("党委宣传部"), organization=supervisor, sign_action=str(A.STUDY_SUPERVISE))],
        due=session.report_due,
        due_basis=session.report_due_basis,
        at=at,
    )
    locked = _locked(session)
    locked.report_submitted_at = delivery.sent_at
    locked.report_submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    _save(locked, actor, clean=False)
    _copy_back(session, locked)
    return delivery


def sign_receipt(receipt: Receipt, *, actor: Any, at: dt.datetime | None = None) -> Receipt:
    """The addressee signs for his copy (签收)."""
    return deliveries.sign(receipt, actor=actor, at=at)


def timeliness_of(delivery: Delivery, today: dt.date | None = None) -> str | None:
    """on_time / late from the send time against the due date (`workdays.timeliness`); None without a due date.

    Every delivery judged in working days reads it here: the R-S10 forms, the reports and plans,
    and the unit's reply to a notice letter (R-O4)."""
    return timeliness.classify(delivery.sent_on, delivery.due, today or clock.today())


@dataclass
class ReceiptTerms:
    """What the last day to sign a receipt needs, read once for a page, a to-do list or an API
    response: today (the one clock), the calendar, and each rule's `receipt_days` (a query per
    rule, not per receipt). The days themselves are `core.deliveries.sign_by` / `receipt_overdue`."""

    today: dt.date = field(default_factory=lambda: clock.today())
    calendar: WorkCalendar = field(default_factory=lambda: get_calendar())
    days: dict[str, int] = field(default_factory=dict)

    def _days(self, receipt: Receipt) -> int:
        rule = receipt.delivery.rule
        if rule not in self.days:
            self.days[rule] = deliveries.receipt_days(rule)
        return self.days[rule]

    def sign_by(self, receipt: Receipt) -> dt.date | None:
        """The last day to sign; None while the calendar does not know that year."""
        return deliveries.sign_by(receipt.delivery, self.calendar, self._days(receipt))

    def overdue_since(self, receipt: Receipt) -> dt.date | None:
        """The last day to sign, when `receipt` is still unsigned after it; else None."""
        return deliveries.receipt_overdue(receipt, self.today, self.calendar, self._days(receipt))


def delivery_rows(record: Any, user: Any, kinds: list[str] | None = None) -> list[dict[str, Any]]:
    """A record's deliveries as its page shows them: who sent when, late or on time, who signed
    when, and which receipt is past its last day to sign (`core.deliveries.receipt_overdue`)."""
    terms = ReceiptTerms()
    return [
        {
            "delivery": delivery,
            "timeliness": timeliness_of(delivery, terms.today),
            "receipts": [
                {
                    "receipt": r,
                    "may_sign": r.signed_at is None and deliveries.may_sign(user, r),
                    "overdue_since": terms.overdue_since(r),
                }
                for r in delivery.receipts.all()
            ],
        }
        for delivery in deliveries.for_record(record, kinds=kinds)
    ]


def next_steps(session: StudySession, user: Any) -> list[str]:
    """The R-S10 sends `user` may take on `session` now (page buttons and the API's list)."""
    if not session.is_center_group or session.status == StudySession.Status.CANCELLED:
        return []
    sent = set(
        Delivery.objects.filter(app_label="study", model="studysession", object_id=session.pk).values_list(
            "kind", flat=True
        )
    )
    steps = []
    if (
        ARRANGEMENT not in sent
        and (session.is_approved or session.approval_legacy)
        and policy.can(user, A.STUDY_CHANGE, session.organization)
    ):
        steps.append("send_arrangement")
    if (
        ARRANGEMENT in sent
        and ARRANGEMENT_TO_LEADER not in sent
        and policy.can(user, A.STUDY_DELIVER, session.organization)
        and _is_liaison(user, session)
    ):
        steps.append("forward_arrangement")
    if REPORT not in sent and session.starts_at <= clock.now() and _may_send_report(user, session):
        steps.append("send_report")
    return steps
