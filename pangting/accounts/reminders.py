"""The reminder engine the study and observation reminders share: when, to whom, how it is sent.

Each app says what is owed (`Owed`, from its own sources) and words its tag; this module is
the one home of everything else:

* **when:** `stage_for` — one reminder `BEFORE_DAYS` ahead, one on the day, then one a week
  for `OVERDUE_WEEKS` weeks; `window` is the deadlines a run can remind of;
* **to whom:** `users_who_can` (the policy decides), `users_of`, `merge`, `email_of`;
* **the words:** `word`, in the active language (the apps run under the site's language);
* **the sending:** `queue` writes one outbox row per reminder, recipient and channel (e-mail,
  SMS when a gateway is configured, one digest line per group robot) under a unique key, so a
  second run on the same day queues nothing new; `send` then delivers every due row;
* **on a schedule:** `run_job` is a run as a background job; the daily commands are
  `management/commands/_reminders.ReminderCommand`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from pangting.core import jobs, outbox, outbox_channels
from pangting.core.models import Job, OutboxMessage
from pangting.lib.gbt9704 import format_cn_date
from pangting.lib.messages import N_
from pangting.orgs.models import Organization, Person
from pangting.orgs.paths import ancestor_paths

from . import policy
from .models import RoleAssignment, User

A = policy.Action

BEFORE_DAYS = 2  # remind this many days ahead
OVERDUE_WEEKS = 8  # keep reminding weekly this long after a deadline


@dataclass
class Owed:
    """One step someone owes, as a source reports it (nothing is sent from a source)."""

    kind: str  # the source's name, part of the reminder's unique key
    pk: int  # the record (or organization) it is about
    unit: Organization
    what: str  # in the site's language (sources run under `translation.override`)
    due: dt.date
    url: str
    recipients: list[User] = field(default_factory=list)
    basis: str = ""  # how the deadline was computed, when it is stored with the record
    before_days: int = BEFORE_DAYS  # how early the one "before" reminder comes


@dataclass
class Reminder:
    """One reminder of one owed step on one day, worded, with its recipients."""

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
        return stage_text(self.stage)


# --- when ---------------------------------------------------------------------------------------


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


def stage_text(stage: str) -> str:
    """A stage as the reminders name it, in the active language."""
    if stage == "before":
        return _("即将到期")
    if stage == "due":
        return _("今日到期")
    return _("已逾期")


def window(field_name: str, today: dt.date) -> dict[str, dt.date]:
    """The deadlines a run can remind of: from eight weeks ago to two days ahead."""
    return {
        f"{field_name}__gte": today - dt.timedelta(days=7 * OVERDUE_WEEKS),
        f"{field_name}__lte": today + dt.timedelta(days=BEFORE_DAYS),
    }


# --- to whom ------------------------------------------------------------------------------------


def email_of(user: User) -> str:
    """People → their user accounts → e-mail: the account's address, else the directory's."""
    if user.email:
        return user.email
    person = getattr(user, "person", None)
    return person.email if person is not None and person.email else ""


def users_who_can(action: A, org: Organization, *, seat: bool = False) -> list[User]:
    """Active users whose role at `org` or above grants `action` there (checked by the policy).

    `seat`: on the supervision `org` owns (`policy.can_supervise`, R-O23), not on `org` as a unit."""
    roles = [role for role, grants in policy.GRANTS.items() if action in grants]
    candidates = (
        User.objects.filter(
            is_active=True,
            pk__in=RoleAssignment.objects.current()
            .filter(role__in=roles, organization__path__in=ancestor_paths(org.path))
            .values("user"),
        )
        .select_related("person")
        .order_by("pk")
    )
    allowed = policy.can_supervise if seat else policy.can
    return [user for user in candidates if allowed(user, action, org)]


def users_of(people: Iterable[Person | None]) -> list[User]:
    """The active accounts of `people`."""
    ids = [p.pk for p in people if p is not None]
    return list(User.objects.filter(person_id__in=ids, is_active=True).select_related("person").order_by("pk"))


def merge(*groups: list[User]) -> list[User]:
    """The users of every group, each once, in the order first seen."""
    seen: dict[int, User] = {}
    for group in groups:
        for user in group:
            seen.setdefault(user.pk, user)
    return list(seen.values())


# --- the words ----------------------------------------------------------------------------------


def link(path: str) -> str:
    """An absolute link to a page of the site (`PANGTING_BASE_URL`), for messages read elsewhere."""
    return getattr(settings, "PANGTING_BASE_URL", "").rstrip("/") + path


def word(key: str, subject_msgid: str, owed: Owed, stage: str) -> Reminder:
    """The reminder of `owed` at `stage`, in the active language; `subject_msgid` is the app's
    tagged subject, with `{stage}` and `{headline}`."""
    unit = owed.unit.display_name
    day, stage_name = format_cn_date(owed.due), stage_text(stage)
    headline = _("{unit}：{what}（截止{due}）").format(unit=unit, what=owed.what, due=day)
    lines = [
        _("{unit}：{what}").format(unit=unit, what=owed.what),
        _("截止日期：{due}（{stage}）").format(due=day, stage=stage_name),
    ]
    if owed.basis:
        lines.append(_("期限依据：{basis}").format(basis=owed.basis))
    lines += [_("办理：{url}").format(url=link(owed.url)), "", _("本邮件由旁听系统自动发送，请勿直接回复。")]
    return Reminder(
        key=key,
        subject=_(subject_msgid).format(stage=stage_name, headline=headline),
        body="\n".join(lines),
        due=owed.due,
        stage=stage,
        recipients=owed.recipients,
        headline=headline,
    )


def robot_line(reminder: Reminder) -> str:
    """One reminder as a line of a group robot's digest, in the site's language (people have no
    language of their own)."""
    with translation.override(settings.LANGUAGE_CODE):
        names = _("、").join(u.display_name for u in reminder.recipients) or _("（无账号）")
        return _("· {headline} —— {stage}；办理人：{names}").format(
            headline=reminder.headline, stage=stage_text(reminder.stage), names=names
        )


# --- the sending --------------------------------------------------------------------------------


@dataclass
class RunResult:
    """One run: the reminders owed, what was queued for them, and what delivery did."""

    reminders: list[Reminder] = field(default_factory=list)
    queued: int = 0  # new outbox rows waiting for delivery
    no_recipient: int = 0  # new rows with no address: never sent, counted here
    skipped: int = 0  # rows already queued by an earlier run (same reminder, recipient, channel)
    delivery: outbox.DeliveryResult = field(default_factory=outbox.DeliveryResult)


def outbox_rows(reminder: Reminder, robot_heading: str) -> list[dict[str, Any]]:
    """The outbox rows of one reminder: an e-mail per recipient, a line per configured robot under
    `robot_heading`, and an SMS per recipient when a gateway is configured."""
    key = f"reminder:{reminder.key}"
    rows: list[dict[str, Any]] = [
        {"dedup_key": f"{key}:email:{user.pk}", "channel": "email", "recipient": user, "address": email_of(user),
         "subject": reminder.subject, "body": reminder.body}
        for user in reminder.recipients
    ]  # fmt: skip
    if not rows:  # nobody owes it in the system: record that, do not pretend it was sent
        rows.append({"dedup_key": f"{key}:email:-", "channel": "email", "subject": reminder.subject,
                     "body": reminder.body})  # fmt: skip
    robots = outbox_channels.configured_robots()
    line = robot_line(reminder) if robots else ""
    for robot in robots:
        rows.append({"dedup_key": f"{key}:{robot}", "channel": robot, "address": robot, "subject": robot_heading,
                     "body": line})  # fmt: skip
    if outbox_channels.sms_configured():  # one SMS per recipient, to the directory's phone number
        rows += [
            {"dedup_key": f"{key}:sms:{user.pk}", "channel": "sms", "recipient": user,
             "address": outbox_channels.phone_of(user), "subject": reminder.subject,
             "body": reminder.subject}  # the subject names the unit, the task, the stage and the deadline
            for user in reminder.recipients
        ]  # fmt: skip
    return rows


def queue(reminders: list[Reminder], robot_heading: str, *, dry_run: bool = False) -> RunResult:
    """Queue `reminders` in the outbox, once per reminder, recipient and channel (`dry_run`:
    count what would be queued, queue nothing). Call it under the language the rows are in."""
    result = RunResult(reminders=reminders)
    for reminder in reminders:
        for row in outbox_rows(reminder, robot_heading):
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


Queue = Callable[..., RunResult]  # an app's `queue_reminders(today, *, dry_run)`


def send(queue_reminders: Queue, today: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Queue what is owed today, then deliver every due outbox row (retries included).

    A row counts as sent only after its channel accepted it (see `pangting.core.outbox`)."""
    result = queue_reminders(today, dry_run=dry_run)
    if not dry_run:
        result.delivery = outbox.deliver_due()
    return result


# --- on a schedule ------------------------------------------------------------------------------


def run_job(job: Job, send_reminders: Callable[[dt.date | None], Any], date: str | None) -> dict[str, Any]:
    """The worker's side of a reminders command's `--enqueue` (the morning timer): the same run,
    as of `date` (ISO) or today; a retry queues nothing twice (the outbox keys)."""
    jobs.progress(job, 0, 1, N_("正在排队并发送提醒。"))
    send_reminders(dt.date.fromisoformat(date) if date else None)
    return {}
