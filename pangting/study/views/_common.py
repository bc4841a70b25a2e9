"""Private helpers the study views share: form errors and the scoped session lookup."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from pangting.accounts import policy

from ..models import StudySession

A = policy.Action


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


def _form_errors(form: Any) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


def _session_for(user: Any, pk: int, action: A = A.STUDY_VIEW) -> StudySession:
    qs = StudySession.objects.select_related("organization", "group", "host", "led_by", "plan_theme__plan")
    return policy.get_for_user(qs, user, pk, action)
