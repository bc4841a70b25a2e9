"""Study-side deadline reminders through the outbox: whoever owes a study step is told, by when.

*Sources* say what is owed (`Owed`: which record, which unit, what, by when, who owes it);
the reminder engine the observation reminders use too (`accounts.reminders`) decides whether
today is a day to remind of it (two days before, on the day, then weekly for eight weeks),
words it in the site's language, and queues one outbox row per recipient and channel
(e-mail, SMS when a gateway is configured, one digest line per group robot), each under a
unique key, so a second run on the same day queues nothing new.

Built-in sources, from the data that exists today:

* R-S1 the annual plan, not filed by its due date → the unit's study secretaries;
* R-S10 the arrangement form, due before the session (from the session's date) and not
  sent → the unit's study secretaries;
* R-S10 the report after the session, not sent → the unit's study secretaries;
* R-S3 make-up study (补学) of someone on leave, within `R-S3.makeup_days` → the member and
  the unit's study secretaries;
* R-S15 a plan not approved near its due date, and a session plan not approved as its
  arrangement form falls due → the center group's leader (书记审定);
* R-S7 the study summary (学习小结或体会) of a member present at a held session, due
  `R-S7.summary_days` after it → the member;
* R-S10 / R-S1 a document (arrangement form, report, annual plan) not signed for within the
  rule's `receipt_days` working days → its addressee (the person, or the department's holders);
* R-S18 / R-B6 a secretary training not yet held this year, from `remind_days` before its end →
  the unit's study secretaries (R-B6), the supervising organization's people (R-S18).

**The seam.** Other steps plug in with `register_source(name, source)`, from their app's
`AppConfig.ready` (or a module it imports): `source(today)` returns the `Owed` items of that
kind. A source only says what is owed and by whom; it never sends.

`manage.py send_study_reminders` runs it daily (see that command for cron and systemd).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
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
from pangting.orgs.models import Organization, StudyGroupMember

from .models import Approval, Attendance, PlanKind, Reflection, SessionKind, StudyPlan, StudySession

A = policy.Action

SUBJECT = N_("【学习·{stage}】{headline}")  # the tag of this app's reminders


Source = Callable[[dt.date], Iterable[Owed]]
_sources: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    """Add (or replace) a kind of owed study step; `source(today)` lists them. See the module doc."""
    _sources[name] = source


def sources() -> dict[str, Source]:
    return dict(_sources)


# --- the built-in sources -----------------------------------------------------------------------


def _secretaries(unit: Organization, cache: dict[int, list[User]]) -> list[User]:
    if unit.pk not in cache:
        cache[unit.pk] = users_who_can(A.STUDY_CHANGE, unit)
    return cache[unit.pk]


def plans_due(today: dt.date) -> Iterable[Owed]:
    """R-S1: the year's center-group plan not yet filed (draft or returned) near or past its due date."""
    cache: dict[int, list[User]] = {}
    plans = (
        StudyPlan.objects.filter(kind=PlanKind.CENTER_GROUP, **window("due_on", today))
        .filter(status__in=[StudyPlan.Status.DRAFT, StudyPlan.Status.RETURNED])
        .select_related("organization")
    )
    for plan in plans:
        yield Owed(
            "plan", plan.pk, plan.organization, _("报送{year}年度学习计划").format(year=plan.year),
            plan.due_on, reverse("study:plan_detail", args=[plan.pk]), _secretaries(plan.organization, cache),
        )  # fmt: skip


def _sessions() -> Any:
    return StudySession.objects.filter(kind=SessionKind.CENTER_GROUP).exclude(status=StudySession.Status.CANCELLED)


def arrangements_due(today: dt.date) -> Iterable[Owed]:
    """R-S10: the arrangement form, due days before the session (computed from its date), not yet
    with the linked leader: the secretary owes the send until he sent it to the liaison, then the
    liaison owes passing it on (the deliveries say who holds it)."""
    from pangting.core.models import Delivery

    from .services.deliveries import ARRANGEMENT, _liaisons

    cache: dict[int, list[User]] = {}
    sessions = list(
        _sessions()
        .filter(arrangement_submitted_at__isnull=True, **window("arrangement_due", today))
        .select_related("organization")
    )
    with_liaison = set(
        Delivery.objects.filter(
            app_label="study", model="studysession", kind=ARRANGEMENT, object_id__in=[s.pk for s in sessions]
        ).values_list("object_id", flat=True)
    )
    for session in sessions:
        if session.pk in with_liaison:
            owed_by = users_of(_liaisons(session))
            what = _("签收并转报“{title}”学习会的学习安排报送表").format(title=session.title)
        else:
            owed_by = _secretaries(session.organization, cache)
            what = _("报送“{title}”学习会的学习安排报送表").format(title=session.title)
        yield Owed(
            "arrangement", session.pk, session.organization, what,
            session.arrangement_due, reverse("study:session_detail", args=[session.pk]),
            owed_by, session.arrangement_due_basis.get("text", ""),
        )  # fmt: skip


def reports_due(today: dt.date) -> Iterable[Owed]:
    """R-S10: the report after a session that has started, not sent."""
    cache: dict[int, list[User]] = {}
    end_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.max))
    sessions = _sessions().filter(
        report_submitted_at__isnull=True, starts_at__lte=end_of_day, **window("report_due", today)
    )
    for session in sessions.select_related("organization"):
        yield Owed(
            "report", session.pk, session.organization, _("会后报送“{title}”学习会材料").format(title=session.title),
            session.report_due, reverse("study:session_detail", args=[session.pk]),
            _secretaries(session.organization, cache), session.report_due_basis.get("text", ""),
        )  # fmt: skip


def makeups_due(today: dt.date) -> Iterable[Owed]:
    """R-S3: make-up study of someone on leave, due `makeup_days` after the session (switchable: R-S3)."""
    days = int(parameters.values("R-S3").get("makeup_days", 14))
    cache: dict[int, list[User]] = {}
    earliest = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=days + 7 * OVERDUE_WEEKS), dt.time.min)
    )
    latest = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days - BEFORE_DAYS), dt.time.max))
    rows = (
        Attendance.objects.filter(status=Attendance.Status.LEAVE, makeup_done_on__isnull=True)
        .filter(session__starts_at__range=(earliest, latest), session__kind=SessionKind.CENTER_GROUP)
        .exclude(session__status=StudySession.Status.CANCELLED)
        .filter(Q(session__deleted_at__isnull=True))
        .select_related("session__organization", "person")
    )
    for row in rows:
        session = row.session
        due = timezone.localdate(session.starts_at) + dt.timedelta(days=days)
        yield Owed(
            "makeup", row.pk, session.organization,
            _("{person}补学“{title}”学习会内容").format(person=row.person.name, title=session.title),
            due, reverse("study:session_attendance", args=[session.pk]),
            merge(users_of([row.person]), _secretaries(session.organization, cache)),
        )  # fmt: skip


register_source("plan", plans_due)
register_source("arrangement", arrangements_due)
register_source("report", reports_due)
register_source("makeup", makeups_due)


# --- R-S15 书记审定: what waits for the group leader ----------------------------------------------


def _group_leaders(unit: Organization, today: dt.date, cache: dict[int, list[User]]) -> list[User]:
    """The users of the unit's current center-group leaders (组长) whom the policy lets approve."""
    if unit.pk not in cache:
        people = [
            m.person
            for m in StudyGroupMember.objects.current(today)
            .filter(group__organization=unit, role=StudyGroupMember.Role.LEADER)
            .select_related("person")
        ]
        cache[unit.pk] = [user for user in users_of(people) if policy.leads_group(user, unit, today)]
    return cache[unit.pk]


def plans_awaiting_approval(today: dt.date) -> Iterable[Owed]:
    """R-S15: a center-group plan not yet filed and not approved, near or past its due date: the
    group leader owes the approval before the secretary can file it."""
    cache: dict[int, list[User]] = {}
    plans = (
        StudyPlan.objects.filter(kind=PlanKind.CENTER_GROUP, approval_state=Approval.PENDING, **window("due_on", today))
        .filter(status__in=[StudyPlan.Status.DRAFT, StudyPlan.Status.RETURNED])
        .filter(themes__isnull=False)  # a plan with no theme yet is not ready for approval
        .distinct()
        .select_related("organization")
    )
    for plan in plans:
        yield Owed(
            "plan_approval", plan.pk, plan.organization, _("审定{year}年度学习计划").format(year=plan.year),
            plan.due_on, reverse("study:plan_detail", args=[plan.pk]),
            _group_leaders(plan.organization, today, cache),
        )  # fmt: skip


def session_plans_awaiting_approval(today: dt.date) -> Iterable[Owed]:
    """R-S15: a session plan not approved while its arrangement form falls due (the form cannot
    be sent before): the group leader owes the approval, by the form's due date."""
    cache: dict[int, list[User]] = {}
    sessions = (
        _sessions()
        .filter(
            status=StudySession.Status.PLANNED, approval_state=Approval.PENDING, approval_legacy=False,
            arrangement_submitted_at__isnull=True, **window("arrangement_due", today),
        )
        .select_related("organization")
    )  # fmt: skip
    for session in sessions:
        yield Owed(
            "session_approval", session.pk, session.organization,
            _("审定“{title}”学习会方案").format(title=session.title),
            session.arrangement_due, reverse("study:session_detail", args=[session.pk]),
            _group_leaders(session.organization, today, cache), session.arrangement_due_basis.get("text", ""),
        )  # fmt: skip


def summaries_due(today: dt.date) -> Iterable[Owed]:
    """R-S7: a member present at a held center-group session owes his study summary (学习小结或
    体会, a `Reflection` linked to the session) within `R-S7.summary_days` after it; only while
    R-S7 checks each member (`per_member`)."""
    values = parameters.values("R-S7")
    if not values.get("per_member", True):
        return
    days = int(values.get("summary_days", 7))
    earliest = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=days + 7 * OVERDUE_WEEKS), dt.time.min)
    )
    latest = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days - BEFORE_DAYS), dt.time.max))
    rows = (
        Attendance.objects.filter(status=Attendance.Status.PRESENT)
        .exclude(role=Attendance.Role.OBSERVER)
        .filter(
            session__starts_at__range=(earliest, latest),
            session__kind=SessionKind.CENTER_GROUP,
            session__status=StudySession.Status.HELD,
            session__deleted_at__isnull=True,
        )
        .exclude(Exists(Reflection.objects.filter(session_id=OuterRef("session_id"), person_id=OuterRef("person_id"))))
        .select_related("session__organization", "person")
    )
    for row in rows:
        if not row.counts_for_rate:
            continue
        session = row.session
        yield Owed(
            "summary", row.pk, session.organization,
            _("{person}提交“{title}”学习会的学习小结或体会").format(person=row.person.name, title=session.title),
            timezone.localdate(session.starts_at) + dt.timedelta(days=days),
            reverse("study:my_study"), users_of([row.person]),
        )  # fmt: skip


register_source("summary", summaries_due)


def trainings_due(today: dt.date) -> Iterable[Owed]:
    """R-S18 / R-B6: a secretary training not yet held this year (`study.training.owed`, the
    definition the checks judge by), from the rule's `remind_days` before the year's end: the
    unit's study secretaries owe the branch secretaries' training (R-B6); the supervising
    organization owes the study secretaries' (R-S18): its supervisors and its study secretaries."""
    from . import training

    cache: dict[int, list[User]] = {}
    for item in training.owed(today):
        before = (item.due - training.remind_from(item.year, item.audience)).days
        if item.audience == training.Audience.STUDY_SECRETARIES:
            recipients = merge(
                *(users_who_can(A.STUDY_SUPERVISE, unit) for unit in item.units), _secretaries(item.office, cache)
            )
            what = _("组织学习秘书年度培训（{year}年尚未参训：{units}）").format(
                year=item.year, units=training.unit_names(item, _("、"))
            )
        else:
            recipients = _secretaries(item.office, cache)
            what = _("组织{year}年度党支部书记培训").format(year=item.year)
        yield Owed(
            f"training_{item.audience}", item.office.pk, item.office, what, item.due,
            reverse("study:training_list"), recipients, before_days=before,
        )  # fmt: skip


register_source("training", trainings_due)


def _addressees(receipt: Any, cache: dict[tuple[str, int], list[User]]) -> list[User]:
    """Who signs `receipt`: the named person, or the holders of its `sign_action` over the sender."""
    if receipt.addressee_person_id is not None:
        return users_of([receipt.addressee_person])
    key = (receipt.sign_action, receipt.delivery.organization_id)
    if key not in cache:
        cache[key] = users_who_can(A(receipt.sign_action), receipt.delivery.organization) if receipt.sign_action else []
    return cache[key]


def receipts_overdue(today: dt.date) -> Iterable[Owed]:
    """R-S10 / R-S1: a study document not signed for within its rule's `receipt_days` working days
    (`core.deliveries.receipt_overdue`, the definition the checks name it by) → its addressee,
    weekly from the day after the last signing day."""
    from pangting.core.deliveries import overdue_receipts
    from pangting.workdays.services import get_calendar

    cache: dict[tuple[str, int], list[User]] = {}
    since = today - dt.timedelta(days=7 * OVERDUE_WEEKS + 30)  # the signing period is a few working days
    for item in overdue_receipts(today, calendar=get_calendar(), app_label="study", sent_after=since):
        receipt, delivery = item.receipt, item.delivery
        page = "study:plan_detail" if delivery.model == "studyplan" else "study:session_detail"
        yield Owed(
            "receipt", receipt.pk, delivery.organization,
            _("签收{unit}{time}报送的“{title}”").format(
                unit=delivery.organization.display_name, time=format_cn_date(delivery.sent_on), title=delivery.title
            ),
            item.sign_by, reverse(page, args=[delivery.object_id]), _addressees(receipt, cache),
        )  # fmt: skip


register_source("receipt", receipts_overdue)
register_source("plan_approval", plans_awaiting_approval)
register_source("session_approval", session_plans_awaiting_approval)


# --- the engine ---------------------------------------------------------------------------------


def due_reminders(today: dt.date | None = None) -> list[Reminder]:
    """Every study reminder owed on `today`, with its recipients, in the site's language (nothing sent)."""
    today = today or clock.today()
    found: list[Reminder] = []
    with translation.override(settings.LANGUAGE_CODE):  # people have no language of their own
        for _name, source in sorted(_sources.items()):
            for owed in source(today):
                # A study source may start earlier than BEFORE_DAYS, never later (R-S18/R-B6: `remind_days`).
                stage = stage_for(owed.due, today, max(owed.before_days, BEFORE_DAYS))
                if stage is not None:
                    key = f"study:{owed.kind}:{owed.pk}:{owed.due.isoformat()}:{stage}"
                    found.append(word(key, SUBJECT, owed, stage))
    return found


def queue_reminders(today: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Queue every study reminder owed today, once per reminder, recipient and channel."""
    today = today or clock.today()
    reminders = due_reminders(today)
    with translation.override(settings.LANGUAGE_CODE):
        # A DingTalk robot with keyword security needs "巡听旁听" (see the send_reminders command).
        heading = _("巡听旁听系统·学习提醒（{day}）").format(day=format_cn_date(today))
        return queue(reminders, heading, dry_run=dry_run)


def send_reminders(today: dt.date | None = None, *, dry_run: bool = False) -> RunResult:
    """Queue what is owed today, then deliver every due outbox row (marked sent only when accepted)."""
    return send(queue_reminders, today, dry_run=dry_run)


# -- as a background job (pangting.core.jobs; issue 15) -------------------------------------------


def reminders_job(job: Job, *, date: str | None = None) -> dict[str, Any]:
    """The worker's side of `send_study_reminders --enqueue` (the morning timer)."""
    return run_job(job, send_reminders, date)
