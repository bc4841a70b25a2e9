"""Analysis pages: the R-S8 section of the session page, near-duplicate pairs, theme hints.

The R-S8 section of the session page: each item's class and the words that decided it.

Registered as a page section of "study_session" (`core.registry.register_page_section`), so the
study app shows it without importing this later app. The session page has already fetched the
session in the user's scope; the section reads only that session's agenda.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock, parameters, transitions
from pangting.core.views import confirm_first, flash_errors, parse_year, seen_version

from . import duplicates, services, sources, themes
from .models import TextPair


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


# --- near-duplicate texts (issue 13 item 1) ----------------------------------------------------

STATE_FILTERS = {state.value: state for state in TextPair.State}


@login_required
def pair_list(request: HttpRequest) -> HttpResponse:
    """The supervisor's list of near-duplicate pairs in his supervision, open ones first."""
    policy.require(request.user, policy.Action.STUDY_SUPERVISE)
    pairs = duplicates.pairs_for_user(request.user)
    state = request.GET.get("state", "")
    if state in STATE_FILTERS:
        pairs = pairs.filter(state=STATE_FILTERS[state])
    page = Paginator(pairs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "analysis/pair_list.html",
        {
            "page_obj": page,
            "pairs": [(pair, sources.label_of(pair.first.kind), sources.label_of(pair.second.kind)) for pair in page],
            "state": state if state in STATE_FILTERS else "",
            "states": TextPair.State.choices,
            "query_string": f"state={state}" if state in STATE_FILTERS else "",
        },
    )


@login_required
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Both texts side by side, the shared passages highlighted, who submitted each when."""
    pair = duplicates.get_pair_for_user(request.user, pk)
    left, right = duplicates.sides(pair)
    return render(
        request,
        "analysis/pair_detail.html",
        {
            "pair": pair,
            "sides": (left, right),
            "steps": transitions.available_step_names(pair, request.user),
            "log": transitions.log_entries(pair),
        },
    )


@login_required
@require_POST
def pair_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Confirm or dismiss (the workflow checks the permission before anything else)."""
    pair = duplicates.get_pair_for_user(request.user, pk)
    if step not in duplicates.STEPS:
        raise Http404
    if page := confirm_first(request, transitions.confirmation(pair, step)):
        return page
    try:
        reason = request.POST.get("reason", "")
        duplicates.decide_pair(pair, step, actor=request.user, expected_version=seen_version(request), reason=reason)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已认定为雷同。") if step == "confirm" else _("已排除，不再提示。"))
    return redirect("analysis:pair_detail", pk=pair.pk)


def unit_section(request: HttpRequest, unit: Any = None) -> str:
    """The unit page's list of near-duplicate pairs with a text of this unit (supervisors only)."""
    if unit is None or not policy.can(request.user, policy.Action.STUDY_SUPERVISE, unit):
        return ""
    pairs = list(duplicates.pairs_of_unit(request.user, unit).exclude(state=TextPair.State.DISMISSED)[:20])
    return render_to_string(
        "analysis/_unit_pairs.html",
        {"pairs": [(p, sources.label_of(p.first.kind), sources.label_of(p.second.kind)) for p in pairs], "unit": unit},
        request=request,
    )


# --- theme adherence (issue 13 item 3) -----------------------------------------------------------


@login_required
def theme_hints(request: HttpRequest) -> HttpResponse:
    """The speeches least similar to their session's or plan's theme: hints, never findings (R-S6)."""
    policy.require(request.user, policy.Action.STUDY_SUPERVISE)
    raw = request.GET.get("year", "").strip()
    year = parse_year(raw) if raw else clock.today().year
    year_error = ""
    if year is None or not 2000 <= year <= 2100:
        year_error = _("年度“{raw}”无效，已显示{year}年。").format(raw=raw[:20], year=clock.today().year)
        year = clock.today().year
    hints = themes.theme_hints(request.user, year)
    return render(request, "analysis/theme_hints.html", {"hints": hints, "year": year, "year_error": year_error})
