"""One delivery mechanism for every document that is sent and signed for (issue 11 item 1).

Beside the transition mechanism (`core.transitions`): where a step moves one record from state
to state, a delivery is a document leaving one person and reaching others. A `Delivery` is sent
by whoever the rule names (the owning app checks who that is before calling `send`), and each
addressee gets a `Receipt` that shows among his to-dos until he signs for it (`sign`, one tap).
The send time and each signing time are recorded; lateness is counted from the send time
against the rule's due date, which the owning app computes and passes in.

Who may send is the owning app's business (its policy actions); who may sign is decided here
from the receipt itself: the named person, or a holder of the receipt's `sign_action` over the
delivery's organization, asked through the registered policy (`core.registry.scope`), so core
imports no later app. Every row keeps its history (django-simple-history).

**A receipt never signed** is overdue once the `receipt_days` working days of the delivery's
rule (a registered parameter, declared by the app that owns the document through
`register_receipt_deadline`, default 3) have passed since the send day: `receipt_overdue` is the
one definition, read by the rule's check (a finding naming who has not signed), the reminders
to the addressee and his to-dos. Core does not read the working-day table itself: callers pass
the calendar (`workdays.services.get_calendar()`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.core import clock, parameters, registry
from pangting.core.parameters import Parameter
from pangting.lib.workdays import DayUnit, UnknownCalendarYear, WorkCalendar, add_days

from .dates import format_datetime
from .models import Delivery, Receipt
from .system import is_system, require_actor

__all__ = [
    "Addressee",
    "Delivery",
    "OverdueReceipt",
    "Receipt",
    "for_record",
    "may_sign",
    "overdue_receipts",
    "pending_receipts",
    "receipt_overdue",
    "register_receipt_deadline",
    "send",
    "sign",
    "sign_by",
    "signable",
]


@dataclass(frozen=True)
class Addressee:
    """Who a delivery goes to: a person (by id) or a department (an organization and the action that signs for it)."""

    label: str
    person: Any = None
    organization: Any = None
    sign_action: str = ""


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _record_key(record: Any) -> dict[str, Any]:
    return {"app_label": record._meta.app_label, "model": record._meta.model_name, "object_id": record.pk}


def _save(obj: Any, actor: Any) -> None:
    obj._history_user = _user(actor)
    obj.full_clean()
    obj.save()


@transaction.atomic
def send(
    record: Any,
    kind: str,
    *,
    actor: Any,
    organization: Any,
    title: str,
    addressees: Sequence[Addressee],
    sender_label: str = "",
    rule: str = "",
    due: dt.date | None = None,
    due_basis: dict[str, Any] | None = None,
    forwards: Delivery | None = None,
    at: dt.datetime | None = None,
    note: str = "",
    once: bool = True,
) -> Delivery:
    """Send the `kind` document of `record` to `addressees`; one receipt each. Once per record and kind,
    unless `once` is False (a plan sent again after it was returned for changes).

    `at` backdates the send (the demo, records entered afterwards); it may not lie in the future.
    """
    require_actor(actor)
    if not addressees:
        raise ValidationError(_("没有收件人，无法报送。"))
    now = clock.now()
    at = at or now
    if at > now:
        raise ValidationError(_("报送时间不能晚于当前时间。"))
    existing = Delivery.objects.filter(**_record_key(record), kind=kind).first() if once else None
    if existing is not None:
        raise ValidationError(
            _("“{title}”已于{time}报送，不能重复报送。").format(
                title=existing.title, time=format_datetime(existing.sent_at)
            )
        )
    delivery = Delivery(
        **_record_key(record),
        kind=kind,
        rule=rule,
        title=title,
        organization=organization,
        forwards=forwards,
        sender=_user(actor),
        sender_label=sender_label,
        sent_at=at,
        due=due,
        due_basis=due_basis or {},
        note=note,
    )
    _save(delivery, actor)
    for addressee in addressees:
        if addressee.person is None and addressee.organization is None:
            raise ValidationError(_("收件人不明确。"))
        _save(
            Receipt(
                delivery=delivery,
                addressee_person=addressee.person,
                addressee_org=addressee.organization,
                addressee_label=addressee.label,
                sign_action=addressee.sign_action,
            ),
            actor,
        )
    return delivery


def may_sign(user: Any, receipt: Receipt) -> bool:
    """The named person, or a holder of `sign_action` over the delivery's organization.

    The system actor signs receipts given on paper and entered afterwards (the demo's story)."""
    if is_system(user):
        return True
    if receipt.addressee_person_id is not None:
        return bool(getattr(user, "person_id", None)) and user.person_id == receipt.addressee_person_id
    if not receipt.sign_action:
        return False
    return registry.scope(Receipt.objects.filter(pk=receipt.pk), user, receipt.sign_action).exists()


@transaction.atomic
def sign(receipt: Receipt, *, actor: Any, at: dt.datetime | None = None) -> Receipt:
    """The addressee signs for the document (签收); once. Anyone else gets 404, as for a record he cannot see."""
    require_actor(actor)
    fresh = Receipt.objects.select_for_update().filter(pk=receipt.pk).first()
    if fresh is None or not may_sign(actor, fresh):
        raise Http404
    if fresh.signed_at is not None:
        signed = format_datetime(fresh.signed_at)
        raise ValidationError(_("已于{time}签收，无需重复签收。").format(time=signed))
    now = clock.now()
    at = at or now
    if at > now or at < fresh.delivery.sent_at:
        raise ValidationError(_("签收时间应在报送之后、当前时间之前。"))
    fresh.signed_at = at
    fresh.signed_by = _user(actor)
    _save(fresh, actor)
    receipt.refresh_from_db()
    return receipt


def for_record(record: Any, kinds: Iterable[str] | None = None) -> list[Delivery]:
    """The deliveries of `record` with their receipts, oldest first.

    No permission check here: the caller has already fetched `record` in the user's scope, and
    whoever may see a record sees who sent and signed its documents."""
    qs = Delivery.objects.filter(**_record_key(record)).select_related("sender", "forwards")
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return list(
        qs.prefetch_related(
            models.Prefetch(
                "receipts",
                queryset=Receipt.objects.select_related("addressee_person", "addressee_org", "signed_by"),
            )
        )
    )


def pending_receipts(user: Any) -> models.QuerySet[Receipt]:
    """The receipts `user` may sign and has not: his own, and his department's (the to-do list)."""
    if not getattr(user, "is_authenticated", False):
        return Receipt.objects.none()
    unsigned = Receipt.objects.filter(signed_at__isnull=True, delivery__deleted_at__isnull=True)
    condition = Q(pk__in=[])
    if user.person_id:
        condition |= Q(addressee_person_id=user.person_id)
    for action in unsigned.filter(addressee_person__isnull=True).values_list("sign_action", flat=True).distinct():
        if action:
            condition |= Q(pk__in=registry.scope(unsigned.filter(sign_action=action), user, action).values("pk"))
    return unsigned.filter(condition).select_related("delivery", "delivery__organization").order_by("delivery__sent_at")


def signable(user: Any, pk: Any) -> Receipt:
    """One unsigned or signed receipt that `user` may sign, or 404 (missing and forbidden alike)."""
    receipt = Receipt.objects.select_related("delivery").filter(pk=pk).first() if str(pk).isdigit() else None
    if receipt is None or not may_sign(user, receipt):
        raise Http404
    return receipt


# --- receipts never signed ----------------------------------------------------------------------

RECEIPT_DAYS = "receipt_days"
DEFAULT_RECEIPT_DAYS = 3


def register_receipt_deadline(rule_id: str) -> None:
    """Declare the working days within which the addressees of `rule_id`'s documents sign for them
    (from the owning app's `AppConfig.ready`: R-S10 and R-S1 by study, R-O4 by observation)."""
    parameters.register(
        rule_id,
        Parameter(
            RECEIPT_DAYS, DEFAULT_RECEIPT_DAYS, gettext_lazy("收件人签收期限（工作日）"), "days",
            unit=gettext_lazy("个工作日"),
        ),
    )  # fmt: skip


def receipt_days(rule_id: str) -> int:
    """The working days `rule_id`'s addressees have to sign (the default when the rule declares none)."""
    return int(parameters.values(rule_id).get(RECEIPT_DAYS, DEFAULT_RECEIPT_DAYS)) if rule_id else DEFAULT_RECEIPT_DAYS


def sign_by(delivery: Delivery, calendar: WorkCalendar, days: int | None = None) -> dt.date | None:
    """The last day to sign for `delivery`: `days` (default its rule's `receipt_days`) working days
    after its send day (the send day not counted), or None when the calendar does not know that year yet."""
    count = receipt_days(delivery.rule) if days is None else days
    try:
        return add_days(delivery.sent_on, count, DayUnit.WORKING, calendar)
    except UnknownCalendarYear:
        return None


def receipt_overdue(
    receipt: Receipt, today: dt.date, calendar: WorkCalendar, days: int | None = None
) -> dt.date | None:
    """The one definition: the day `receipt` should have been signed by, if it is still unsigned
    after it on `today` (a withdrawn delivery never is); else None. `days` as for `sign_by`."""
    if receipt.signed_at is not None or receipt.delivery.deleted_at is not None:
        return None
    due = sign_by(receipt.delivery, calendar, days)
    return due if due is not None and due < today else None


@dataclass(frozen=True)
class OverdueReceipt:
    """A receipt not signed by the end of its signing period."""

    receipt: Receipt
    sign_by: dt.date

    @property
    def delivery(self) -> Delivery:
        return self.receipt.delivery


def unsigned_receipts(
    today: dt.date,
    *,
    rules: Iterable[str] | None = None,
    app_label: str = "",
    organization_ids: Iterable[int] | None = None,
    sent_year: int | None = None,
    sent_after: dt.date | None = None,
) -> models.QuerySet[Receipt]:
    """The receipts not signed of deliveries sent before `today`, narrowed by the delivery's rule,
    app, sending organization and send year (or day after which it was sent), in sending order,
    with their delivery, its organization and the addressee loaded (one query)."""
    qs = Receipt.objects.filter(
        signed_at__isnull=True, delivery__deleted_at__isnull=True, delivery__sent_at__date__lt=today
    )
    if rules is not None:
        qs = qs.filter(delivery__rule__in=list(rules))
    if app_label:
        qs = qs.filter(delivery__app_label=app_label)
    if organization_ids is not None:
        qs = qs.filter(delivery__organization_id__in=list(organization_ids))
    if sent_year is not None:
        qs = qs.filter(delivery__sent_at__year=sent_year)
    if sent_after is not None:
        qs = qs.filter(delivery__sent_at__date__gt=sent_after)
    return qs.select_related("delivery__organization", "addressee_person", "addressee_org").order_by(
        "delivery__sent_at", "pk"
    )


def overdue_receipts(
    today: dt.date,
    *,
    calendar: WorkCalendar,
    rules: Iterable[str] | None = None,
    app_label: str = "",
    organization_ids: Iterable[int] | None = None,
    sent_year: int | None = None,
    sent_after: dt.date | None = None,
    days: dict[str, int] | None = None,
) -> list[OverdueReceipt]:
    """Every unsigned receipt overdue on `today` (`receipt_overdue`) among `unsigned_receipts`; one
    query (and one per rule for its `receipt_days`, unless `days` gives them, as a check's parameters do)."""
    found = []
    known = dict(days or {})
    unsigned = unsigned_receipts(
        today, rules=rules, app_label=app_label, organization_ids=organization_ids, sent_year=sent_year,
        sent_after=sent_after,
    )  # fmt: skip
    for receipt in unsigned:
        rule = receipt.delivery.rule
        if rule not in known:
            known[rule] = receipt_days(rule)
        due = receipt_overdue(receipt, today, calendar, known[rule])
        if due is not None:
            found.append(OverdueReceipt(receipt, due))
    return found
