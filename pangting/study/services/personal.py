"""Personal study and training: self-study plans and records, reflections (R-S7, R-S13, R-B4),
and the unit's secretary training (R-B6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pangting.core import clock, registry
from pangting.orgs.models import Organization, Person

from ..models import Reflection, SecretaryTraining, SelfStudyPlan, SelfStudyRecord, StudySession
from ._common import _save


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
) -> SecretaryTraining:
    """R-B6: the unit trains its branch secretaries at least once a year."""
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
    training = SecretaryTraining(organization=organization, held_on=held_on, title=title.strip(), content=content)
    _save(training, actor)
    training.trainees.set(trainees)
    return training
