"""A record's history for the people who may see the record: who changed which field, when.

Every business record keeps its history rows (django-simple-history). Pages show them through
this one function, so each shows the same things the same way: field names as the forms label
them, choices by their labels, related records by name, and personal data masked as in lists
(phone numbers, in phone fields and inside free text). Bookkeeping fields are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from pangting.lib.phone import mask_phone

from .dates import format_date, format_datetime

# Bookkeeping, not content: who sees the record learns nothing from them.
SKIPPED = {"id", "version", "created_at", "updated_at", "deleted_by", "search_text"}
MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LONGEST = 300

KIND_LABELS = {"+": _("新建"), "~": _("修改"), "-": _("删除")}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: str
    record: str  # which record (the visit, its record, its feedback…)
    kind: str
    changes: list[FieldChange] = field(default_factory=list)


def _masked(name: str, text: str) -> str:
    if "phone" in name:
        return mask_phone(text)
    return MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def _shown(model: type[models.Model], name: str, value: Any, names: dict[tuple[type, Any], str]) -> str:
    if value is None or value == "":
        return "—"
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # a field the model no longer has
        return str(value)
    if getattr(model_field, "choices", None):
        value = dict(model_field.flatchoices).get(value, value)
    elif isinstance(model_field, models.ForeignKey):
        related = model_field.related_model
        key = (related, value)
        if key not in names:
            found = related._base_manager.filter(pk=value).first()  # type: ignore[union-attr]
            names[key] = str(found) if found is not None else f"#{value}"
        value = names[key]
    elif isinstance(value, bool):
        value = _("是") if value else _("否")
    elif isinstance(value, dt.datetime):
        value = format_datetime(value)
    elif isinstance(value, dt.date):
        value = format_date(value)
    text = _masked(name, str(value))
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def history_of(*records: Any) -> list[HistoryEntry]:
    """The history rows of `records` (model instances with `.history`; None skipped), newest first.

    Each entry names its record by the model's name, and by the record too where several records
    of one model are shown together (the places of a team).
    """
    entries: list[HistoryEntry] = []
    names: dict[tuple[type, Any], str] = {}
    present = [record for record in records if record is not None]
    models_seen = [type(record) for record in present]
    for record in present:
        model = type(record)
        label = str(model._meta.verbose_name)
        if models_seen.count(model) > 1:
            label = f"{label} {record}"
        rows = list(record.history.order_by("history_date", "history_id").select_related("history_user"))
        previous = None
        for row in rows:
            who = getattr(row.history_user, "display_name", None) or str(row.history_user or _("系统"))
            entry = HistoryEntry(
                at=row.history_date,
                who=str(who),
                record=label,
                kind=str(KIND_LABELS.get(row.history_type, row.history_type)),
            )
            if previous is not None:
                delta = row.diff_against(previous)
                for change in delta.changes:
                    if change.field in SKIPPED:
                        continue
                    entry.changes.append(
                        FieldChange(
                            _label(model, change.field),
                            _shown(model, change.field, change.old, names),
                            _shown(model, change.field, change.new, names),
                        )
                    )
                if row.history_type == "~" and not entry.changes:
                    previous = row
                    continue  # only bookkeeping changed
            entries.append(entry)
            previous = row
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
