"""Cross-observation between units (R-O13): invitations, reports and per-semester counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.models import StaleRecord
from pangting.orgs.models import Organization, Person

from ..models import CrossObservation
from ._common import A, _save, _session_day
from .deadlines import _deadline, cross_report_rule, semester_of
from .workflow import run_step


@transaction.atomic
def invite_cross_observation(
    host: Organization,
    visitor: Organization,
    *,
    actor: Any,
    session: Any = None,
    visitor_person: Person | None = None,
) -> CrossObservation:
    """A host unit invites another unit's secretary or deputy to one of its sessions."""
    if not (policy.can(actor, A.OBSERVATION_REPLY, host) or policy.can(actor, A.OBSERVATION_MANAGE, host)):
        raise ValidationError(_("只有邀请单位或宣传部可以登记交叉旁听。"))
    if host.pk == visitor.pk:
        raise ValidationError(_("不能邀请本单位列席本单位的学习。"))
    if not (host.is_unit and visitor.is_unit):
        raise ValidationError(_("交叉旁听在二级党组织之间进行。"))
    if session is not None and session.organization_id != host.pk:
        raise ValidationError(_("所选学习会不属于邀请单位。"))
    if visitor_person is not None and visitor_person.organization_id != visitor.pk:
        raise ValidationError(_("列席人员应为列席单位的书记或副书记。"))
    day = _session_day(session) if session is not None else clock.today()
    year, semester = semester_of(day)
    cross = CrossObservation(
        year=year, semester=semester, host=host, visitor=visitor, visitor_person=visitor_person, session=session
    )
    if session is not None:
        cross.report_due, cross.report_due_basis, _warning = _deadline(day, cross_report_rule())
    _save(cross, actor)
    return cross


@transaction.atomic
def report_cross_observation(
    cross: CrossObservation, *, actor: Any, report: str, expected_version: int | None = None
) -> CrossObservation:
    """The visiting unit's written report (within 3 days of the session, R-O13); once reported, it may be amended."""
    if not report.strip():
        raise ValidationError({"report": _("请填写列席情况。")})
    if cross.status == CrossObservation.Status.REPORTED:
        if not policy.can(actor, A.OBSERVATION_REPLY, cross.visitor):
            raise Http404
        if expected_version is not None and expected_version != cross.version:
            raise StaleRecord
        cross.report = report.strip()
        _save(cross, actor)  # not a step: the state stays; the first report time stays (R-O13 lateness)
        return cross

    def record_report(claimed: CrossObservation) -> None:
        claimed.report = report.strip()
        claimed.reported_at = clock.now()
        _save(claimed, actor)

    return run_step(cross, "report", actor=actor, expected_version=expected_version, effect=record_report)


@transaction.atomic
def attend_cross_observation(
    cross: CrossObservation, *, actor: Any, expected_version: int | None = None
) -> CrossObservation:
    """The host confirms the visitor sat in on the session (R-O13)."""
    return run_step(cross, "attend", actor=actor, expected_version=expected_version)


@transaction.atomic
def cancel_cross_observation(
    cross: CrossObservation, *, actor: Any, reason: str, expected_version: int | None = None
) -> CrossObservation:
    """The host or the supervisor calls off an invitation that will not happen, with a reason."""

    def keep_reason(claimed: CrossObservation) -> None:
        claimed.cancel_reason = reason.strip()[:300]
        _save(claimed, actor)

    return run_step(cross, "cancel", actor=actor, reason=reason, expected_version=expected_version, effect=keep_reason)


def cross_counts(year: int, semester: int, units: Iterable[Organization]) -> list[dict[str, Any]]:
    """Per unit and semester: times it invited others and times it sat in elsewhere (R-O13)."""
    from django.db.models import Count, Q

    units = list(units)
    base = CrossObservation.objects.filter(year=year, semester=semester).exclude(
        status=CrossObservation.Status.CANCELLED
    )
    hosted = dict(base.values("host").annotate(n=Count("pk")).values_list("host", "n"))
    visited = dict(
        base.filter(Q(status=CrossObservation.Status.ATTENDED) | Q(status=CrossObservation.Status.REPORTED))
        .values("visitor")
        .annotate(n=Count("pk"))
        .values_list("visitor", "n")
    )
    return [{"unit": u, "hosted": hosted.get(u.pk, 0), "visited": visited.get(u.pk, 0)} for u in units]
