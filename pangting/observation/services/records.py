"""Attendance and the record (R-O5 … R-O8, R-O18): the rubric, the observation record,
talks and document reviews."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock, registry
from pangting.core.models import StaleRecord

from ..models import (
    DEFAULT_RUBRIC_ITEMS,
    DocumentReview,
    Forum,
    ObservationRecord,
    OnSiteComment,
    RecordSubmission,
    Rubric,
    SpotQuestion,
    State,
    Talk,
    TeamMember,
    Visit,
)
from ._common import A, _save, _user
from .observer_scores import save_observer_scores
from .workflow import run_step


@transaction.atomic
def mark_observed(visit: Visit, *, actor: Any, attendees: Any = None, expected_version: int | None = None) -> Visit:
    """R-O5: the team sat through the session; `attendees` are the team places (ids) that were there.

    Without `attendees` the whole team is taken as present (the form ticks everyone by default).
    At least one member of the team must have been there, or it was no observation.
    """

    def record_attendance(fresh: Visit) -> str:
        places = list(fresh.team_members.filter(deleted_at__isnull=True).select_related("person"))
        if attendees is None:
            present = {place.pk for place in places}
        else:
            try:
                present = {int(pk) for pk in attendees}
            except (TypeError, ValueError) as error:
                raise ValidationError(_("到场成员无效。")) from error
            unknown = present - {place.pk for place in places}
            if unknown:
                raise ValidationError(_("到场成员须是本次旁听组的成员。"))
        if places and not present:
            raise ValidationError(_("请至少勾选一名到场的旁听组成员（R-O5）。"))
        for place in places:
            place.attended = place.pk in present
            _save(place, actor)
        # i18n: not interface (a step reason, stored in the log as written)
        here = "、".join(p.person.name for p in places if p.attended)
        # i18n: not interface (as above)
        away = "、".join(p.person.name for p in places if not p.attended)
        # i18n: not interface (as above)
        return "旁听组全程参加学习会（R-O5）" + (f"：到场 {here}" if here else "") + (f"；缺席 {away}" if away else "")

    return run_step(visit, "mark_observed", actor=actor, expected_version=expected_version, effect=record_attendance)


def active_rubric() -> Rubric:
    rubric = Rubric.objects.filter(is_active=True).order_by("-created_at").first()
    if rubric is None:
        # i18n: not interface (the stored name of the default rubric)
        rubric = Rubric.objects.create(name="默认评分细则（四项各25分）", items=DEFAULT_RUBRIC_ITEMS)
    return rubric


def validate_rubric_items(items: Any) -> list[dict[str, Any]]:
    """A rubric is a non-empty list of {key, label, weight>0}; weights sum to 100."""
    if not isinstance(items, list) or not items:
        raise ValidationError(_("评分细则至少需要一项。"))
    keys = set()
    total = Decimal(0)
    for item in items:
        if not isinstance(item, dict) or not item.get("key") or not item.get("label"):
            raise ValidationError(_("每个评分项都需要 key 和名称。"))
        if item["key"] in keys:
            raise ValidationError(_("评分项 {key} 重复。").format(key=item["key"]))
        keys.add(item["key"])
        try:
            weight = Decimal(str(item.get("weight")))
        except ArithmeticError as exc:
            raise ValidationError(_("评分项“{label}”的权重不是数字。").format(label=item["label"])) from exc
        if weight <= 0:
            raise ValidationError(_("评分项“{label}”的权重须大于0。").format(label=item["label"]))
        total += weight
    if total != 100:
        raise ValidationError(_("各评分项权重之和应为100，现为{total}。").format(total=total))
    return items


def composite_score(rubric: Rubric, scores: dict[str, Any]) -> Decimal | None:
    """R-O18: each area is scored 0–100; the composite is the weighted mean, one decimal."""
    if not scores:
        return None
    total = Decimal(0)
    for item in validate_rubric_items(rubric.items):
        raw = scores.get(item["key"])
        if raw in (None, ""):
            return None
        try:
            value = Decimal(str(raw))
            if not value.is_finite():  # "NaN" compared with 0 raised InvalidOperation: a 500
                raise ArithmeticError(raw)
        except ArithmeticError as exc:
            raise ValidationError(_("“{label}”的得分不是数字。").format(label=item["label"])) from exc
        if not 0 <= value <= 100:
            raise ValidationError(_("“{label}”的得分应在0到100之间。").format(label=item["label"]))
        total += value * Decimal(str(item["weight"])) / 100
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def session_facts_dict(session: Any) -> dict[str, Any]:
    """Facts of the session the record starts from (participation, first agenda item, speeches)."""
    from pangting.study.services import session_facts

    facts = session_facts(session)
    rate = facts.participation_rate
    return {
        "participation_rate": None if rate is None else float(rate),
        "participation_text": "—" if rate is None else f"{float(rate) * 100:.1f}%",
        "expected_count": facts.expected_count,
        "present_count": facts.present_count,
        "leave_count": facts.leave_count,
        "has_first_agenda_item": facts.has_first_agenda_item,
        "written_speech_count": facts.written_speech_count,
        "speech_count": facts.speech_count,
        "led_by_secretary": facts.led_by_secretary,
        "reschedule_count": facts.reschedule_count,
    }


RECORD_FIELDS = [
    "organization_findings", "content_findings", "method_findings", "effect_findings", "problems", "suggestions",
]  # fmt: skip


@transaction.atomic
def save_record(
    visit: Visit,
    *,
    actor: Any,
    data: dict[str, Any],
    scores: dict[str, Any],
    submit: bool = False,
    expected_version: int | None = None,
    observer_scores: dict[int, Any] | None = None,
) -> ObservationRecord:
    """Save the liaison's record (draft or filed). Only for a session that has taken place.

    `observer_scores` (optional, R-O18): each team member's own composite score of the session,
    by person id; a blank removes that observer's score.

    `expected_version` is the record version the form was typed over (0: no record yet). A
    save over a newer version raises `StaleRecord`: a form kept on a phone for hours, or open
    in two tabs, never silently writes old text over what someone saved since."""
    if visit.session is None:
        raise ValidationError(_("该巡听旁听尚未关联学习会，不能填写记录。"))
    if visit.session.starts_at > clock.now():
        raise ValidationError(_("学习会尚未召开，不能填写旁听记录。"))
    if visit.state not in (State.SCHEDULED, State.OBSERVED, State.RECORDED):
        raise ValidationError(_("当前状态不能修改旁听记录。"))
    if not policy.can(actor, A.OBSERVATION_RECORD, visit.unit):
        raise ValidationError(_("您无权填写该记录。"))
    record = ObservationRecord.objects.filter(visit=visit).first()
    if record is not None and record.signed_off_at:
        raise ValidationError(_("记录已经组长确认，不能再修改。"))
    current_version = record.version if record is not None else 0
    if expected_version is not None and expected_version != current_version:
        raise StaleRecord
    if record is None:
        record = ObservationRecord(visit=visit, rubric=active_rubric(), facts=session_facts_dict(visit.session))
    elif not ObservationRecord.objects.filter(pk=record.pk, version=current_version).update(
        version=current_version + 1
    ):
        raise StaleRecord  # saved by someone else between our read and this write
    record.version = current_version + 1
    for name in RECORD_FIELDS:
        if name in data:
            setattr(record, name, (data[name] or "").strip())
    record.scores = {k: v for k, v in scores.items() if v not in (None, "")}
    record.composite_score = composite_score(record.rubric, record.scores)
    if submit:
        missing = [
            label
            for name, label in [("organization_findings", _("组织领导")), ("content_findings", _("学习内容")),
                                ("method_findings", _("学习方式")), ("effect_findings", _("学习效果"))]
            if not getattr(record, name)
        ]  # fmt: skip
        if missing:
            raise ValidationError(_("请填写：{items}。").format(items=_("、").join(missing)))
        if record.composite_score is None:
            raise ValidationError(_("请为每个评分项打分。"))
        # A correction before sign-off keeps the first filing time (R-O8 lateness) and state.
        if record.filed_at is None:
            record.filed_at = clock.now()
            record.filed_by = _user(actor)
    _save(record, actor)
    if observer_scores is not None:
        save_observer_scores(record, observer_scores, actor=actor)
    registry.text_saved("observation_record", record)  # the near-duplicate check (issue 13)
    if submit and visit.state != State.RECORDED:
        if visit.state == State.SCHEDULED:
            # i18n: not interface (a step reason, stored in the log as written)
            run_step(visit, "mark_observed", actor=actor, reason="旁听组全程参加学习会（R-O5）")
        # i18n: not interface (a step reason, stored in the log as written)
        run_step(visit, "file_record", actor=actor, reason="联络员填报记录" + ("（逾期）" if record.filed_late else ""))
    return record


def submit_record_once(
    visit: Visit,
    *,
    actor: Any,
    key: uuid.UUID,
    data: dict[str, Any],
    scores: dict[str, Any],
    submit: bool = False,
    expected_version: int | None = None,
    observer_scores: dict[int, Any] | None = None,
) -> tuple[RecordSubmission, bool]:
    """Save the record exactly once per idempotency `key` (R-O8 record, offline recording).

    The form makes the key when its draft starts; a phone that sent a submission and lost the
    answer sends the same key again. The first sending saves (through `save_record`, version
    check included) and keeps the key with the result; any later sending of the key gets that
    same result back without a second save. Returns (submission, replayed). A key used for
    another visit or by another user is refused. A sending that failed (bad input, a conflict)
    keeps no key, so the corrected form can be sent with it again.
    """
    previous = _previous_submission(visit, actor, key)
    if previous is not None:
        return previous, True
    try:
        with transaction.atomic():
            record = save_record(
                visit, actor=actor, data=data, scores=scores, submit=submit, expected_version=expected_version,
                observer_scores=observer_scores,
            )  # fmt: skip
            submission = RecordSubmission.objects.create(
                key=key, record=record, submitted_by=_user(actor), filed=submit, version=record.version
            )
    except (IntegrityError, ValidationError) as error:
        # The same key arrived twice at once (the page and the worker both sending when the
        # network returns): the loser saw no key yet, then the winner's record, and so failed
        # on the key's uniqueness or on the version. It answers with the winner's result.
        previous = _previous_submission(visit, actor, key)
        if previous is not None:
            return previous, True
        if isinstance(error, IntegrityError):
            raise StaleRecord from error  # another sending made the first record meanwhile
        raise
    return submission, False


def _previous_submission(visit: Visit, actor: Any, key: uuid.UUID) -> RecordSubmission | None:
    previous = RecordSubmission.objects.filter(key=key).select_related("record").first()
    if previous is None:
        return None
    if previous.record.visit_id != visit.pk or previous.submitted_by_id != getattr(_user(actor), "pk", None):
        raise ValidationError(_("提交编号无效，请刷新页面后重新提交。"))
    return previous


@transaction.atomic
def sign_off_record(record: ObservationRecord, *, actor: Any) -> ObservationRecord:
    """The team leader confirms the filed record."""
    if record.filed_at is None:
        raise ValidationError(_("记录尚未填报。"))
    person_id = getattr(actor, "person_id", None)
    is_leader = (
        person_id is not None
        and record.visit.team_members.filter(
            deleted_at__isnull=True, role=TeamMember.Role.LEADER, person_id=person_id
        ).exists()
    )
    if not is_leader:
        raise ValidationError(_("只有本次旁听组组长可以确认记录。"))
    record.signed_off_by = _user(actor)
    record.signed_off_at = clock.now()
    _save(record, actor)
    return record


@transaction.atomic
def add_talk(visit: Visit, *, actor: Any, **fields: Any) -> Talk:
    """R-O6: an individual talk after the session."""
    if visit.state in (State.PLANNED, State.NOTIFIED, State.CANCELLED):
        raise ValidationError(_("学习会召开后才能登记个别谈话。"))
    if not (fields.get("person_name") or "").strip():
        raise ValidationError({"person_name": _("请填写谈话对象。")})
    talk = Talk(visit=visit, **fields)
    talk.full_clean()
    _save(talk, actor)
    return talk


def _visit_held(visit: Visit, what: str) -> None:
    if visit.state in (State.PLANNED, State.NOTIFIED, State.CANCELLED):
        raise ValidationError(_("学习会召开后才能登记{what}。").format(what=what))


@transaction.atomic
def add_forum(visit: Visit, *, actor: Any, **fields: Any) -> Forum:
    """R-O19: a forum (专题座谈) held as part of the visit."""
    _visit_held(visit, _("专题座谈"))
    if not (fields.get("topic") or "").strip():
        raise ValidationError({"topic": _("请填写座谈主题。")})
    forum = Forum(visit=visit, **fields)
    forum.full_clean()
    _save(forum, actor)
    return forum


@transaction.atomic
def add_on_site_comment(visit: Visit, *, actor: Any, **fields: Any) -> OnSiteComment:
    """R-O19: the team's comment on the spot (现场点评)."""
    _visit_held(visit, _("现场点评"))
    if not (fields.get("content") or "").strip():
        raise ValidationError({"content": _("请填写点评内容。")})
    comment = OnSiteComment(visit=visit, **fields)
    comment.full_clean()
    _save(comment, actor)
    return comment


@transaction.atomic
def add_spot_question(visit: Visit, *, actor: Any, **fields: Any) -> SpotQuestion:
    """R-O19: a theory spot question (理论问题抽查): question, who answered, answer, result."""
    _visit_held(visit, _("理论问题抽查"))
    if not (fields.get("question") or "").strip():
        raise ValidationError({"question": _("请填写抽查问题。")})
    question = SpotQuestion(visit=visit, **fields)
    question.full_clean()
    _save(question, actor)
    return question


@transaction.atomic
def add_document_review(visit: Visit, *, actor: Any, **fields: Any) -> DocumentReview:
    """R-O6/R-O7: documents reviewed, reaching back to the previous year."""
    review = DocumentReview(visit=visit, **fields)
    if review.period_from and review.period_to and review.period_to < review.period_from:
        raise ValidationError(_("截止日期不能早于起始日期。"))
    review.full_clean()
    _save(review, actor)
    return review
