"""书记审定 (R-S15, seed 004 机制一): the center group's leader approves the annual plan and each
session plan before the plan is filed (R-S1) or the arrangement form sent (R-S10).

Two ways, both steps of the approval workflows in `study/workflows.py` (`approval_state`):
the leader approves inside the system (`approve`), or the unit's study secretary records the
paper approval with its date and a scan (`record_paper_approval`). An edit of the content after
approval voids it (`void_if_changed`, called by the edit services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.dates import chinese_date, format_date
from pangting.core.transitions import run_step
from pangting.orgs.models import StudyGroupMember

from ..models import Approval, ApprovalKind, PlanKind, PlanTheme, SessionKind, StudyPlan, StudySession
from ..parameters import get_parameters
from ._common import A, _check_seen, _save
from .uploads import check_upload

Approvable = StudyPlan | StudySession

# A paper approval's scan: the signed page, photographed or scanned.
SCAN_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")


def needs_approval(record: Approvable) -> bool:
    """R-S15 applies to the center group's annual plan and its sessions' plans."""
    if isinstance(record, StudyPlan):
        return record.kind == PlanKind.CENTER_GROUP
    return record.is_center_group


def _who(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _run(
    record: Approvable, step: str, *, actor: Any, fill: Callable[[Any], None], reason: str, version: int | None
) -> Approvable:
    _check_seen(record, version)

    def effect(claimed: Any) -> None:
        fill(claimed)
        _save(claimed, actor, clean=False)

    return run_step(record, step, actor=actor, reason=reason, expected_version=version, effect=effect)


@transaction.atomic
def approve(record: Approvable, *, actor: Any, note: str = "", expected_version: int | None = None) -> Approvable:
    """The group leader approves inside the system (R-S15): who and when are recorded, with an optional note."""
    note = (note or "").strip()

    def fill(claimed: Any) -> None:
        claimed.approval_kind = ApprovalKind.IN_SYSTEM
        claimed.approved_at, claimed.approved_by = clock.now(), _who(actor)
        claimed.approval_note = note[:300]
        claimed.paper_approved_on, claimed.approval_scan = None, ""

    return _run(record, "approve", actor=actor, fill=fill, reason=note, version=expected_version)


def _made_on(record: Approvable) -> dt.date:
    return timezone.localdate(record.created_at)


@transaction.atomic
def record_paper_approval(
    record: Approvable,
    *,
    actor: Any,
    approved_on: dt.date | None,
    scan: UploadedFile | None,
    note: str = "",
    expected_version: int | None = None,
) -> Approvable:
    """The study secretary records the leader's approval on paper (R-S15): its date (not in the
    future, not before the plan was made) and a scan of the signed page (PDF/JPG/PNG)."""
    if not policy.can(actor, A.STUDY_CHANGE, record.organization):
        raise Http404  # before any word about the input: forbidden and missing look the same
    if approved_on is None:
        raise ValidationError({"paper_approved_on": _("请填写书记审定的日期（R-S15）。")})
    if approved_on > clock.today():
        raise ValidationError({"paper_approved_on": _("审定日期不能晚于今天。")})
    if approved_on < _made_on(record):
        raise ValidationError(
            {
                "paper_approved_on": _("审定日期不能早于方案制定的日期（{day}）。").format(
                    day=format_date(_made_on(record))
                )
            }
        )
    if scan is None:
        raise ValidationError({"approval_scan": _("请上传书记签批的审定件扫描件（PDF、JPG或PNG）。")})
    ext = check_upload(scan, get_parameters())
    if ext not in SCAN_EXTENSIONS:
        raise ValidationError({"approval_scan": _("审定件扫描件须为PDF、JPG或PNG文件。")})
    note = (note or "").strip()
    scan.name = PurePath(scan.name or "").name

    def fill(claimed: Any) -> None:
        claimed.approval_kind = ApprovalKind.PAPER
        claimed.approved_at, claimed.approved_by = clock.now(), _who(actor)
        claimed.paper_approved_on = approved_on
        claimed.approval_note = note[:300]
        claimed.approval_scan = scan

    return _run(
        record,
        "record_paper_approval",
        actor=actor,
        fill=fill,
        reason=_("纸质审定日期：{day}").format(day=chinese_date(approved_on)),
        version=expected_version,
    )


def _clear(claimed: Any) -> None:
    claimed.approval_kind, claimed.approved_at, claimed.approved_by = "", None, None
    claimed.approval_note, claimed.paper_approved_on, claimed.approval_scan = "", None, ""


@transaction.atomic
def void_approval(
    record: Approvable, *, actor: Any, reason: str = "", expected_version: int | None = None
) -> Approvable:
    """Withdraw the approval (the history keeps who approved and when); it must be given again."""
    return _run(
        record,
        "void_approval",
        actor=actor,
        fill=_clear,
        reason=(reason or "").strip() or _("撤销书记审定"),
        version=expected_version,
    )


def void_if_changed(record: Approvable, *, actor: Any, changed: bool) -> None:
    """R-S15: an edit of an approved plan or session plan voids the approval (the pages say so)."""
    if changed and record.approval_state == Approval.APPROVED:
        run_step(
            record, "void_approval", actor=actor, reason=_("审定后修改了内容，须重新审定"), effect=_void_effect(actor)
        )


def _void_effect(actor: Any) -> Callable[[Any], None]:
    def effect(claimed: Any) -> None:
        _clear(claimed)
        _save(claimed, actor, clean=False)

    return effect


def session_plan_snapshot(session: StudySession) -> tuple[Any, ...]:
    """What the leader approves in a session plan (学习会方案): the subject, place, people and
    agenda. Written material and the minutes added later are not part of it."""
    fields = (
        "title", "content", "place", "host_id", "host_post", "led_by_id", "participants_note",
        "plan_theme_id", "lecturer_name", "lecturer_post", "lecturer_person_id",
    )  # fmt: skip
    agenda = tuple(
        session.agenda_items.order_by("order", "pk").values_list("kind", "title", "presenter", "source", "source_date")
    )
    speakers = tuple(session.speeches.order_by("order", "pk").values_list("person_id", "speaker_name"))
    return (tuple(getattr(session, name) for name in fields), agenda, speakers)


def plan_snapshot(plan: StudyPlan) -> tuple[Any, ...]:
    """What the leader approves in an annual plan: the title, note and themes."""
    themes = tuple(
        plan.themes.order_by("period_kind", "period", "pk").values_list(
            "period_kind", "period", "theme", "materials", "topics", "upper_theme_id"
        )
    )
    return (plan.title, plan.note, tuple((*row[:4], tuple(row[4] or ()), row[5]) for row in themes))


def led_organization_ids(person_id: int | None, on: dt.date | None = None) -> set[int]:
    """The organizations whose center group `person_id` leads (组长) on `on` (today by default)."""
    if not person_id:
        return set()
    return set(
        StudyGroupMember.objects.current(on)
        .filter(person_id=person_id, role=StudyGroupMember.Role.LEADER)
        .values_list("group__organization_id", flat=True)
    )


def plans_awaiting(organization_ids: Iterable[int], today: dt.date) -> QuerySet[StudyPlan]:
    """R-S15: center-group plans of this year or later, with themes, not filed and not approved yet."""
    return (
        StudyPlan.objects.filter(
            organization_id__in=list(organization_ids),
            kind=PlanKind.CENTER_GROUP,
            status__in=(StudyPlan.Status.DRAFT, StudyPlan.Status.RETURNED),
            approval_state=Approval.PENDING,
            year__gte=today.year,
        )
        .filter(Exists(PlanTheme.objects.filter(plan=OuterRef("pk"))))
        .select_related("organization")
        .order_by("year", "pk")
    )


def sessions_awaiting(organization_ids: Iterable[int], now: dt.datetime) -> QuerySet[StudySession]:
    """R-S15: center-group sessions still to come whose session plan is not approved yet."""
    return (
        StudySession.objects.filter(
            organization_id__in=list(organization_ids),
            kind=SessionKind.CENTER_GROUP,
            status=StudySession.Status.PLANNED,
            approval_state=Approval.PENDING,
            approval_legacy=False,
            starts_at__gte=now,
        )
        .select_related("organization")
        .order_by("starts_at", "pk")
    )


def mark_legacy(session: StudySession) -> None:
    """A session brought in from a historical ledger (`ledger_import`): its arrangement form was
    sent on paper before the unit used the system, so R-S15 does not ask for an approval in it
    and the R-S15 check leaves it alone (`approval_legacy`)."""
    session.approval_legacy = True
    StudySession.objects.filter(pk=session.pk).update(approval_legacy=True)
