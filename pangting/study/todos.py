"""The study to-dos on the home page: what the secretary, the member and the supervisor owe."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core import deliveries as core_deliveries
from pangting.core.dates import format_datetime
from pangting.core.models import Delivery
from pangting.core.todos import Todo
from pangting.orgs.models import Organization
from pangting.orgs.units import units as org_units
from pangting.workdays.services import get_calendar

from . import training
from .models import Attendance, PlanKind, StudyPlan, StudySession
from .services import approval, deliveries, plan_due_on

A = policy.Action


def study_todos(user: Any) -> list[Todo]:
    todos: list[Todo] = []
    today = clock.today()
    now = clock.now()
    if policy.can(user, A.STUDY_CHANGE):
        managed = StudySession.objects.for_user(user, A.STUDY_CHANGE).exclude(status=StudySession.Status.CANCELLED)
        # R-S10: the arrangement form before the session, the report after it.
        unsent = ~Exists(
            Delivery.objects.filter(
                app_label="study", model="studysession", object_id=OuterRef("pk"), kind=deliveries.ARRANGEMENT
            )
        )
        for s in managed.filter(unsent).filter(
            arrangement_submitted_at__isnull=True, arrangement_due__isnull=False,
            arrangement_due__lte=today + dt.timedelta(days=7), starts_at__gte=now,
        ).select_related("organization")[:10]:  # fmt: skip
            todos.append(
                Todo(
                    title=_("报送学习安排报送表：{organization}“{session}”").format(
                        organization=s.organization.display_name, session=s.title
                    ),
                    url=reverse("study:session_detail", args=[s.pk]),
                    due=s.arrangement_due,
                    due_basis=s.arrangement_due_basis.get("text", ""),
                    severity="bad" if s.arrangement_due < today else "warn",
                )
            )
        for s in managed.filter(
            report_submitted_at__isnull=True, report_due__isnull=False, starts_at__lt=now,
            report_due__gte=today - dt.timedelta(days=30),
        ).select_related("organization")[:10]:  # fmt: skip
            todos.append(
                Todo(
                    title=_("会后报送宣传部：{organization}“{session}”").format(
                        organization=s.organization.display_name, session=s.title
                    ),
                    url=reverse("study:session_detail", args=[s.pk]),
                    due=s.report_due,
                    due_basis=s.report_due_basis.get("text", ""),
                    severity="bad" if s.report_due < today else "warn",
                )
            )
        open_count = managed.filter(
            attendance_closed_at__isnull=True, ends_at__lt=now, ends_at__gte=now - dt.timedelta(days=60)
        ).count()
        if open_count:
            todos.append(
                Todo(
                    title=_("{count}次学习会尚未确认考勤").format(count=open_count),
                    url=reverse("study:session_list") + "?status=planned",
                    detail=_("会后请确认考勤，未签到人员记为缺席（R-S3）。"),
                    severity="warn",
                )
            )
        makeups = (
            Attendance.objects.for_user(user, A.STUDY_CHANGE)
            .filter(status=Attendance.Status.LEAVE, makeup_done_on__isnull=True, session__starts_at__year=today.year)
            .exclude(role=Attendance.Role.OBSERVER)
        )
        count = makeups.count()
        if count:
            todos.append(
                Todo(
                    title=_("{count}人次请假尚未登记补学").format(count=count),
                    url=reverse("study:session_list"),
                    detail=_("请假人员应补学（R-S3）。"),
                    severity="info",
                )
            )
        plans = StudyPlan.objects.for_user(user, A.STUDY_CHANGE).filter(year=today.year, kind=PlanKind.CENTER_GROUP)
        if not plans.exclude(status__in=[StudyPlan.Status.DRAFT, StudyPlan.Status.RETURNED]).exists():
            due = plan_due_on(today.year)
            todos.append(
                Todo(
                    title=_("报送{year}年度中心组学习计划").format(year=today.year),
                    url=reverse("study:plan_list"),
                    detail=_("年度学习计划报宣传部（R-S1）。"),
                    due=due,
                    severity="bad" if today > due else "warn",
                )
            )
    if policy.can(user, A.STUDY_SUPERVISE):
        waiting = StudyPlan.objects.for_user(user, A.STUDY_SUPERVISE).filter(status=StudyPlan.Status.SUBMITTED).count()
        if waiting:
            todos.append(
                Todo(
                    title=_("{count}份年度学习计划待确认").format(count=waiting),
                    url=reverse("study:plan_list") + "?year=" + str(today.year),
                    severity="info",
                )
            )
    todos += receipt_todos(user)
    todos += approval_todos(user)
    todos += training_todos(user)
    person = getattr(user, "person", None)
    if person is not None and policy.can(user, A.STUDY_PARTICIPATE):
        for a in Attendance.objects.filter(
            person=person, session__starts_at__date=today, session__status=StudySession.Status.PLANNED,
            status=Attendance.Status.PENDING,
        ).select_related("session")[:5]:  # fmt: skip
            todos.append(
                Todo(
                    title=_("今天参加学习会：{session}").format(session=a.session.title),
                    url=reverse("study:session_detail", args=[a.session_id]),
                    detail=_("{time:%H:%M} {place}，到场后扫码签到。").format(
                        time=timezone.localtime(a.session.starts_at), place=a.session.place
                    ),
                    severity="warn",
                )
            )
    return todos


def approval_todos(user: Any) -> list[Todo]:
    """R-S15: the plans and session plans waiting for the group leader's approval (书记审定)."""
    if not policy.can(user, A.STUDY_APPROVE):
        return []
    leads = approval.led_organization_ids(getattr(user, "person_id", None))
    # Only where the policy grants him the approval (his own unit).
    led = set(Organization.objects.for_user(user, A.STUDY_APPROVE).filter(pk__in=leads).values_list("pk", flat=True))
    if not led:
        return []
    today, todos = clock.today(), []
    for plan in approval.plans_awaiting(led, today)[:5]:
        todos.append(
            Todo(
                title=_("审定{year}年度中心组学习计划：{organization}").format(
                    year=plan.year, organization=plan.organization.display_name
                ),
                url=reverse("study:plan_detail", args=[plan.pk]),
                detail=_("学习计划须经书记审定后报送宣传部（R-S15）。"),
                due=plan.due_on,
                severity="bad" if plan.due_on < today else "warn",
            )
        )
    for s in approval.sessions_awaiting(led, clock.now())[:10]:
        todos.append(
            Todo(
                title=_("审定学习会方案：{organization}“{session}”").format(
                    organization=s.organization.display_name, session=s.title
                ),
                url=reverse("study:session_detail", args=[s.pk]),
                detail=_("学习会方案须经书记审定后才能报送学习安排报送表（R-S15）。"),
                due=s.arrangement_due,
                severity="bad" if s.arrangement_due and s.arrangement_due < today else "warn",
            )
        )
    return todos


def receipt_todos(user: Any) -> list[Todo]:
    """The study documents waiting for `user` to sign for them (签收, R-S10): the liaison passes the
    arrangement form on to the linked leader, the leader and the supervisor sign for theirs."""
    todos: list[Todo] = []
    today = clock.today()
    pending = list(core_deliveries.pending_receipts(user).filter(delivery__app_label="study")[:20])
    calendar = get_calendar() if pending else None
    for receipt in pending:
        delivery = receipt.delivery
        forward = delivery.kind == deliveries.ARRANGEMENT
        if forward:  # the liaison passes the form on by the form's own due date (R-S10)
            due, late = delivery.due, bool(delivery.due and delivery.due < today)
        else:  # signing for it is due within the rule's working days (`receipt_overdue`, as the check says)
            due = core_deliveries.sign_by(delivery, calendar) if calendar is not None else None
            late = calendar is not None and core_deliveries.receipt_overdue(receipt, today, calendar) is not None
        todos.append(
            Todo(
                title=(
                    _("签收并转报联系校领导：{organization}{title}") if forward else _("签收：{organization}{title}")
                ).format(organization=delivery.organization.display_name, title=delivery.title),
                url=reverse(
                    "study:plan_detail" if delivery.model == "studyplan" else "study:session_detail",
                    args=[delivery.object_id],
                ),
                detail=_("{time}报送。").format(time=format_datetime(delivery.sent_at)),
                due=due,
                severity="bad" if late else "warn",
            )
        )
    return todos


def training_todos(user: Any) -> list[Todo]:
    """R-S18 / R-B6: the secretary trainings `user` owes this year (`study.training.owed`, the
    definition the checks and reminders read): a unit's secretaries its branch secretaries'
    training, the supervisors and the supervising level's secretaries the study secretaries'."""
    if not (policy.can(user, A.STUDY_CHANGE) or policy.can(user, A.STUDY_SUPERVISE)):
        return []
    today = clock.today()
    reached = Organization.objects.for_user(user, A.STUDY_CHANGE) | Organization.objects.for_user(
        user, A.STUDY_SUPERVISE
    )
    todos: list[Todo] = []
    for item in training.owed(today, org_units(reached.distinct())):
        if item.audience == training.Audience.STUDY_SECRETARIES:
            if not (
                policy.can(user, A.STUDY_CHANGE, item.office)
                or any(policy.can(user, A.STUDY_SUPERVISE, unit) for unit in item.units)
            ):
                continue
            title = _("组织学习秘书年度培训：{count}个单位尚未参训").format(count=len(item.units))
            detail = _("{units}。学习秘书每年至少培训一次（R-S18）。").format(units=training.unit_names(item, _("、")))
        else:
            if not policy.can(user, A.STUDY_CHANGE, item.office):
                continue
            title = _("组织{year}年度党支部书记培训：{organization}").format(
                year=item.year, organization=item.office.display_name
            )
            detail = _("党支部书记每年至少培训一次（R-B6）。")
        todos.append(
            Todo(title=title, url=reverse("study:training_list"), detail=detail, due=item.due, severity="warn")
        )
    return todos
