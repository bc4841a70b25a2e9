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
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.accounts.models import RoleAssignment, User
from pangting.core import clock, jobs, outbox, outbox_channels, parameters
from pangting.core.models import Job, OutboxMessage
from pangting.lib.gbt9704 import format_cn_date
from pangting.lib.messages import N_
from pangting.orgs.models import PATH_STEP, LeaderLink, Organization, Person
from pangting.orgs.units import supervising_organizations

from . import rectification
from .models import CrossObservation, ObservationPlan, Rectification, State, TeamMember, Visit
from .obligations import Obligation, current_obligation, rectification_obligation
from .plan_due import plan_due

A = policy.Action

BEFORE_DAYS = 2  # remind this many days ahead
OVERDUE_WEEKS = 8  # keep reminding weekly this long after a deadline


@dataclass
class Reminder:
    """One reminder: a unique key, what to say, and to whom."""

    key: str
    subject: str
    body: str
    due: dt.date
    stage: str
    recipients: list[User] = field(default_factory=list)
    headline: str = ""  # "<unit>：<what>（截止<day>）", the subject without its tag (robot digests)

    @property
    def emails(self) -> list[str]:
        return sorted({address for user in self.recipients if (address := email_of(user))})

    @property
    def stage_text(self) -> str:
        if self.stage == "before":
            return _("即将到期")
        if self.stage == "due":
            return _("今日到期")
        return _("已逾期")


def email_of(user: User) -> str:
    """People → their user accounts → e-mail: the account's address, else the directory's."""
    if user.email:
        return user.email
    person = getattr(user, "person", None)
    return person.email if person is not None and person.email else ""


def stage_for(due: dt.date, today: dt.date, before_days: int = BEFORE_DAYS) -> str | None:
    """ "before" within `before_days`, "due" on the day, "overdue-N" in week N after it, else None.

    Each stage is one reminder (its key names the stage), so a longer `before_days` reminds once
    earlier, not every day."""
    delta = (due - today).days
    if 0 < delta <= before_days:
        return "before"
    if delta == 0:
        return "due"
    if delta < 0:
        week = (-delta - 1) // 7
        return f"overdue-{week}" if week < OVERDUE_WEEKS else None
    return None


def _ancestor_paths(org: Organization) -> list[str]:
    return [org.path[:end] for end in range(PATH_STEP, len(org.path) + 1, PATH_STEP)]


def users_who_can(action: A, org: Organization, *, seat: bool = False) -> list[User]:
    """Active users whose role at `org` or above grants `action` there (checked by the policy).

    `seat`: on the supervision `org` owns (`policy.can_supervise`, R-O23), not on `org` as a unit."""
    roles = [role for role, grants in policy.GRANTS.items() if action in grants]
    candidates = (
        User.objects.filter(
            is_active=True,
            pk__in=RoleAssignment.objects.current()
            .filter(role__in=roles, organization__path__in=_ancestor_paths(org))
            .values("user"),
        )
        .select_related("person")
        .order_by("pk")
    )
    allowed = policy.can_supervise if seat else policy.can
    return [user for user in candidates if allowed(user, action, org)]


def linked_leaders(unit: Organization, on: dt.date) -> list[LeaderLink]:
    """The leaders linked to `unit` on `on` (R-O3), who are reminded of its overdue items (R-O10)."""
    return list(LeaderLink.objects.current(on).filter(unit=unit).select_related("leader").order_by("pk"))


def users_of(people: Iterable[Person | None]) -> list[User]:
    ids = [p.pk for p in people if p is not None]
    return list(User.objects.filter(person_id__in=ids, is_active=True).select_related("person").order_by("pk"))


def _merge(*groups: list[User]) -> list[User]:
    seen: dict[int, User] = {}
    for group in groups:
        for user in group:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def _link(path: str) -> str:
    return getattr(settings, "PANGTING_BASE_URL", "").rstrip("/") + path


def _window(field_name: str, today: dt.date) -> dict[str, dt.date]:
    return {
        f"{field_name}__gte": today - dt.timedelta(days=7 * OVERDUE_WEEKS),
        f"{field_name}__lte": today + dt.timedelta(days=BEFORE_DAYS),
    }


def _text(what: str, unit: str, due: dt.date, basis: str, stage: str, url: str) -> tuple[str, str, str]:
    """Subject, body and headline of a reminder, in the active language (see `due_reminders`)."""
    stage_text = Reminder("", "", "", due, stage).stage_text
    day = format_cn_date(due)
    headline = _("{unit}：{what}（截止{due}）").format(unit=unit, what=what, due=day)
    subject = _("【巡听旁听·{stage}】{headline}").format(stage=stage_text, headline=headline)
    lines = [
        _("{unit}：{what}").format(unit=unit, what=what),
        _("截止日期：{due}（{stage}）").format(due=day, stage=stage_text),
    ]
    if basis:
        lines.append(_("期限依据：{basis}").format(basis=basis))
    lines += [_("办理：{url}").format(url=_link(url)), "", _("本邮件由旁听系统自动发送，请勿直接回复。")]
    return subject, "\n".join(lines), headline


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


@dataclass
class Owed:
    """One step someone owes outside the visits, as a registered source reports it (the same
    shape as `study.reminders.Owed`); nothing is sent from a source."""

    kind: str  # the source's name, part of the reminder's unique key
    pk: int  # the record (or organization) it is about
    unit: Organization
    what: str  # in the site's language (sources run under `translation.override`)
    due: dt.date
    url: str
    recipients: list[User] = field(default_factory=list)
    basis: str = ""
    before_days: int = BEFORE_DAYS  # how early the one "before" reminder comes


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
        subject, body, headline = _text(what, unit.display_name, due, obligation.basis, stage, obligation.url)
        found.append(Reminder(f"{kind}:{pk}:{due.isoformat()}:{stage}", subject, body, due, stage, users, headline))

    # R-O4 reply, R-O8 record, R-O9 feedback: the visit's current obligation says which step
    # is owed and by when; this module only decides whom to remind of it.
    windows = Q()
    for name in ("reply_due", "record_due", "feedback_due"):
        windows |= Q(**_window(name, today))
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
        users = _merge(users_who_can(A.OBSERVATION_REPLY, item.unit), users_of([item.owner]))
        what = reminder_what(obligation, 30)
        stage = stage_for(obligation.due, today)
        if level.level:
            week = (-(obligation.due - today).days - 1) // 7
            stage = f"overdue-{week}-{level.level}"  # no end: an overdue item never stops being reminded
        if level.reaches_leader:
            users = _merge(users, users_of(link.leader for link in linked_leaders(item.unit, today)))
            what = _("{what}（已逾期{days}个工作日，已提醒联系领导）").format(what=what, days=level.overdue_days)
        if level.reaches_supervisor:
            users = _merge(users, users_who_can(A.OBSERVATION_MANAGE, item.unit))
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
        **_window("report_due", today),
    ).select_related("host", "visitor", "visitor_person")
    for cross in crosses:
        what = _("报送列席{host}学习会的书面报告").format(host=cross.host.display_name)
        url = reverse("observation:cross_detail", args=[cross.pk])
        users = _merge(users_who_can(A.OBSERVATION_REPLY, cross.visitor), users_of([cross.visitor_person]))
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


def robot_line(reminder: Reminder) -> str:
    """One reminder as a line of a group robot's digest (in the site's language, see `due_reminders`)."""
    with translation.override(settings.LANGUAGE_CODE):
        names = _("、").join(u.display_name for u in reminder.recipients) or _("（无账号）")
        return _("· {headline} —— {stage}；办理人：{names}").format(
            headline=reminder.headline, stage=reminder.stage_text, names=names
        )


def robot_heading(today: dt.date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("巡听旁听提醒（{day}）").format(day=format_cn_date(today))


@dataclass
class RunResult:
    """One run: the reminders owed, what was queued for them, and what delivery did."""

    reminders: list[Reminder] = field(default_factory=list)
    queued: int = 0  # new outbox rows waiting for delivery
    no_recipient: int = 0  # new rows with no address: never sent, counted here
    skipped: int = 0  # rows already queued by an earlier run (same reminder, recipient, channel)
    delivery: outbox.DeliveryResult = field(default_factory=outbox.DeliveryResult)


def _messages(reminder: Reminder, today: dt.date) -> list[dict[str, Any]]:
    """The outbox rows of one reminder: an e-mail per recipient, a line per configured robot, and an
    SMS per recipient when a gateway is configured."""
    key = f"reminder:{reminder.key}"
    rows = [
        {
            "dedup_key": f"{key}:email:{user.pk}",
            "channel": "email",
            "recipient": user,
            "address": email_of(user),
            "subject": reminder.subject,
            "body": reminder.body,
        }
        for user in reminder.recipients
    ]
    if not rows:  # nobody owes it in the system: record that, do not pretend it was sent
        rows.append(
            {"dedup_key": f"{key}:email:-", "channel": "email", "subject": reminder.subject, "body": reminder.body}
        )
    for robot in outbox_channels.configured_robots():
        rows.append(
            {
                "dedup_key": f"{key}:{robot}",
                "channel": robot,
                "address": robot,
                "subject": robot_heading(today),
                "body": robot_line(reminder),
            }
        )
    if outbox_channels.sms_configured():  # one SMS per recipient, to the directory's phone number
        rows.extend(
            {
                "dedup_key": f"{key}:sms:{user.pk}",
                "channel": "sms",
                "recipient": user,
                "address": outbox_channels.phone_of(user),
                "subject": reminder.subject,
                "body": reminder.subject,  # already names the unit, the task, the stage and the deadline
            }
            for user in reminder.recipients
        )
    return rows


def queue_reminders(today: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Queue every reminder owed today in the outbox, once per reminder, recipient and channel."""
    today = today or clock.today()
    with translation.override(settings.LANGUAGE_CODE):  # the site's language: see `due_reminders`
        return _queue_reminders(today, dry_run=dry_run)


def _queue_reminders(today: dt.date, *, dry_run: bool) -> RunResult:
    result = RunResult(reminders=due_reminders(today))
    for reminder in result.reminders:
        for row in _messages(reminder, today):
            if dry_run:
                if OutboxMessage.objects.filter(dedup_key=row["dedup_key"]).exists():
                    result.skipped += 1
                elif row.get("address"):
                    result.queued += 1
                else:
                    result.no_recipient += 1
                continue
            done = outbox.enqueue(**row)
            if not done.created:
                result.skipped += 1
            elif done.message is not None and done.message.state == OutboxMessage.State.NO_RECIPIENT:
                result.no_recipient += 1
            else:
                result.queued += 1
    return result


def send_reminders(today: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Queue what is owed today, then deliver every due outbox row (retries included).

    A row counts as sent only after its channel accepted it (see `pangting.core.outbox`).
    """
    result = queue_reminders(today, dry_run=dry_run)
    if not dry_run:
        result.delivery = outbox.deliver_due()
    return result


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
    """The worker's side of `send_reminders --enqueue` (the morning timer): the same run, as of `date`
    (ISO) or today; a retry queues nothing twice (the outbox keys)."""
    jobs.progress(job, 0, 1, N_("正在排队并发送提醒。"))
    send_reminders(dt.date.fromisoformat(date) if date else None)
    return {}
