"""R-O15 reminders: the supervisors of each level whose year's summary or bulletin is not issued.

A source of `observation.reminders` (registered in `ReportsConfig.ready`): one reminder when
the reminder period starts (`remind_days` before the due day), one on the day, and weekly once
overdue, as every other deadline is reminded (`observation.reminders.stage_for`).
"""

from __future__ import annotations

import datetime as dt

from pangting.accounts import policy
from pangting.accounts.models import User
from pangting.core import parameters
from pangting.observation.reminders import Owed, stage_for, users_who_can
from pangting.orgs.models import Organization

from . import yearend

A = policy.Action


def supervisors_of(office: Organization) -> list[User]:
    """Who issues `office`'s documents: those seated there for reports.manage (R-O23: not the
    level above, which only reads them)."""
    return users_who_can(A.REPORTS_MANAGE, office, seat=True)


def yearend_reminders(today: dt.date) -> list[Owed]:
    """Every summary and bulletin still owed on `today` whose reminder falls today (R-O15)."""
    before = int(parameters.values(yearend.RULE)["remind_days"])
    reminders: list[Owed] = []
    recipients: dict[int, list[User]] = {}
    for item in yearend.owed(today):
        stage = stage_for(item.due, today, before_days=before)
        if stage is None:
            continue
        if item.office.pk not in recipients:
            recipients[item.office.pk] = supervisors_of(item.office)
        reminders.append(
            Owed(
                f"yearend-{item.kind}", item.office.pk, item.due, stage, item.what, item.office,
                recipients[item.office.pk], yearend.document_list_url(item.year),
            )
        )  # fmt: skip
    return reminders
