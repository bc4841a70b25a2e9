"""Personal study and training: self-study plans and records, reflections (R-S7, R-S13, R-B4),
and the unit's secretary training (R-B6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from pangting.core import clock, registry
from pangting.orgs.models import Organization, Person

from ..models import (
    CadreBranch,
    Reflection,
    SecretaryTraining,
    SelfStudyPlan,
    SelfStudyRecord,
    SessionResearch,
    StudyOutcome,
    StudySession,
)
from ._common import _local_day, _save


@transaction.atomic
def save_self_study_plan(
    person: Person, *, actor: Any, year: int, goals: str, tasks: str = "", completed_on: dt.date | None = None
) -> SelfStudyPlan:
    """R-S13: a leading cadre's personal plan; one per year, edited in place."""
    if not goals.strip():
        raise ValidationError({"goals": _("请填写学习目标与书目。")})
    plan = SelfStudyPlan.objects.filter(person=person, year=year).first() or SelfStudyPlan(
        person=person, year=year, organization=person.organization
    )
    plan.goals, plan.tasks, plan.completed_on = goals.strip(), tasks.strip(), completed_on
    _save(plan, actor)
    return plan


@transaction.atomic
def add_self_study_record(
    person: Person,
    *,
    actor: Any,
    studied_on: dt.date,
    material: str,
    hours: Any = 1,
    notes: str = "",
    session: StudySession | None = None,
) -> SelfStudyRecord:
    """R-S7: personal self-study, optionally for a coming session."""
    if studied_on > clock.today():
        raise ValidationError({"studied_on": _("学习日期不能晚于今天。")})
    if session is not None and not session.attendances.filter(person=person).exists():
        raise ValidationError({"session": _("只能关联您参加的学习会。")})
    record = SelfStudyRecord(
        person=person,
        organization=person.organization,
        studied_on=studied_on,
        material=material.strip(),
        hours=hours,
        notes=notes.strip(),
        session=session,
    )
    _save(record, actor)
    registry.text_saved("self_study", record)  # the near-duplicate check (issue 13)
    return record


@transaction.atomic
def add_reflection(
    person: Person,
    *,
    actor: Any,
    title: str,
    text: str,
    kind: str = Reflection.Kind.REFLECTION,
    session: StudySession | None = None,
    written_on: dt.date | None = None,
) -> Reflection:
    """R-S7 / R-B4: a study reflection or summary after a session."""
    if not text.strip():
        raise ValidationError({"text": _("正文不能为空。")})
    if session is not None and not session.attendances.filter(person=person).exists():
        raise ValidationError({"session": _("只能关联您参加的学习会。")})
    # i18n: not interface (the default title stored with the record)
    reflection = Reflection(
        person=person,
        organization=person.organization,
        session=session,
        kind=kind,
        title=title.strip() or "学习体会",
        text=text.strip(),
        written_on=written_on or clock.today(),
    )
    _save(reflection, actor)
    registry.text_saved("reflection", reflection)  # the near-duplicate check (issue 13)
    return reflection


@transaction.atomic
def record_training(
    organization: Organization,
    *,
    actor: Any,
    held_on: dt.date,
    title: str,
    content: str = "",
    hours: Any = 2,
    trainees: Iterable[Person] = (),
    audience: str = SecretaryTraining.Audience.BRANCH_SECRETARIES,
) -> SecretaryTraining:
    """R-B6: the unit trains its branch secretaries at least once a year; R-S18: its study secretaries."""
    if audience not in SecretaryTraining.Audience.values:
        raise ValidationError({"audience": _("培训对象“{value}”无效。").format(value=audience)})
    if held_on > clock.today():
        raise ValidationError({"held_on": _("培训日期不能晚于今天：培训举办后再登记。")})
    if not title.strip():
        raise ValidationError({"title": _("请填写培训主题。")})
    trainees = list(trainees)
    outside = [p.name for p in trainees if not p.organization.path.startswith(organization.path)]
    if outside:
        raise ValidationError(
            {
                "trainees": _("{items}不属于{organization}。").format(
                    items=_("、").join(outside), organization=organization.name
                )
            }
        )
    training = SecretaryTraining(
        organization=organization, audience=audience, held_on=held_on, title=title.strip(), content=content, hours=hours
    )
    _save(training, actor)
    training.trainees.set(trainees)
    return training


@transaction.atomic
def add_research(
    session: StudySession,
    *,
    actor: Any,
    researcher_name: str,
    topic: str,
    person: Person | None = None,
    done_on: dt.date | None = None,
    findings: str = "",
) -> SessionResearch:
    """R-S21: the session plan names who researched what before the session."""
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，不能修改。"))
    name = (person.name if person is not None else "") or researcher_name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["researcher_name"] = _("请填写调研人。")
    if not topic.strip():
        errors["topic"] = _("请填写调研题目。")
    if done_on is not None and done_on > _local_day(session.starts_at):
        errors["done_on"] = _("会前调研的日期不能晚于学习会日期。")
    if errors:
        raise ValidationError(errors)
    item = SessionResearch(
        session=session, person=person, researcher_name=name, topic=topic.strip(), done_on=done_on,
        findings=findings.strip(),
    )  # fmt: skip
    _save(item, actor)
    return item


@transaction.atomic
def remove_research(item: SessionResearch, *, actor: Any) -> None:
    """R-S21: a research row entered by mistake is deleted softly (history keeps it)."""
    item.soft_delete(actor=actor)


@transaction.atomic
def record_outcome(
    organization: Organization,
    *,
    actor: Any,
    title: str,
    kind: str = StudyOutcome.Kind.MEASURE,
    description: str = "",
    recorded_on: dt.date | None = None,
    responsible: str = "",
    conversion_due: dt.date | None = None,
    session: StudySession | None = None,
) -> StudyOutcome:
    """R-S19: a study outcome (research report, measure adopted), with when its conversion is due."""
    recorded_on = recorded_on or clock.today()
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("请填写成果名称。")
    if kind not in StudyOutcome.Kind.values:
        errors["kind"] = _("成果类型“{value}”无效。").format(value=kind)
    if recorded_on > clock.today():
        errors["recorded_on"] = _("形成日期不能晚于今天。")
    if conversion_due is not None and conversion_due < recorded_on:
        errors["conversion_due"] = _("转化完成期限不能早于形成日期。")
    if session is not None and session.organization_id != organization.pk:
        errors["session"] = _("只能关联本单位的学习会。")
    if errors:
        raise ValidationError(errors)
    outcome = StudyOutcome(
        organization=organization, session=session, kind=kind, title=title.strip(), description=description.strip(),
        recorded_on=recorded_on, responsible=responsible.strip(), conversion_due=conversion_due,
    )  # fmt: skip
    _save(outcome, actor)
    return outcome


@transaction.atomic
def record_conversion(outcome: StudyOutcome, *, actor: Any, converted_on: dt.date, note: str) -> StudyOutcome:
    """R-S19: the outcome has been turned into work: when, and what it achieved."""
    errors: dict[str, str] = {}
    if converted_on > clock.today():
        errors["converted_on"] = _("转化完成日期不能晚于今天。")
    if converted_on < outcome.recorded_on:
        errors["converted_on"] = _("转化完成日期不能早于成果形成日期。")
    if not note.strip():
        errors["conversion_note"] = _("请填写转化成效。")
    if errors:
        raise ValidationError(errors)
    outcome.conversion = StudyOutcome.Conversion.CONVERTED
    outcome.converted_on = converted_on
    outcome.conversion_note = note.strip()
    _save(outcome, actor)
    return outcome


def cadre_branch_on(person: Person, on: dt.date) -> CadreBranch | None:
    """R-B7: the branch `person` belongs to on `on`, if recorded."""
    return (
        CadreBranch.objects.filter(person=person, since__lte=on)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .order_by("-since")
        .first()
    )


@transaction.atomic
def assign_cadre_branch(person: Person, branch: Organization, *, actor: Any, since: dt.date) -> CadreBranch:
    """R-B7 双重组织生活: record the branch a leading cadre belongs to from `since`; closes the previous one."""
    from pangting.orgs.models import OrganizationKind

    if branch.kind != OrganizationKind.BRANCH:
        raise ValidationError({"branch": _("{organization}不是党支部。").format(organization=branch.name)})
    current = cadre_branch_on(person, since)
    if current is not None:
        if current.branch_id == branch.pk:
            return current
        if current.since >= since:
            raise ValidationError({"since": _("起始日期须晚于现所在党支部的起始日期。")})
        current.until = since - dt.timedelta(days=1)
        _save(current, actor)
    link = CadreBranch(person=person, branch=branch, since=since)
    _save(link, actor)
    return link
