"""R-O15: by the end of December each supervising level issues the year's summary and a bulletin.

The one home of the due day and of "what is still owed": the compliance check
(`reports.checks`), the reminders (`reports.reminders`) and the to-do list (`reports.todos`)
all ask this module, so they agree on the day and on which document counts.

Each supervising organization (R-O23) owes its own annual summary (年度总结) and at least one
bulletin (通报) of the year for the units it supervises itself; a document counts once it is
issued (its first issue), whatever later versions follow. A level that supervises no unit
owes nothing. The due day is the rule's parameter (31 December by default); reminders and
to-dos start a configurable number of days before it. A year the system holds no record of
owes nothing, as the check yields nothing for it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.compliance.services import years_with_records
from pangting.core import parameters
from pangting.core.parameters import Parameter
from pangting.orgs.models import Organization
from pangting.orgs.units import supervising_organizations, units_supervised_by

from .models import DocumentKind, ReportDocument

RULE = "R-O15"
KINDS = (DocumentKind.SUMMARY, DocumentKind.BULLETIN)


def register_parameters() -> None:
    """Declare how early the reminders start (from `ReportsConfig.ready`); the due month and day
    are declared with the check (`reports.checks`)."""
    parameters.register(
        RULE,
        Parameter("remind_days", 30, gettext_lazy("年度总结和通报提前提醒天数（自然日）"), "days"),
        title=gettext_lazy("年度总结和通报"),
    )


def due_day(year: int, params: Mapping[str, object] | None = None) -> dt.date:
    """The day by which `year`'s summary and bulletin are issued (a day past the month's end is
    its last day). `params` are the rule's values (read from the registry when not given)."""
    values = parameters.values(RULE) if params is None else params
    month = int(str(values["due_month"]))
    return dt.date(year, month, min(int(str(values["due_day"])), calendar.monthrange(year, month)[1]))


def remind_from(year: int) -> dt.date:
    """The first day the owed documents of `year` are reminded and listed as to-dos."""
    return due_day(year) - dt.timedelta(days=int(parameters.values(RULE)["remind_days"]))


def kind_label(kind: str) -> str:
    """What is owed, as a reminder or to-do says it: 印发2026年度巡听旁听工作总结."""
    if kind == DocumentKind.SUMMARY:
        return _("印发{year}年度巡听旁听工作总结")
    return _("印发{year}年度学习情况通报")


@dataclass(frozen=True)
class Owed:
    """One document a supervising organization still owes for a year, and its due day."""

    office: Organization
    kind: str
    year: int
    due: dt.date

    @property
    def what(self) -> str:
        return kind_label(self.kind).format(year=self.year)


def first_issued(offices: Iterable[int], year: int) -> dict[tuple[int, str], dt.date]:
    """(office pk, kind) → the local day its first document of `year` was issued."""
    issued: dict[tuple[int, str], dt.date] = {}
    rows = ReportDocument.objects.filter(
        organization_id__in=list(offices), year=year, issued_at__isnull=False
    ).values_list("organization_id", "kind", "issued_at")
    for office_id, kind, issued_at in rows:
        day = timezone.localdate(issued_at)
        issued[(office_id, kind)] = min(day, issued.get((office_id, kind), day))
    return issued


def owing_offices(offices: Iterable[Organization] | None = None) -> list[Organization]:
    """The supervising organizations (of `offices`, default all) that supervise at least one unit."""
    candidates = list(supervising_organizations()) if offices is None else list(offices)
    return [office for office in candidates if units_supervised_by(office).exists()]


def owed(today: dt.date, offices: Iterable[Organization] | None = None) -> list[Owed]:
    """The documents not issued on `today` whose reminder period has begun, for this year and
    the last one (a past year's stay owed until issued, as its finding stays).

    A year the system holds no record of is skipped, as the compliance check skips it
    (`compliance.services.has_records`): its missing documents would only say that nothing
    was entered."""
    owing = owing_offices(offices)
    missing: dict[int, list[tuple[Organization, str]]] = {}
    for year in (today.year - 1, today.year):
        if not owing or today < remind_from(year):
            continue
        issued = first_issued((office.pk for office in owing), year)
        if pairs := [(office, kind) for office in owing for kind in KINDS if (office.pk, kind) not in issued]:
            missing[year] = pairs
    if not missing:
        return []
    # Every unit's records (None): read by their paths, once for both years, not as a
    # province's 10,000 instances.
    with_records = years_with_records(missing, None)
    found: list[Owed] = []
    for year, pairs in missing.items():
        if year in with_records:
            due = due_day(year)
            found.extend(Owed(office, kind, year, due) for office, kind in pairs)
    return found


def document_list_url(year: int) -> str:
    return reverse("reports:document_list") + f"?year={year}"
