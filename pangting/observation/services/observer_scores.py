"""Observers' own scores of a session (R-O18), besides the team's composite on the record.

Optional: each member of the visit's team may give his own composite score (0–100, one
decimal) on the record form. Where two or more observers scored the same session, the
analysis app reports their agreement (ICC, pangting.lib.calibration).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import SCORE_MAX, ObservationRecord, ObserverScore
from ._common import _save, _user


def parse_score(raw: Any) -> Decimal | None:
    """A score 0–100 with at most one decimal, None for blank; a clear message otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(_("个人评分应为0到100之间的数字。")) from None
    if not value.is_finite() or not 0 <= value <= SCORE_MAX:
        raise ValidationError(_("个人评分应为0到100之间的数字。"))
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError(_("个人评分最多保留一位小数。"))
    return value


def save_observer_scores(record: ObservationRecord, scores: dict[int, Any], *, actor: Any) -> None:
    """Set the team members' own scores (by person id); blank removes one. Non-members are refused."""
    team = {m.person_id: m.person for m in record.visit.team_members.filter(deleted_at__isnull=True)}
    parsed: dict[int, Decimal | None] = {}
    for person_id, raw in scores.items():
        if person_id not in team:
            raise ValidationError(_("只有本次旁听组成员可以填写个人评分。"))
        parsed[person_id] = parse_score(raw)
    current = {s.person_id: s for s in record.observer_scores.filter(deleted_at__isnull=True)}
    for person_id, value in parsed.items():
        existing = current.get(person_id)
        if value is None:
            if existing is not None:
                existing.soft_delete(actor=_user(actor))
        elif existing is None:
            _save(ObserverScore(record=record, person=team[person_id], score=value), actor)
        elif existing.score != value:
            existing.score = value
            _save(existing, actor)
