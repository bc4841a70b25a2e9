"""The score sheet (R-O14), its Excel export, the year's formula, and 述学 reports. Views stay thin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.compliance.registry import ordered_rules
from pangting.core import clock
from pangting.core.paging import page_context
from pangting.core.views import add_form_errors, attachment, chinese_file, parse_year
from pangting.lib.xlsx import write_workbook
from pangting.orgs.models import Organization
from pangting.orgs.units import SUPERVISING, UNIT, units

from . import exports, services
from .forms import ReportFilterForm, SchemeForm, StudyReportForm
from .models import StudyReport, StudyReportRating

A = policy.Action
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int:
    return parse_year(request.GET.get("year")) or clock.today().year


def _sheet_units(user: Any) -> QuerySet[Organization]:
    """The units of the user's reports subtree whose center groups are assessed."""
    return units(Organization.objects.for_user(user, A.REPORTS_VIEW))


def _sheet(request: HttpRequest) -> services.ScoreSheet:
    policy.require(request.user, A.REPORTS_VIEW)
    year = _year(request)
    return services.compute_sheet(year, _sheet_units(request.user), scheme=services.scheme_for(request.user, year))


@login_required
def sheet(request: HttpRequest) -> HttpResponse:
    """Per unit: observation score, visits, open findings by group, 述学, the score and the rank (R-O14).

    Ranked over every unit, shown a page at a time (a province has thousands; the export has all).
    """
    result = _sheet(request)
    rows = sorted(result.rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit.path))
    return render(
        request,
        "assessment/sheet.html",
        {
            "sheet": result,
            "rows": rows,
            **page_context(request, rows),
            "year": result.year,
            "years": range(clock.today().year + 1, clock.today().year - 5, -1),
            "can_manage": policy.can(request.user, A.REPORTS_MANAGE),
        },
    )


@login_required
@chinese_file
def sheet_export(request: HttpRequest) -> HttpResponse:
    result = _sheet(request)
    data = write_workbook(exports.sheets(result))
    # i18n: not interface (the name of a Chinese document file)
    return attachment(data, f"{result.year}年度意识形态工作责任制考核评分表.xlsx", XLSX)


@login_required
def scheme(request: HttpRequest) -> HttpResponse:
    """Show and save the year's formula (reports.manage); an unknown rule is refused (R-O14)."""
    user = request.user
    organization = services.supervising_org(user)
    if organization is None:
        raise Http404
    year = parse_year(request.POST.get("year") or request.GET.get("year")) or clock.today().year
    current = services.scheme_for(user, year)
    if current is not None and current.organization_id != organization.pk:
        current = None
    initial = (
        {"formula": current.formula, "description": current.description, "max_score": current.max_score}
        if current
        else {"formula": services.DEFAULT_FORMULA, "description": services.DEFAULT_DESCRIPTION, "max_score": 100}
    )
    form = SchemeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_scheme(
                organization=organization,
                year=year,
                formula=data["formula"],
                description=data["description"],
                max_score=data["max_score"],
                confirm=data["confirm"],
                actor=user,
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("{year}年度考核方案已保存。").format(year=year))
            return redirect(f"{request.path}?year={year}")
    return render(
        request,
        "assessment/scheme.html",
        {
            "form": form,
            "year": year,
            "scheme": current,
            "organization": organization,
            "variables": services.VARIABLES.items(),
            "functions": services.FUNCTIONS.items(),
            "rules": ordered_rules(),
        },
    )


# -- 述学 reports -------------------------------------------------------------------------------


def _report_for(user: Any, pk: int, *, write: bool = False) -> StudyReport:
    report = policy.get_for_user(StudyReport.objects.select_related("person", "organization", "rated_by"), user, pk)
    if write and not services.can_record_report(user, report.organization):
        raise Http404
    return report


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """述学 reports of the units the user sees study of, by year, unit, rating and name."""
    user = request.user
    policy.require(user, A.STUDY_VIEW)
    year = parse_year(request.GET.get("year"))
    rating = request.GET.get("rating", "")
    query = request.GET.get("q", "").strip()[:50]
    reports = StudyReport.objects.for_user(user).select_related("person", "organization")
    if year:
        reports = reports.filter(year=year)
    units = Organization.objects.for_user(user, A.STUDY_VIEW).filter(UNIT | SUPERVISING)
    form = ReportFilterForm(request.GET, units=units)
    if form.is_valid() and form.cleaned_data["unit"] is not None:
        reports = reports.filter(organization=form.cleaned_data["unit"])
    if rating == "none":
        reports = reports.filter(rating="")
    elif rating in StudyReport.Rating.values:
        reports = reports.filter(rating=rating)
    if query:
        reports = reports.filter(Q(person__name__icontains=query) | Q(title__icontains=query))
    page = Paginator(reports.order_by("-year", "organization__path", "person__name", "pk"), 30).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "assessment/report_list.html",
        {
            "page_obj": page,
            "year": year,
            "form": form,
            "rating": rating,
            "q": query,
            "ratings": StudyReport.Rating.choices,
            "years": range(clock.today().year, clock.today().year - 6, -1),
            "query_string": params.urlencode(),
            "can_create": bool(services.report_units(user)),
        },
    )


def _report_form(request: HttpRequest, report: StudyReport | None) -> HttpResponse:
    user = request.user
    units = services.report_units(user)
    if not units:
        raise Http404
    can_rate = any(services.can_rate_report(user, u) for u in units)

    if report:
        initial: dict[str, Any] = {
            f: getattr(report, f)
            for f in ("organization", "person", "year", "title", "delivered_on", "summary", "rating", "rating_note")
        }
    else:
        initial = {"year": clock.today().year, "organization": units[0] if len(units) == 1 else None}
    form = StudyReportForm(
        request.POST or None,
        request.FILES or None,
        units=policy.study_report_units(user),
        people=policy.study_report_people(user),
        can_rate=can_rate,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.record_study_report(
                actor=user,
                report=report,
                person=data["person"],
                organization=data["organization"],
                year=data["year"],
                title=data["title"],
                delivered_on=data["delivered_on"],
                summary=data["summary"],
                upload=data.get("file") or None,
                rating=data.get("rating") if can_rate else None,
                rating_note=data.get("rating_note") or "",
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("述学报告已保存。"))
            return redirect("assessment:report_detail", pk=saved.pk)
    return render(request, "assessment/report_form.html", {"form": form, "report": report})


@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    return _report_form(request, None)


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_form(request, _report_for(request.user, pk, write=True))


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request.user, pk)
    mine = StudyReportRating.objects.filter(report=report, rater=request.user).first()
    return render(
        request,
        "assessment/report_detail.html",
        {
            "report": report,
            "can_edit": services.can_record_report(request.user, report.organization),
            # R-O22: 民主评议 by several raters, tallied
            "tally": services.tally(report),
            "can_rate": services.can_rate_democratically(request.user, report),
            "my_rating": mine.rating if mine else "",
            "ratings": StudyReport.Rating.choices,
        },
    )


@login_required
@require_POST
def report_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """One rater's 民主评议 of the report (R-O22)."""
    report = _report_for(request.user, pk)
    try:
        services.rate_study_report(
            report, actor=request.user, rating=request.POST.get("rating", ""), note=request.POST.get("note", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("评议已保存。"))
    return redirect("assessment:report_detail", pk=report.pk)


@login_required
def report_file(request: HttpRequest, pk: int) -> FileResponse:
    report = _report_for(request.user, pk)
    if not report.file:
        raise Http404
    # i18n: not interface (the name of a Chinese document file)
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.original_name or "述学材料")


@login_required
@require_POST
def report_delete(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request.user, pk, write=True)
    services.delete_study_report(report, actor=request.user)
    messages.success(request, _("“{report}”已删除（可由管理员恢复）。").format(report=report.title))
    return redirect("assessment:report_list")
