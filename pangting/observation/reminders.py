"""Daily deadline reminders: who owes the next step of a visit, and by when (issue item 11).

`due_reminders(today)` finds every obligation with a deadline near or past `today`:

* the unit's reply to a notice letter (R-O4) → the unit's study secretaries;
* the observation record (R-O8) → the team's liaison (the leader if there is none);
* the written feedback (R-O9) → the supervisors of the unit;
* each open rectification item (R-O10) → the unit's secretaries and the item's owner; once
  overdue it escalates to the linked leader, then the supervisor, and is reminded weekly until
  done (never just dropped after eight weeks);
* the year's observation plan (R-O1) → the supervising office, until it is approved;
* a cross-observation report (R-O13) → the visiting unit's secretaries and its visitor;
* whatever a later app registers as a source (`register_source`): the year's summary and
  bulletin (R-O15, `reports.reminders`) → the supervisors of each level that has not issued them.

Each obligation is reminded once in the two days before its deadline (a source may start
earlier: R-O15 by its `remind_days` parameter), once on the day, and once a week after it (for
eight weeks). `send_reminders` queues, in the core outbox, one
e-mail per person who owes it (their account's address, else their directory e-mail) and one
digest line per configured DingTalk / WeCom robot, each under a unique key, so a second run on
the same day queues nothing new; then it delivers what is due. A message is marked sent only
after its channel accepted it; failures are retried with backoff and finally given up; a
reminder nobody can receive is counted as such, never as sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.accounts.models import User
from pangting.accounts.reminders import (
    BEFORE_DAYS,
    OVERDUE_WEEKS,
    Owed,
    Reminder,
    RunResult,
    merge,
    queue,
    run_job,
    send,
    stage_for,
    users_of,
    users_who_can,
    window,
    word,
)
from pangting.core import clock, parameters
from pangting.core.models import Job
from pangting.lib.gbt9704 import format_cn_date
from pangting.lib.messages import N_
from pangting.orgs.models import LeaderLink, Organization
from pangting.orgs.units import supervising_organizations

from . import rectification
from .models import CrossObservation, ObservationPlan, Rectification, State, TeamMember, Visit
from .obligations import Obligation, current_obligation, rectification_obligation
from .plan_due import plan_due

A = policy.Action

SUBJECT = N_("【巡听旁听·{stage}】{headline}")  # the tag of this app's reminders


def linked_leaders(unit: Organization, on: dt.date) -> list[LeaderLink]:
    """The leaders linked to `unit` on `on` (R-O3), who are reminded of its overdue items (R-O10)."""
    return list(LeaderLink.objects.current(on).filter(unit=unit).select_related("leader").order_by("pk"))


def _visits() -> QuerySet[Visit]:
    return Visit.objects.exclude(state=State.CANCELLED).select_related("unit", "session")


def _liaisons(visit: Visit) -> list[User]:
    members = list(visit.team_members.filter(deleted_at__isnull=True).select_related("person"))
    for role in (TeamMember.Role.LIAISON, TeamMember.Role.LEADER):
        users = [
            u
            for u in users_of(m.person for m in members if m.role == role)
            if policy.can(u, A.OBSERVATION_RECORD, visit.unit)
        ]
        if users:
            return users
    return []


VISIT_STEPS = ("reply", "record", "feedback")  # the visit steps with a deadline to remind of


Source = Callable[[dt.date], Iterable[Owed]]
# Steps of later apps (this app may not import them), registered from their `AppConfig.ready`.
_sources: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    """Add (or replace) a kind of owed step; `source(today)` lists them (R-O15: `reports.reminders`)."""
    _sources[name] = source


@dataclass(frozen=True)
class _Due:
    """A deadline that is not a visit's obligation (the cross-observation report, R-O13)."""

    due: dt.date
    basis: str
    url: str


def reminder_what(obligation: Obligation, detail_chars: int = 60) -> str:
    """The obligation's label, with its detail (letter number, problem) when it has one."""
    detail = obligation.detail[:detail_chars]
    return _("{label}：{detail}").format(label=obligation.label, detail=detail) if detail else str(obligation.label)


def _recipients(visit: Visit, obligation: Obligation) -> list[User]:
    """Who is reminded: the unit's secretaries (reply), the team's liaison (record), the office (feedback)."""
    if obligation.step == "record":
        return _liaisons(visit)
    return users_who_can(obligation.action, visit.unit)


def due_reminders(today: dt.date | None = None) -> list[Reminder]:
    """Every reminder owed on `today`, with its recipients (nothing is sent here).

    People have no language setting of their own, so reminders are written in the site's
    language (settings.LANGUAGE_CODE, Chinese), whatever language is active for the caller.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _due_reminders(today)


def _due_reminders(today: dt.date | None = None) -> list[Reminder]:
    today = today or clock.today()
    end_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.max))
    found: list[Reminder] = []

    def add(
        kind: str,
        pk: int,
        obligation: Obligation | _Due,
        what: str,
        unit: Organization,
        users: list[User],
        *,
        stage: str | None = "",
    ) -> None:
        due = obligation.due
        stage = stage_for(due, today) if stage == "" else stage
        if stage is None:
            return
        owed = Owed(kind, pk, unit, what, due, obligation.url, users, obligation.basis)
        found.append(word(f"{kind}:{pk}:{due.isoformat()}:{stage}", SUBJECT, owed, stage))

    # R-O4 reply, R-O8 record, R-O9 feedback: the visit's current obligation says which step
    # is owed and by when; this module only decides whom to remind of it.
    windows = Q()
    for name in ("reply_due", "record_due", "feedback_due"):
        windows |= Q(**window(name, today))
    visits = _visits().filter(windows, state__in=[State.NOTIFIED, State.SCHEDULED, State.OBSERVED, State.RECORDED])
    for visit in visits.select_related("supervisor_org"):
        obligation = current_obligation(visit, today)
        if obligation is None or obligation.due is None or obligation.step not in VISIT_STEPS:
            continue
        users = _recipients(visit, obligation)
        add(obligation.step, visit.pk, obligation, reminder_what(obligation), visit.unit, users)
    # R-O10: each open rectification item by its deadline. An overdue item is reminded weekly
    # until it is done, escalating (unit → linked leader → supervisor, `rectification.escalation`).
    escalation_params = parameters.values(rectification.RULE)
    items = (
        Rectification.objects.filter(
            status__in=[Rectification.Status.OPEN, Rectification.Status.SENT_BACK],
            deadline__isnull=False,
            deadline__lte=today + dt.timedelta(days=BEFORE_DAYS),
        )
        .exclude(visit__state=State.CANCELLED)
        .select_related("unit", "visit__unit", "visit__supervisor_org", "owner")
    )
    for item in items:
        obligation = rectification_obligation(item, today)
        if obligation is None or obligation.due is None:
            continue
        level = rectification.escalation(item, today, escalation_params)
        users = merge(users_who_can(A.OBSERVATION_REPLY, item.unit), users_of([item.owner]))
        what = reminder_what(obligation, 30)
        stage = stage_for(obligation.due, today)
        if level.level:
            week = (-(obligation.due - today).days - 1) // 7
            stage = f"overdue-{week}-{level.level}"  # no end: an overdue item never stops being reminded
        if level.reaches_leader:
            users = merge(users, users_of(link.leader for link in linked_leaders(item.unit, today)))
            what = _("{what}（已逾期{days}个工作日，已提醒联系领导）").format(what=what, days=level.overdue_days)
        if level.reaches_supervisor:
            users = merge(users, users_who_can(A.OBSERVATION_MANAGE, item.unit))
            what = _("{what}（已逾期{days}个工作日，已报宣传部）").format(
                what=reminder_what(obligation, 30), days=level.overdue_days
            )
        add("rectification", item.pk, obligation, what, item.unit, users, stage=stage)
    # R-O1: the supervising office's plan for the year, by its due day at the start of the year.
    plan_day = plan_due(today.year)
    if stage_for(plan_day, today) is not None:
        approved = set(
            ObservationPlan.objects.filter(year=today.year, status=ObservationPlan.Status.APPROVED).values_list(
                "organization_id", flat=True
            )
        )
        for office in supervising_organizations():
            if office.pk in approved:
                continue
            what = _("经党委审定{year}年度巡听旁听计划").format(year=today.year)
            url = reverse("observation:plan_detail") + f"?year={today.year}"
            add("plan", office.pk, _Due(plan_day, "", url), what, office, users_who_can(A.OBSERVATION_MANAGE, office))
    # R-O13: the unit that sat in reports in writing within 3 days.
    crosses = CrossObservation.objects.filter(
        status__in=[CrossObservation.Status.INVITED, CrossObservation.Status.ATTENDED],
        report_due__isnull=False,
        session__starts_at__lte=end_of_day,
        **window("report_due", today),
    ).select_related("host", "visitor", "visitor_person")
    for cross in crosses:
        what = _("报送列席{host}学习会的书面报告").format(host=cross.host.display_name)
        url = reverse("observation:cross_detail", args=[cross.pk])
        users = merge(users_who_can(A.OBSERVATION_REPLY, cross.visitor), users_of([cross.visitor_person]))
        due = _Due(cross.report_due, cross.report_due_basis.get("text", ""), url)
        add("cross", cross.pk, due, what, cross.visitor, users)
    # Registered sources (R-O15 summary and bulletin): each says what is owed, by whom, by when.
    for _name, source in sorted(_sources.items()):
        for owed in source(today):
            stage = stage_for(owed.due, today, owed.before_days)
            add(
                owed.kind,
                owed.pk,
                _Due(owed.due, owed.basis, owed.url),
                owed.what,
                owed.unit,
                owed.recipients,
                stage=stage,
            )
    return found


# -- through the outbox ----------------------------------------------------------------------


def robot_heading(today: dt.date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("巡听旁听提醒（{day}）").format(day=format_cn_date(today))


def queue_reminders(today: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Queue every reminder owed today in the outbox, once per reminder, recipient and channel."""
    today = today or clock.today()
    with translation.override(settings.LANGUAGE_CODE):  # the site's language: see `due_reminders`
        return queue(_due_reminders(today), robot_heading(today), dry_run=dry_run)


def send_reminders(today: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Queue what is owed today, then deliver every due outbox row (retries included)."""
    return send(queue_reminders, today, dry_run=dry_run)


# -- R-O4: the reply's receipts never signed ---------------------------------------------------


def reply_receipts_overdue(today: dt.date) -> list[Owed]:
    """R-O4: a unit's reply not signed for within the rule's `receipt_days` working days
    (`core.deliveries.receipt_overdue`, the definition the R-O4 check names it by) → its
    addressee: the team leader named on it, or the supervising department's people."""
    from pangting.core.deliveries import overdue_receipts
    from pangting.workdays.services import get_calendar

    from .services.reply import REPLY

    since = today - dt.timedelta(days=7 * OVERDUE_WEEKS + 30)  # the signing period is a few working days
    found: list[Owed] = []
    for item in overdue_receipts(today, calendar=get_calendar(), app_label="observation", sent_after=since):
        receipt, delivery = item.receipt, item.delivery
        if delivery.kind != REPLY:
            continue
        if receipt.addressee_person_id is not None:
            recipients = users_of([receipt.addressee_person])
        elif receipt.sign_action:
            recipients = users_who_can(A(receipt.sign_action), delivery.organization)
        else:
            recipients = []
        found.append(
            Owed(
                "reply_receipt", receipt.pk, delivery.organization,
                _("签收{unit}{day}报送的巡听旁听函回复及学习会方案").format(
                    unit=delivery.organization.display_name, day=format_cn_date(delivery.sent_on)
                ),
                item.sign_by, reverse("observation:visit_detail", args=[delivery.object_id]), recipients,
            )
        )  # fmt: skip
    return found


register_source("reply_receipt", reply_receipts_overdue)


# -- as a background job (pangting.core.jobs; issue 15) -------------------------------------------


def reminders_job(job: Job, *, date: str | None = None) -> dict[str, Any]:
    """The worker's side of `send_reminders --enqueue` (the morning timer)."""
    return run_job(job, send_reminders, date)
