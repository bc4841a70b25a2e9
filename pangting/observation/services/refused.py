"""Visits whose reply, record or feedback deadline was refused for want of a calendar year get it
when an administrator enters that year (issue 10 item 6; registered in `ObservationConfig.ready`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ..models import ACTIVE_STATES, Visit
from ._common import _save, _session_day
from .deadlines import _deadline, feedback_rule, record_rule, reply_rule


def fill_refused_deadlines(visit: Visit) -> bool:
    """Compute the due dates the visit lacks (R-O4 reply, R-O8 record, R-O9 feedback); never moves
    one already set. True when at least one was filled; the warning keeps any refusal that remains."""
    warnings: list[str] = []
    filled = False
    if visit.letter_delivered_on and visit.reply_due is None:
        visit.reply_due, visit.reply_due_basis, warning = _deadline(visit.letter_delivered_on, reply_rule())
        warnings.append(warning)
        filled |= visit.reply_due is not None
    if visit.session_id:
        day = _session_day(visit.session)
        if visit.record_due is None:
            visit.record_due, visit.record_due_basis, warning = _deadline(day, record_rule())
            warnings.append(warning)
            filled |= visit.record_due is not None
        if visit.feedback_due is None:
            visit.feedback_due, visit.feedback_due_basis, warning = _deadline(day, feedback_rule())
            warnings.append(warning)
            filled |= visit.feedback_due is not None
    if filled:
        visit.deadline_warning = next((w for w in warnings if w), "")
    return filled


def recompute_refused(year: int, actor: Any) -> int:
    """The active visits that lacked a due date and got one now that `year` is entered; only they are saved."""
    lacking = Q(letter_delivered_on__isnull=False, reply_due__isnull=True) | Q(
        Q(record_due__isnull=True) | Q(feedback_due__isnull=True), session__isnull=False
    )
    count = 0
    candidates = Visit.objects.filter(lacking, state__in=ACTIVE_STATES).select_related("session")
    for visit in candidates.select_for_update(of=("self",)).order_by("pk"):
        if fill_refused_deadlines(visit):
            _save(visit, actor)
            count += 1
    return count
