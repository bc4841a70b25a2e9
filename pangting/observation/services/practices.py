"""Typical practices (R-O16): collecting, promoting and recording their replication."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pangting.core import clock
from pangting.orgs.models import Organization

from ..models import Practice, Replication, Visit
from ._common import _save


@transaction.atomic
def collect_practice(
    *, actor: Any, unit: Organization, title: str, description: str, visit: Visit | None = None
) -> Practice:
    if not title.strip() or not description.strip():
        raise ValidationError(_("请填写做法名称和简介。"))
    practice = Practice(unit=unit, visit=visit, title=title.strip(), description=description.strip())
    _save(practice, actor)
    return practice


@transaction.atomic
def promote_practice(practice: Practice, *, actor: Any) -> Practice:
    practice.status = Practice.Status.PROMOTED
    practice.promoted_at = clock.now()
    _save(practice, actor)
    return practice


@transaction.atomic
def record_replication(
    practice: Practice, unit: Organization, *, actor: Any, on: dt.date, notes: str = ""
) -> Replication:
    if unit.pk == practice.unit_id:
        raise ValidationError(_("借鉴单位应不同于来源单位。"))
    replication = Replication(practice=practice, unit=unit, on=on, notes=notes)
    _save(replication, actor)
    return replication
