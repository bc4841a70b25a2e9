"""Dashboards for the supervisor and the leadership, and the page of one unit.

The dashboard shows, for the units the user reaches with reports.view, every figure the
issue asks for (see `metrics`); the unit page shows the same figures for one unit plus every
registered rule with its red/amber/green colour and the findings and records behind it.

Charts are built in `charts` and drawn by ECharts in `static/reports/dashboard.js` from a
`json_script` block (the CSP allows no inline script). Each chart also has
a table of its numbers inside a `<details>`, so the page reads without JavaScript.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy

from pangting.accounts import policy
from pangting.compliance import services as compliance_services
from pangting.compliance.models import ComplianceRun, Finding
from pangting.compliance.registry import ordered_rules
from pangting.compliance.services import GREEN, rule_status
from pangting.core import clock
from pangting.core.i18n import render_message
from pangting.core.paging import paginate
from pangting.core.views import parse_year
from pangting.orgs.models import PATH_STEP, Organization
from pangting.orgs.units import units as unit_set
from pangting.workdays.services import UnknownCalendarYear

from .. import charts
from ..evidence import resolve

A = policy.Action
MIN_YEAR, MAX_YEAR = 2000, 2100
RAG_LABELS = {"red": gettext_lazy("红"), "amber": gettext_lazy("黄"), GREEN: gettext_lazy("绿")}


def _year(request: HttpRequest) -> tuple[int, str]:
    """The requested year, or this year and a message saying why the request's one was refused."""
    raw = request.GET.get("year", "").strip()
    today = clock.today().year
    if not raw:
        return today, ""
    year = parse_year(raw)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        return today, gettext("年度“{raw}”无效，请填写{low}—{high}之间的四位年份；已显示{year}年。").format(
            raw=raw[:20], low=MIN_YEAR, high=MAX_YEAR, year=today
        )
    return year, ""


def _semester(request: HttpRequest) -> int | None:
    raw = request.GET.get("semester", "")
    return int(raw) if raw in ("1", "2") else None


# --- chart options ---------------------------------------------------------------------


# --- pages -----------------------------------------------------------------------------


def _units(user: Any, under: Organization | None = None) -> list[Organization]:
    """The units (`orgs.units`) the user reaches for reports, within `under`'s subtree if given."""
    reached = Organization.objects.for_user(user, A.REPORTS_VIEW)
    if under is not None:
        reached = reached.filter(path__startswith=under.path)
    return list(unit_set(reached))


def _under(request: HttpRequest) -> tuple[Organization | None, str]:
    """The organization `?under=` narrows the dashboard to, or None and why the request's one was refused.

    It must be an organization the user reaches for reports (the policy's scope); anything else
    shows every unit with a message, never an error.
    """
    raw = request.GET.get("under", "").strip()
    if not raw:
        return None, ""
    found = None
    if raw.isdigit() and len(raw) <= 12:
        found = Organization.objects.for_user(request.user, A.REPORTS_VIEW).filter(pk=int(raw)).first()
    if found is None:
        return None, gettext("所选组织“{raw}”不存在或不在您的统计范围内；已显示全部单位。").format(raw=raw[:20])
    return found, ""


def _dashboard_url(year: int, semester: int | None, under: Organization | None = None) -> str:
    query = {"year": year, **({"semester": semester} if semester else {}), **({"under": under.pk} if under else {})}
    return f"{reverse('reports:dashboard')}?{urlencode(query)}"


def _breadcrumb(user: Any, under: Organization, year: int, semester: int | None) -> list[tuple[str, str]]:
    """(name, address) from every unit down to `under`: its ancestors the user reaches, each a narrowed dashboard."""
    ancestor_ids = [int(under.path[i : i + PATH_STEP]) for i in range(0, len(under.path) - PATH_STEP, PATH_STEP)]
    ancestors = Organization.objects.for_user(user, A.REPORTS_VIEW).filter(pk__in=ancestor_ids).order_by("path")
    return [
        (gettext("全部单位"), _dashboard_url(year, semester)),
        *[(org.display_name, _dashboard_url(year, semester, org)) for org in ancestors],
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, A.REPORTS_VIEW)
    year, year_error = _year(request)
    semester = _semester(request)
    under, under_error = _under(request)
    units = _units(user, under)
    # Issue 15: past `groups.LIMIT` units each per-unit chart shows groups, each narrowing this page.
    chart_list = charts.build_charts(
        units, year, semester=semester, link=lambda org: _dashboard_url(year, semester, org)
    )
    rule_count = len(ordered_rules())
    compliance_reach = policy.reach(user, A.COMPLIANCE_VIEW)
    unit_rows = []
    # Issue 15: the units' rule table is paged (`?unit_page=`); the charts above it cover every unit.
    unit_page, unit_query = paginate(request, units, param="unit_page")
    shown = list(unit_page.object_list)
    # The colours of the page's units only: counting every unit's open findings read the whole
    # table (62,483 findings at 400 units: 65 ms; a province has 1.5 million).
    findings = Finding.objects.for_user(user).open().filter(year=year, unit__in=[unit.pk for unit in shown])
    colour_counts = compliance_services.rule_colour_counts(findings)
    for unit in shown:
        red, amber = colour_counts.get(unit.pk, (0, 0))
        unit_rows.append(
            {
                "unit": unit,
                "red": red,
                "amber": amber,
                "green": max(0, rule_count - red - amber),
                "linked": compliance_reach.contains(unit),
            }
        )
    return render(
        request,
        "reports/dashboard.html",
        {
            "year": year,
            "year_error": year_error,
            "under": under,
            "under_error": under_error,
            "breadcrumb": _breadcrumb(user, under, year, semester) if under else [],
            "semester": semester,
            "charts": chart_list,
            "chart_options": charts.chart_options(chart_list),
            "unit_rows": unit_rows,
            "unit_page": unit_page,
            "unit_query": unit_query,
            "rule_count": rule_count,
            "last_run": ComplianceRun.objects.filter(year=year).order_by("-started_at").first(),
        },
    )


def _last_run(unit: Organization, year: int) -> ComplianceRun | None:
    """The latest run of the year that covered this unit: over all units, or over a subtree holding it."""
    ancestor_ids = [int(unit.path[i : i + PATH_STEP]) for i in range(0, len(unit.path), PATH_STEP)]
    return (
        ComplianceRun.objects.filter(year=year)
        .filter(Q(unit__isnull=True) | Q(unit_id__in=ancestor_ids))
        .order_by("-started_at")
        .first()
    )


def _refresh_if_stale(unit: Organization, year: int, user: Any) -> str:
    """Re-check the unit when its records changed since the run that covered it, so each colour is current.

    Only a year that has begun is checked; a refusal (an unknown calendar year) is shown, not raised.
    """
    if year > clock.today().year or not compliance_services.is_stale(unit, year):
        return ""
    try:
        compliance_services.refresh_unit(unit, year, actor=user)
    except (UnknownCalendarYear, ValidationError) as refusal:
        shown = render_message(refusal.message) if isinstance(refusal, UnknownCalendarYear) else refusal
        return gettext("未能重新检查：{refusal}").format(refusal=shown)
    return ""


def rule_table(unit: Organization, findings: list[Finding]) -> list[dict[str, Any]]:
    """Every registered rule with its colour for the unit and the findings behind it (R-… order).

    Findings of a rule no longer registered are still shown, under their rule ID.
    """
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule_id].append(finding)
    links = resolve(f.evidence if isinstance(f.evidence, list) else [] for f in findings)
    evidence = {f.pk: group for f, group in zip(findings, links, strict=True)}
    colours = rule_status(findings).get(unit.pk, {})
    rules = [(r.id, r.title) for r in ordered_rules()]
    known = {rule_id for rule_id, _ in rules}
    rules += [(rule_id, rule_id) for rule_id in sorted(by_rule) if rule_id not in known]
    table = []
    for rule_id, title in rules:
        colour = colours.get(rule_id, GREEN)
        table.append(
            {
                "id": rule_id,
                "title": title,
                "colour": colour,
                "colour_label": RAG_LABELS[colour],
                "findings": [{"finding": f, "evidence": evidence[f.pk]} for f in by_rule.get(rule_id, [])],
            }
        )
    return table


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = policy.get_for_user(unit_set(), user, pk, A.COMPLIANCE_VIEW)
    year, year_error = _year(request)
    semester = _semester(request)
    refresh_error = _refresh_if_stale(unit, year, user)
    findings = list(
        Finding.objects.for_user(user)
        .open()
        .filter(unit=unit, year=year)
        .order_by("rule_id", "-severity", "period", "key")  # descending: "red" before "amber"
    )
    table = rule_table(unit, findings)
    chart_list = charts.build_charts([unit], year, semester=semester)
    return render(
        request,
        "reports/unit.html",
        {
            "unit": unit,
            "year": year,
            "year_error": year_error,
            "refresh_error": refresh_error,
            "semester": semester,
            "charts": chart_list,
            "chart_options": charts.chart_options(chart_list),
            "rules": table,
            "counts": {c: sum(1 for r in table if r["colour"] == c) for c in ("red", "amber", GREEN)},
            "last_run": _last_run(unit, year),
            "can_see_dashboard": policy.can(user, A.REPORTS_VIEW),
        },
    )
