"""Private helpers the study views share: form errors and the scoped session lookup."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core.views import add_form_errors

from ..models import StudySession

A = policy.Action


_add_errors = add_form_errors  # the name the study views use


def _error_text(error: ValidationError) -> str:
    return _("；").join(error.messages)


def _form_errors(form: Any) -> str:
    return _("；").join(str(e) for errors in form.errors.values() for e in errors)


def _session_for(user: Any, pk: int, action: A = A.STUDY_VIEW) -> StudySession:
    qs = StudySession.objects.select_related(
        "organization", "group", "host", "led_by", "plan_theme__plan", "approved_by"
    )
    return policy.get_for_user(qs, user, pk, action)
