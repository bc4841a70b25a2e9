"""`{{ record.reply_due_basis|deadline_basis }}`: a stored deadline basis in the active language."""

from __future__ import annotations

from typing import Any

from django import template

from pangting.workdays.services import describe_basis

register = template.Library()


@register.filter
def deadline_basis(basis: dict[str, Any] | None) -> str:
    return describe_basis(basis)
