"""R-O15 reminders: the supervisors of each level whose year's summary or bulletin is not issued.

A source of `observation.reminders` (registered in `ReportsConfig.ready`): one reminder when
the reminder period starts (`remind_days` before the due day), one on the day, and weekly once
overdue, as every other deadline is reminded (`accounts.reminders.stage_for`).
"""

from __future__ import annotations

import datetime as dt

from pangting.accounts import policy
from pangting.accounts.models import User
from pangting.accounts.reminders import Owed, users_who_can
from pangting.core import parameters
from pangting.orgs.models import Organization

from . import yearend

A = policy.Action


def supervisors_of(office: Organization) -> list[User]:
    """Who issues `office`'s documents: those seated there for reports.manage (R-O23: not the
    level above, which only reads them)."""
    return users_who_can(A.REPORTS_MANAGE, office, seat=True)


def yearend_owed(today: dt.date) -> list[Owed]:
    """Every summary and bulletin still owed on `today`, from its reminder period on (R-O15)."""
    before = int(parameters.values(yearend.RULE)["remind_days"])
    recipients: dict[int, list[User]] = {}
    found: list[Owed] = []
    for item in yearend.owed(today):
        if item.office.pk not in recipients:
            recipients[item.office.pk] = supervisors_of(item.office)
        found.append(
            Owed(
                f"yearend-{item.kind}", item.office.pk, item.office, item.what, item.due,
                yearend.document_list_url(item.year), recipients[item.office.pk], before_days=before,
            )
        )  # fmt: skip
    return found
