"""Daily deadline reminders: who owes the next step of a visit, and by when (issue item 11).

`due_reminders(today)` finds every obligation with a deadline near or past `today`:

* the unit's reply to a notice letter (R-O4) → the unit's study secretaries;
* the observation record (R-O8) → the team's liaison (the leader if there is none);
* the written feedback (R-O9) → the supervisors of the unit;
* each open rectification item (R-O10) → the unit's secretaries and the item's owner;
* a cross-observation report (R-O13) → the visiting unit's secretaries and its visitor.

Each obligation is reminded once in the two days before its deadline, once on the day, and
once a week after it (for eight weeks). `send_reminders` e-mails the people who owe it
(their accounts' addresses, else their directory e-mail), posts a digest to the DingTalk /
WeCom robots when configured, and writes one `ReminderLog` row per reminder under a unique
key, so a second run on the same day sends nothing new. Network failures of a robot are
logged and never stop the run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from pangting.accounts import policy
from pangting.accounts.models import RoleAssignment, User
from pangting.lib.gbt9704 import format_cn_date
from pangting.orgs.models import PATH_STEP, Organization, Person

from .models import CrossObservation, Rectification, ReminderLog, State, TeamMember, Visit

A = policy.Action
log = logging.getLogger(__name__)

BEFORE_DAYS = 2  # remind this many days ahead
OVERDUE_WEEKS = 8  # keep reminding weekly this long after a deadline
WEBHOOK_TIMEOUT = 5  # seconds; a robot that does not answer must not hold up the run
WEBHOOK_LINES = 20  # reminders per robot message (robots cap the message length)

# Replaced in tests; the robots are plain HTTPS JSON endpoints.
urlopen: Callable[..., Any] = urllib.request.urlopen


@dataclass
class Reminder:
    """One reminder: a unique key, what to say, and to whom."""

    key: str
    subject: str
    body: str
    due: dt.date
    stage: str
    recipients: list[User] = field(default_factory=list)

    @property
    def emails(self) -> list[str]:
        return sorted({address for user in self.recipients if (address := email_of(user))})

    @property
    def stage_text(self) -> str:
        if self.stage == "before":
            return "即将到期"
        if self.stage == "due":
            return "今日到期"
        return "已逾期"


@dataclass
class RunResult:
    sent: list[Reminder] = field(default_factory=list)
    skipped: int = 0
    emails: int = 0
    webhooks: dict[str, bool] = field(default_factory=dict)


def email_of(user: User) -> str:
    """People → their user accounts → e-mail: the account's address, else the directory's."""
    if user.email:
        return user.email
    person = getattr(user, "person", None)
    return person.email if person is not None and person.email else ""


def stage_for(due: dt.date, today: dt.date) -> str | None:
    """ "before" within BEFORE_DAYS, "due" on the day, "overdue-N" in week N after it, else None."""
    delta = (due - today).days
    if 0 < delta <= BEFORE_DAYS:
        return "before"
    if delta == 0:
        return "due"
    if delta < 0:
        week = (-delta - 1) // 7
        return f"overdue-{week}" if week < OVERDUE_WEEKS else None
    return None


def _ancestor_paths(org: Organization) -> list[str]:
    return [org.path[:end] for end in range(PATH_STEP, len(org.path) + 1, PATH_STEP)]


def users_who_can(action: A, org: Organization) -> list[User]:
    """Active users whose role at `org` or above grants `action` there (checked by the policy)."""
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
    return [user for user in candidates if policy.can(user, action, org)]


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


def _text(what: str, unit: str, due: dt.date, basis: str, stage: str, url: str) -> tuple[str, str]:
    reminder = Reminder("", "", "", due, stage)
    subject = f"【巡听旁听·{reminder.stage_text}】{unit}：{what}（截止{format_cn_date(due)}）"
    lines = [f"{unit}：{what}", f"截止日期：{format_cn_date(due)}（{reminder.stage_text}）"]
    if basis:
        lines.append(f"期限依据：{basis}")
    lines += [f"办理：{_link(url)}", "", "本邮件由旁听系统自动发送，请勿直接回复。"]
    return subject, "\n".join(lines)


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


def due_reminders(today: dt.date | None = None) -> list[Reminder]:
    """Every reminder owed on `today`, with its recipients (nothing is sent here)."""
    today = today or timezone.localdate()
    end_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.max))
    found: list[Reminder] = []

    def add(
        kind: str, pk: int, due: dt.date, what: str, unit: Organization, basis: str, url: str, users: list[User]
    ) -> None:
        stage = stage_for(due, today)
        if stage is None:
            return
        subject, body = _text(what, unit.display_name, due, basis, stage, url)
        found.append(Reminder(f"{kind}:{pk}:{due.isoformat()}:{stage}", subject, body, due, stage, users))

    visits = _visits()
    # R-O4: the unit replies within 7 working days of receiving the letter.
    for visit in visits.filter(state=State.NOTIFIED, reply_due__isnull=False, **_window("reply_due", today)):
        what = f"回复{visit.letter_number or '巡听旁听函'}并报送学习会方案"
        url = reverse("observation:visit_detail", args=[visit.pk])
        users = users_who_can(A.OBSERVATION_REPLY, visit.unit)
        add("reply", visit.pk, visit.reply_due, what, visit.unit, visit.reply_due_basis.get("text", ""), url, users)
    # R-O8: the liaison files the record within 3 days of the session.
    recording = visits.filter(
        state__in=[State.SCHEDULED, State.OBSERVED],
        record_due__isnull=False,
        session__starts_at__lte=end_of_day,
        **_window("record_due", today),
    )
    for visit in recording:
        url = reverse("observation:record_edit", args=[visit.pk])
        basis = visit.record_due_basis.get("text", "")
        add("record", visit.pk, visit.record_due, "填报列席旁听记录", visit.unit, basis, url, _liaisons(visit))
    # R-O9: written feedback within 10 working days of the session.
    for visit in visits.filter(state=State.RECORDED, feedback_due__isnull=False, **_window("feedback_due", today)):
        url = reverse("observation:feedback_edit", args=[visit.pk])
        basis = visit.feedback_due_basis.get("text", "")
        users = users_who_can(A.OBSERVATION_MANAGE, visit.unit)
        add("feedback", visit.pk, visit.feedback_due, "印发巡听旁听反馈意见", visit.unit, basis, url, users)
    # R-O10: each rectification item by its deadline.
    items = (
        Rectification.objects.filter(
            status__in=[Rectification.Status.OPEN, Rectification.Status.SENT_BACK],
            deadline__isnull=False,
            **_window("deadline", today),
        )
        .exclude(visit__state=State.CANCELLED)
        .select_related("visit__unit", "owner")
    )
    for item in items:
        url = reverse("observation:rectification_detail", args=[item.pk])
        users = _merge(users_who_can(A.OBSERVATION_REPLY, item.visit.unit), users_of([item.owner]))
        add(
            "rectification",
            item.pk,
            item.deadline,
            f"落实整改事项：{item.problem[:30]}",
            item.visit.unit,
            "",
            url,
            users,
        )
    # R-O13: the unit that sat in reports in writing within 3 days.
    crosses = CrossObservation.objects.filter(
        status__in=[CrossObservation.Status.INVITED, CrossObservation.Status.ATTENDED],
        report_due__isnull=False,
        session__starts_at__lte=end_of_day,
        **_window("report_due", today),
    ).select_related("host", "visitor", "visitor_person")
    for cross in crosses:
        what = f"报送列席{cross.host.display_name}学习会的书面报告"
        url = reverse("observation:cross_detail", args=[cross.pk])
        users = _merge(users_who_can(A.OBSERVATION_REPLY, cross.visitor), users_of([cross.visitor_person]))
        add(
            "cross", cross.pk, cross.report_due, what, cross.visitor, cross.report_due_basis.get("text", ""), url, users
        )
    return found


# -- channels --------------------------------------------------------------------------------


def webhooks() -> dict[str, str]:
    """The configured robots: {"dingtalk": url, "wecom": url}."""
    configured = {
        "dingtalk": getattr(settings, "PANGTING_DINGTALK_WEBHOOK", ""),
        "wecom": getattr(settings, "PANGTING_WECOM_WEBHOOK", ""),
    }
    return {name: url for name, url in configured.items() if url}


def robot_payload(text: str) -> dict[str, Any]:
    """DingTalk and WeCom group robots both take this text message shape."""
    return {"msgtype": "text", "text": {"content": text}}


def post_webhook(url: str, text: str, *, timeout: float = WEBHOOK_TIMEOUT) -> bool:
    """POST one text message to a robot; False (and a log line) on any failure, never an exception."""
    if not url.startswith(("https://", "http://")):
        log.warning("Webhook URL is not http(s): %s", url)
        return False
    data = json.dumps(robot_payload(text), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urlopen(request, timeout=timeout) as response:
            body = response.read(65536)
        answer = json.loads(body or b"{}")
    except Exception as error:  # a robot's failure must never stop the reminders
        log.warning("Webhook %s failed: %s", url.split("?")[0], error)
        return False
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        log.warning("Webhook %s refused: %s", url.split("?")[0], answer)
        return False
    return True


def digest(reminders: list[Reminder], today: dt.date) -> list[str]:
    """The robots' messages: a heading and at most WEBHOOK_LINES reminders each."""
    messages = []
    for start in range(0, len(reminders), WEBHOOK_LINES):
        chunk = reminders[start : start + WEBHOOK_LINES]
        lines = [f"巡听旁听提醒（{format_cn_date(today)}）"]
        for reminder in chunk:
            names = "、".join(u.display_name for u in reminder.recipients) or "（无账号）"
            lines.append(f"· {reminder.subject.split('】', 1)[-1]} —— {reminder.stage_text}；办理人：{names}")
        messages.append("\n".join(lines))
    return messages


def send_reminders(today: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Send what is owed today and not yet sent; log each under its unique key."""
    today = today or timezone.localdate()
    result = RunResult()
    owed = due_reminders(today)
    already = set(ReminderLog.objects.filter(key__in=[r.key for r in owed]).values_list("key", flat=True))
    fresh = [r for r in owed if r.key not in already]
    result.skipped = len(already)
    if dry_run:
        result.sent = fresh
        return result
    for reminder in fresh:
        try:
            with transaction.atomic():
                ReminderLog.objects.create(
                    key=reminder.key,
                    recipients=[u.username for u in reminder.recipients],
                    channels=["email"] if reminder.emails else [],
                )
        except IntegrityError:  # another run got there first
            result.skipped += 1
            continue
        for address in reminder.emails:
            try:
                send_mail(reminder.subject, reminder.body, None, [address])
                result.emails += 1
            except Exception as error:  # one bad address must not stop the others
                log.warning("Reminder mail to %s failed: %s", address, error)
        result.sent.append(reminder)
    if result.sent:
        for name, url in webhooks().items():
            outcomes = [post_webhook(url, text) for text in digest(result.sent, today)]  # post every part
            ok = all(outcomes)
            result.webhooks[name] = ok
            if ok:
                for entry in ReminderLog.objects.filter(key__in=[r.key for r in result.sent]):
                    entry.channels = [*entry.channels, name]
                    entry.save(update_fields=["channels"])
    return result
