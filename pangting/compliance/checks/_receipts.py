"""Receipts never signed (签收), reported by the check of the rule that owns the document.

A delivery's addressee who has not signed for it within the rule's `receipt_days` working
days (`core.deliveries.receipt_overdue`, the one definition the reminders and to-dos read too)
is named in a finding of that rule: R-S10 for the arrangement form and the report after the
session, R-S1 for the annual plan, R-O4 for the reply to a notice letter. Amber: the sender
did his part; the document waits for its addressee. One query for the three rules of a run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_noop

from ..messages import finding_message
from ..registry import CheckContext, Evidence, FindingData
from ._common import cached, local_day, month_period

RULES = ("R-S1", "R-S10", "R-O4")  # the rules whose documents are delivered and signed for


def _unsigned(ctx: CheckContext) -> list[Any]:
    """The unsigned receipts of the three rules' documents sent in the year by the units in scope.

    One query per run, shared by the three checks."""
    from pangting.core.deliveries import unsigned_receipts

    return cached(
        ctx,
        "unsigned_receipts",
        lambda: list(unsigned_receipts(ctx.today, rules=RULES, organization_ids=ctx.unit_ids, sent_year=ctx.year)),
    )


def receipt_findings(ctx: CheckContext, rule_id: str) -> Iterator[FindingData]:
    """One finding per unsigned, overdue receipt of `rule_id`'s documents sent in the year by the units in scope."""
    from pangting.core.deliveries import RECEIPT_DAYS, OverdueReceipt, receipt_overdue
    from pangting.workdays.services import get_calendar

    if rule_id not in RULES:  # the shared read holds these rules' receipts only
        raise ValueError(f"receipts are read for {RULES}, not {rule_id}")
    days = int(ctx.params[RECEIPT_DAYS])
    calendar = cached(ctx, "calendar", get_calendar)
    found = [
        OverdueReceipt(receipt, sign_by)
        for receipt in _unsigned(ctx)
        if receipt.delivery.rule == rule_id
        and (sign_by := receipt_overdue(receipt, ctx.today, calendar, days)) is not None
    ]
    for item in found:
        delivery, receipt = item.delivery, item.receipt
        sent = local_day(delivery.sent_at)
        yield FindingData(
            delivery.organization_id, month_period(sent), f"receipt:{receipt.pk}", "amber",
            finding_message(
                gettext_noop("{sent}报送的“{title}”，{addressee}（{label}）逾期未签收（应于{due}前签收，{days}个工作日内）"),
                sent=sent, title=delivery.title, addressee=receipt.addressee_name, label=receipt.addressee_label,
                due=item.sign_by, days=days,
            ),
            (Evidence(f"{delivery.app_label}.{delivery.model}", delivery.object_id, delivery.title),),
            {"receipt": receipt.pk, "addressee": receipt.addressee_name, "sent": sent.isoformat(),
             "sign_by": item.sign_by.isoformat()},
        )  # fmt: skip
