from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pangting.accounts import policy

from . import services
from .forms import DeadlineForm, YearForm
from .models import CalendarDay, CalendarYear


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """Known years, the next-year reminder, and a deadline calculator everyone may use."""
    form = DeadlineForm(request.GET or None)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        result = services.try_compute_deadline(data["start"], data["amount"], data["unit"])
    return render(
        request,
        "workdays/calendar.html",
        {
            "years": CalendarYear.objects.all(),
            "form": form,
            "result": result,
            "refused": isinstance(result, services.UnknownCalendarYear),
            "missing_year": services.missing_next_year(),
            "can_change": policy.can(request.user, policy.Action.CALENDAR_CHANGE),
        },
    )


@login_required
def year_form(request: HttpRequest, year: int) -> HttpResponse:
    """Enter or correct one year (system administrator)."""
    policy.require(request.user, policy.Action.CALENDAR_CHANGE)
    if not 2000 <= year <= 2100:
        raise Http404
    existing = CalendarYear.objects.filter(year=year).first()
    if request.method == "POST":
        form = YearForm(request.POST)
        if form.is_valid():
            try:
                entered = services.enter_year(
                    year,
                    holidays=form.cleaned_data["holidays"],
                    makeup_workdays=form.cleaned_data["makeup_workdays"],
                    notice=form.cleaned_data["notice"],
                    actor=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("{year}年日历已保存，重新计算了{count}项此前因缺少该年度日历而无法计算的期限。").format(
                        year=year, count=entered.recomputed_total
                    ),
                )
                return redirect("workdays:calendar")
    else:
        initial = {}
        if existing:
            days = CalendarDay.objects.filter(year=existing)
            initial = {
                "notice": existing.notice,
                "holidays": "\n".join(f"{d.date} {d.name}".strip() for d in days if d.kind == CalendarDay.Kind.HOLIDAY),
                "makeup_workdays": "\n".join(
                    f"{d.date} {d.name}".strip() for d in days if d.kind == CalendarDay.Kind.MAKEUP_WORKDAY
                ),
            }
        form = YearForm(initial=initial)
    return render(request, "workdays/year_form.html", {"form": form, "year": year, "existing": existing})
