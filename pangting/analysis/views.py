"""The R-S8 section of the session page: each item's class and the words that decided it.

Registered as a page section of "study_session" (`core.registry.register_page_section`), so the
study app shows it without importing this later app. The session page has already fetched the
session in the user's scope; the section reads only that session's agenda.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from pangting.core import parameters

from . import services


def session_section(request: HttpRequest, session: Any = None) -> str:
    """The classification of a center-group session's agenda, with its explanation."""
    if session is None or not session.is_center_group:
        return ""
    params = parameters.values(services.RULE_ID)
    judgement = services.judge(session, params)
    return render_to_string(
        "analysis/_session_section.html",
        {
            "judgement": judgement,
            "verdict": services.verdict(judgement),
            "lines": services.explain(session, judgement),
            "share": services.percent_text(judgement.share),
            "invalid_terms": services.invalid_terms(params),
        },
        request=request,
    )
