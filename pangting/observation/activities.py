"""What the team did at a visit besides sitting in (R-O6, R-O19), as one list.

Talks, document reviews, forums, on-site comments and theory spot questions are kept in their own
tables; the record form, the year file and the ledger print them through this one list, so each
output shows the same lines in the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from .models import DocumentReview, Forum, OnSiteComment, SpotQuestion, Talk, Visit

# The kinds, in the order outputs print them. Chinese (documents print them); pages translate.
TALK = gettext_noop("个别谈话")
REVIEW = gettext_noop("调阅资料")
FORUM = gettext_noop("专题座谈")
COMMENT = gettext_noop("现场点评")
QUESTION = gettext_noop("理论问题抽查")
KINDS = (TALK, REVIEW, FORUM, COMMENT, QUESTION)


@dataclass(frozen=True)
class Activity:
    visit_id: int
    kind: str
    day: dt.date | None
    who: str  # with whom / by whom / who answered
    content: str
    result: str = ""


def _period(review: DocumentReview) -> str:
    if not review.period_from and not review.period_to:
        return ""
    ends = [d for d in (review.period_from, review.period_to) if d]
    return "—".join(f"{d.year}年{d.month}月{d.day}日" for d in ends)


def activity(item: Talk | DocumentReview | Forum | OnSiteComment | SpotQuestion) -> Activity:
    """One stored talk, review, forum, comment or question as an activity."""
    if isinstance(item, Talk):
        who = item.person_name + (f"（{item.person_role}）" if item.person_role else "")
        return Activity(item.visit_id, TALK, item.held_on, who, item.notes, item.get_method_display())
    if isinstance(item, DocumentReview):
        content = "；".join(filter(None, [_period(item), item.notes]))
        return Activity(item.visit_id, REVIEW, None, item.get_kind_display(), content)
    if isinstance(item, Forum):
        content = "：".join(filter(None, [item.topic, item.notes]))
        return Activity(item.visit_id, FORUM, item.held_on, item.participants, content)
    if isinstance(item, OnSiteComment):
        return Activity(item.visit_id, COMMENT, None, item.commenter, item.content)
    content = "：".join(filter(None, [item.question, item.answer]))
    return Activity(item.visit_id, QUESTION, None, item.answered_by, content, item.get_result_display())


# The tables, in KINDS order, with the order of their rows and the visit's related name.
SOURCES: tuple[tuple[type, tuple[str, ...], str], ...] = (
    (Talk, ("held_on", "pk"), "talks"),
    (DocumentReview, ("pk",), "document_reviews"),
    (Forum, ("held_on", "pk"), "forums"),
    (OnSiteComment, ("pk",), "on_site_comments"),
    (SpotQuestion, ("pk",), "spot_questions"),
)


def activities_for(visit_ids: Iterable[int]) -> dict[int, list[Activity]]:
    """Every activity of the given visits, by visit, in KINDS order then by date: five queries."""
    ids = list(visit_ids)
    out: dict[int, list[Activity]] = {pk: [] for pk in ids}
    for model, order, _related in SOURCES:
        for item in model.objects.filter(visit_id__in=ids, deleted_at__isnull=True).order_by(*order):
            out[item.visit_id].append(activity(item))
    return out


def activities_of(visit: Visit) -> list[Activity]:
    return activities_for([visit.pk])[visit.pk]


def line(activity: Activity) -> str:
    """One activity as a line of a document (Chinese, as the documents are)."""
    day = f"{activity.day.year}年{activity.day.month}月{activity.day.day}日，" if activity.day else ""
    who = f"{activity.who}：" if activity.who else ""
    result = f"（{activity.result}）" if activity.result else ""
    return f"{day}{who}{activity.content}{result}"
