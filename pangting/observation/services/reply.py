"""The unit's reply to a notice letter (R-O4), sent and signed for through the one delivery mechanism.

R-O4 (seed 000 §3.2): within 7 working days of receiving the letter the unit agrees the details
with the team and submits its session plan (学习会方案). The reply is a `core.deliveries`
delivery, not a date someone types in:

* `send_reply`: the unit's liaison (its current `LiaisonAssignment`) or its study secretary
  (policy action `observation.deliver`) names the session, writes the agreed details and sends
  them with the session plan — the 学习会方案 rendered from the session's data
  (`documents.session_plan`) or a file the unit uploads — to the supervisor's people for the
  visit: the team leader and the supervising department (`Visit.supervisor_org`, set from
  `orgs.units.supervisor_org_for` when the visit was made). The send is the visit's `reply`
  step (permission first, preconditions, row lock, log: `core.transitions.run_step`);
* `sign_reply_receipt`: each addressee signs for it with one tap (签收).

The reply's on-time status counts from the send time against `Visit.reply_due` (stored when the
letter's delivery was recorded): `Visit.reply_received_on` is written only here, from the
delivery, so the page, ledgers, metrics and the R-O4 check read the send day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock, deliveries
from pangting.core.deliveries import Addressee, Delivery, Receipt
from pangting.core.system import is_system
from pangting.orgs.models import LiaisonAssignment
from pangting.study.services import deliveries as study_deliveries

from ..models import TeamMember, Visit
from ._common import A, _save, check_upload
from .visits import _link_session, _set_session_deadlines
from .workflow import run_step

REPLY = "reply"  # delivery kind: the unit's reply with its session plan → the supervisor's people


def is_unit_liaison(user: Any, visit: Visit) -> bool:
    """Whether `user` is a current liaison of the visit's unit (R-O3: the linked college's liaison)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    return LiaisonAssignment.objects.current(clock.today()).filter(unit=visit.unit, liaison_id=person_id).exists()


def may_send_reply(user: Any, visit: Visit) -> bool:
    """R-O4: the unit's liaison or its study secretary sends the reply (the policy decides both)."""
    return policy.can(user, A.OBSERVATION_DELIVER, visit.unit)


def reply_addressees(visit: Visit) -> list[Addressee]:
    """The supervisor's people for this visit: the team leader(s) and the supervising department."""
    leaders = [member.person for member in visit.team() if member.role == TeamMember.Role.LEADER]
    supervisor = visit.supervisor_org
    return [
        *[Addressee(label=_("旁听组组长"), person=person) for person in leaders],
        Addressee(
            label=supervisor.office_name or _("督导部门"),
            organization=supervisor,
            sign_action=str(A.OBSERVATION_MANAGE),
        ),
    ]


def _replies() -> Any:
    return Delivery.objects.filter(app_label="observation", model="visit", kind=REPLY, deleted_at__isnull=True)


def reply_delivery(visit: Visit) -> Delivery | None:
    """The reply the unit sent for `visit`, or None (read from `preload_replies` when a list did)."""
    if hasattr(visit, "_preloaded_reply"):
        return visit._preloaded_reply
    return _replies().filter(object_id=visit.pk).order_by("pk").first()


def preload_replies(visits: list[Visit]) -> None:
    """A page of visits reads its replies and their receipts in two queries (issue 15: none per row)."""
    receipts = Receipt.objects.select_related("addressee_person", "addressee_org")
    found: dict[int, Delivery] = {}
    for delivery in (
        _replies()
        .filter(object_id__in=[v.pk for v in visits])
        .prefetch_related(Prefetch("receipts", queryset=receipts))
        .order_by("pk")
    ):
        found.setdefault(delivery.object_id, delivery)
    for visit in visits:
        visit._preloaded_reply = found.get(visit.pk)  # type: ignore[attr-defined]


def reply_sent_days(visit_ids: Any) -> dict[int, dt.date]:
    """The day each visit's reply was sent, by visit id (one query; the R-O4 check reads it).

    `visit_ids`: ids, or a queryset of them (a subquery, as the R-O4 check passes)."""
    sent = Delivery.objects.filter(
        app_label="observation", model="visit", object_id__in=visit_ids, kind=REPLY, deleted_at__isnull=True
    ).values_list("object_id", "sent_at")
    return {int(object_id): timezone.localdate(sent_at) for object_id, sent_at in sent}


@transaction.atomic
def send_reply(
    visit: Visit,
    session: Any,
    *,
    actor: Any,
    notes: str = "",
    plan_file: Any = None,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Visit:
    """R-O4: the unit names its session and sends the agreed details and its session plan.

    A late reply is sent and shown as late, not refused. `at` backdates the send for a reply
    given on paper and entered afterwards (the demo, set-up); it may not lie in the future nor
    before the letter was issued.
    """
    if not (is_system(actor) or may_send_reply(actor, visit)):
        raise Http404  # permission first: forbidden looks like missing
    if session is None:
        raise ValidationError(_("请选择学习会。"))
    if plan_file is not None:
        check_upload(plan_file)
    if at is not None and visit.letter_issued_at and at < visit.letter_issued_at:
        raise ValidationError(_("回复时间不能早于发函时间（R-O4）。"))
    sender_label = _("学习秘书")
    if is_unit_liaison(actor, visit):
        sender_label = _("联络员")

    def send(claimed: Visit) -> str:
        _link_session(claimed, session)
        delivery = deliveries.send(
            claimed,
            REPLY,
            actor=actor,
            organization=claimed.unit,
            title=_("巡听旁听函回复及学习会方案"),
            sender_label=sender_label,
            rule="R-O4",
            addressees=reply_addressees(claimed),
            due=claimed.reply_due,
            due_basis=claimed.reply_due_basis,
            at=at,
        )
        claimed.reply_received_on = delivery.sent_on
        claimed.reply_notes = notes
        if plan_file is not None:
            claimed.reply_plan_file = plan_file
        _set_session_deadlines(claimed)
        _save(claimed, actor)
        # i18n: not interface (a step reason, stored in the log as written)
        return "单位报送回复及学习会方案" + ("（逾期）" if claimed.reply_late else "")

    return run_step(visit, "reply", actor=actor, expected_version=expected_version, effect=send)


def sign_reply_receipt(receipt: Receipt, *, actor: Any, at: dt.datetime | None = None) -> Receipt:
    """The team leader or the supervising department signs for the reply (签收, one tap)."""
    delivery = receipt.delivery
    if delivery.app_label != "observation" or delivery.kind != REPLY:
        raise Http404
    return deliveries.sign(receipt, actor=actor, at=at)


def pending_reply_receipts(user: Any) -> Any:
    """The replies waiting for `user`'s signature (the supervisor's and the team leader's to-dos)."""
    return deliveries.pending_receipts(user).filter(delivery__app_label="observation", delivery__kind=REPLY)


def reply_rows(visit: Visit, user: Any) -> list[dict[str, Any]]:
    """The visit's reply as its page shows it: who sent when, late or on time, who signed when."""
    return study_deliveries.delivery_rows(visit, user, kinds=[REPLY])


def reply_at(replied_on: dt.date | None) -> dt.datetime | None:
    """A reply day entered afterwards as a send time (noon of that day); None for today or no day."""
    if replied_on is None or replied_on == clock.today():
        return None
    if replied_on > clock.today():
        raise ValidationError(_("回复日期不能晚于今天。"))
    return timezone.make_aware(dt.datetime.combine(replied_on, dt.time(12)))


def record_reply(
    visit: Visit,
    session: Any,
    *,
    actor: Any,
    replied_on: dt.date | None = None,
    notes: str = "",
    expected_version: int | None = None,
) -> Visit:
    """The reply of a unit named by its day (set-up, the demo, a reply entered afterwards): `send_reply`."""
    return send_reply(
        visit, session, actor=actor, notes=notes, at=reply_at(replied_on), expected_version=expected_version
    )
