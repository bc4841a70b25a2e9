"""Feedback (R-O9) and rectification (R-O10): drafting, issuing, acknowledging, items,
evidence and verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock, dates, registry
from pangting.core.models import StaleRecord
from pangting.orgs.models import Organization, Person

from .. import rectification
from ..models import CHECKLIST_POINTS, Evidence, Feedback, ObservationRecord, Rectification, State, Visit
from ._common import ALLOWED_UPLOADS, _save, _user, check_upload
from .visits import format_number, next_number
from .workflow import run_step

A = policy.Action


@transaction.atomic
def draft_feedback(visit: Visit, *, actor: Any) -> Feedback:
    """Start the written feedback from the filed record; refused before the record exists."""
    record = ObservationRecord.objects.filter(visit=visit, filed_at__isnull=False).first()
    if record is None or visit.state != State.RECORDED:
        raise ValidationError(_("请先完成列席旁听记录，再起草反馈意见。"))
    feedback = Feedback.objects.filter(visit=visit).first()
    if feedback is None:
        feedback = Feedback(
            visit=visit,
            checklist={key: {"problem": False, "evidence": ""} for key, _label in CHECKLIST_POINTS},
            summary=_summary_from_record(record),
            suggestions=record.suggestions,
        )
        _save(feedback, actor)
    return feedback


def _summary_from_record(record: ObservationRecord) -> str:
    facts = record.facts or {}
    # i18n: not interface (a draft of the Chinese feedback document, which the team edits)
    parts = [
        f"成员参加率{facts.get('participation_text', '—')}",
        "落实了“第一议题”" if facts.get("has_first_agenda_item") else "未落实“第一议题”",
        f"{facts.get('written_speech_count', 0)}名成员提交书面发言材料",
    ]
    return "；".join(parts) + "。"  # i18n: not interface (as above)


@transaction.atomic
def save_feedback(
    feedback: Feedback, *, actor: Any, checklist: dict[str, Any], summary: str, suggestions: str
) -> Feedback:
    if feedback.issued_at:
        raise ValidationError(_("反馈意见已印发，不能修改。"))
    cleaned: dict[str, dict[str, Any]] = {}
    errors = []
    for key, label in CHECKLIST_POINTS:
        point = checklist.get(key) or {}
        problem = bool(point.get("problem"))
        evidence = str(point.get("evidence") or "").strip()
        if problem and not evidence:
            errors.append(_("“{label}”标记为问题，请写明依据（R-O9：客观、有依据）。").format(label=label))
        cleaned[key] = {"problem": problem, "evidence": evidence}
    if errors:
        raise ValidationError(errors)
    feedback.checklist = cleaned
    feedback.summary = summary.strip()
    feedback.suggestions = suggestions.strip()
    _save(feedback, actor)
    registry.text_saved("feedback", feedback)  # the near-duplicate check (issue 13)
    return feedback


@transaction.atomic
def issue_feedback(feedback: Feedback, *, actor: Any, expected_version: int | None = None) -> Feedback:
    """Number and issue the feedback letter; each problem becomes a rectification item (R-O9, R-O10).

    The visit is claimed first; the number comes after, so concurrent clicks give one letter.
    """
    if feedback.issued_at:
        raise ValidationError(_("反馈意见已印发。"))
    problems = feedback.problems()
    if problems and not feedback.suggestions.strip():
        raise ValidationError(_("存在问题时，请提出有针对性、可操作的整改建议（R-O9）。"))

    def number_and_issue(visit: Visit) -> str:
        year = clock.today().year
        feedback.seq = next_number(visit.supervisor_org, year, "letter")
        feedback.number = format_number(visit.supervisor_org, year, feedback.seq)
        feedback.issued_at = clock.now()
        feedback.issued_by = _user(actor)
        _save(feedback, actor)
        due, basis = _item_deadline(timezone.localdate(feedback.issued_at), problem_list=False)
        for key, label, evidence in problems:
            # i18n: not interface (the stored text of a rectification item, as in the feedback document)
            problem = f"{label}：{evidence}"
            item = Rectification(visit=visit, unit=visit.unit, checklist_point=key, problem=problem)
            item.deadline, item.deadline_basis = due, basis  # R-O10: every item has a deadline
            _save(item, actor)
        # i18n: not interface (a step reason, stored in the log as written)
        return f"印发反馈意见{feedback.number}" + ("（逾期）" if feedback.issued_late else "")

    run_step(feedback.visit, "issue_feedback", actor=actor, expected_version=expected_version, effect=number_and_issue)
    return feedback


@transaction.atomic
def acknowledge_feedback(feedback: Feedback, *, actor: Any, expected_version: int | None = None) -> Feedback:
    """The unit confirms receipt; the visit goes to rectification, or closes if nothing is to fix (R-O10)."""
    if feedback.acknowledged_at:
        raise ValidationError(_("已签收。"))
    if not feedback.issued_at:
        raise ValidationError(_("反馈意见尚未印发。"))

    def acknowledge(_visit: Visit) -> None:
        feedback.acknowledged_at = clock.now()
        feedback.acknowledged_by = _user(actor)
        _save(feedback, actor)

    # i18n: not interface (a step reason, stored in the log as written)
    run_step(
        feedback.visit, "acknowledge", actor=actor, expected_version=expected_version, effect=acknowledge,
        reason="单位签收反馈意见",
    )  # fmt: skip
    return feedback


def _item_deadline(start: dt.date, *, problem_list: bool) -> tuple[dt.date, dict[str, Any]]:
    """R-O10/R-O25: the default deadline of a new item, with its basis."""
    return rectification.default_deadline(start, problem_list=problem_list)


@transaction.atomic
def open_problem_item(
    unit: Organization,
    *,
    actor: Any,
    problem: str,
    measure: str = "",
    owner: Person | None = None,
    deadline: dt.date | None = None,
) -> Rectification:
    """R-O25: the unit (or its supervisor) puts a problem on its own problem list, without a visit.

    The deadline defaults to the configured working days after today; a unit may set an earlier
    one, a later one only the supervisor (an item must not escape its deadline, R-O10).
    """
    if not (policy.can(actor, A.OBSERVATION_REPLY, unit) or policy.can(actor, A.OBSERVATION_MANAGE, unit)):
        raise PermissionDenied
    problem = problem.strip()
    if not problem:
        raise ValidationError({"problem": _("请填写问题。")})
    if len(problem) > 2000:
        raise ValidationError({"problem": _("问题描述不能超过2000字。")})
    today = clock.today()
    due, basis = _item_deadline(today, problem_list=True)
    item = Rectification(
        unit=unit, source=Rectification.Source.PROBLEM_LIST, problem=problem, measure=measure.strip(),
        deadline=due, deadline_basis=basis,
    )  # fmt: skip
    _check_owner(item, owner)
    item.owner = owner
    if deadline is not None:
        _check_deadline(item, deadline, actor, start=today)
        if deadline != due:
            item.deadline, item.deadline_basis = deadline, {}
    _save(item, actor)
    return item


def _check_owner(item: Rectification, owner: Person | None) -> None:
    unit = item.unit
    if owner and owner.organization_id != unit.pk and not owner.organization.path.startswith(unit.path):
        raise ValidationError({"owner": _("责任人应为整改单位人员。")})


def _check_deadline(item: Rectification, deadline: dt.date, actor: Any, *, start: dt.date) -> None:
    """R-O10: never earlier than the problem; the unit may not set it further out than the
    configured longest term (`max_working_days` after the problem was raised), only the supervisor."""
    if deadline < start:
        raise ValidationError({"deadline": _("整改期限不能早于问题提出日期。")})
    if policy.can(actor, A.OBSERVATION_MANAGE, item.unit):
        return
    latest = rectification.latest_deadline(start)
    if deadline > latest:
        message = _("整改期限最迟为{day}；如需再延期，请由宣传部调整（R-O10）。")
        raise ValidationError({"deadline": message.format(day=dates.format_date(latest))})


@transaction.atomic
def plan_rectification(
    item: Rectification,
    *,
    actor: Any,
    measure: str,
    owner: Person | None,
    deadline: dt.date | None,
    expected_version: int | None = None,
) -> Rectification:
    """The unit sets the measure, the owner and the deadline of one item.

    `expected_version` is the version of the item the page showed: a stale page changes nothing."""
    if expected_version is not None and expected_version != item.version:
        raise StaleRecord
    if item.status == Rectification.Status.ACCEPTED:
        raise ValidationError(_("该事项已验收。"))
    if not measure.strip():
        raise ValidationError({"measure": _("请填写整改措施。")})
    _check_owner(item, owner)
    if deadline is None:
        deadline = item.deadline  # R-O10: a deadline is never removed
    elif deadline != item.deadline:
        _check_deadline(item, deadline, actor, start=timezone.localdate(item.created_at))
        item.deadline_basis = {}  # set by hand: the date itself is the basis
    item.measure, item.owner, item.deadline = measure.strip(), owner, deadline
    _save(item, actor)
    return item


@transaction.atomic
def report_rectification(
    item: Rectification, *, actor: Any, report: str, expected_version: int | None = None
) -> Rectification:
    """The unit reports what it did about one item (R-O10)."""
    if not report.strip():
        raise ValidationError({"unit_report": _("请填写整改情况。")})

    def record_report(claimed: Rectification) -> None:
        claimed.unit_report = report.strip()
        claimed.reported_at = clock.now()
        _save(claimed, actor)
        registry.text_saved("rectification_report", claimed)  # the near-duplicate check (issue 13)

    return run_step(item, "report", actor=actor, expected_version=expected_version, effect=record_report)


ALLOWED_EVIDENCE = ALLOWED_UPLOADS


@transaction.atomic
def add_evidence(item: Rectification, upload: Any, *, actor: Any) -> Evidence:
    """A file proving the rectification: size and type checked; never classified material."""
    name = check_upload(upload)
    evidence = Evidence(rectification=item, file=upload, original_name=name[:200], size=upload.size, uploaded_by=actor)
    _save(evidence, actor)
    return evidence


@transaction.atomic
def verify_rectification(
    item: Rectification, *, actor: Any, accept: bool, note: str = "", expected_version: int | None = None
) -> Rectification:
    """The supervisor accepts the item or sends it back with a reason; the last acceptance closes the visit."""

    def verify(claimed: Rectification) -> None:
        claimed.verified_by = _user(actor)
        claimed.verified_at = clock.now()
        claimed.verification_note = note.strip()[:300]
        _save(claimed, actor)

    step = "accept" if accept else "send_back"
    run_step(item, step, actor=actor, reason=note, expected_version=expected_version, effect=verify)
    if item.visit_id is None:  # a problem-list item (R-O25): no visit to close
        return item
    visit = Visit.objects.get(pk=item.visit_id)
    remaining = visit.rectifications.filter(deleted_at__isnull=True).exclude(status=Rectification.Status.ACCEPTED)
    if accept and visit.state == State.RECTIFYING and not remaining.exists():
        # i18n: not interface (a step reason, stored in the log as written)
        run_step(visit, "close", actor=actor, reason="整改事项全部验收")
    return item
