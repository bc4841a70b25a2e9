"""Start-up checks of the single sign-on settings: a typo stops `manage.py check`, not a sign-in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .matching import MATCH_FIELDS

FIELD_SETTINGS = ("PANGTING_SSO_MATCH_FIELD", "PANGTING_WECOM_MATCH_FIELD", "PANGTING_DINGTALK_MATCH_FIELD")


@checks.register(checks.Tags.security)
def check_match_fields(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for name in FIELD_SETTINGS:
        value = getattr(settings, name, "")
        if value not in MATCH_FIELDS:
            errors.append(
                checks.Error(
                    f"{name} is {value!r}, not a field accounts can be matched by.",
                    hint=f"Use one of: {', '.join(MATCH_FIELDS)}.",
                    id="pangting.ESSO1",
                )
            )
    if settings.CAS_SERVER_URL and str(settings.CAS_VERSION) not in ("2", "3"):
        errors.append(checks.Error("PANGTING_CAS_VERSION must be 2 or 3.", id="pangting.ESSO2"))
    return errors
