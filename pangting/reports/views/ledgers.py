"""Ledger pages (台账): choose the unit and period, download each kind as Excel.

The export is written into a spooled temporary file (memory up to `SPOOL_LIMIT`, then disk)
by the streaming writer (`pangting.lib.xlsx`) and streamed from there: the zip is written only
when the workbook is complete, so streaming rows straight to the client is not possible, and
the file on disk keeps memory flat whatever the row count (bench/ledgers has the figures).
"""

from __future__ import annotations

import tempfile
from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pangting.core import clock, inputs, widgets
from pangting.core.audit import describe_download
from pangting.core.semesters import semester_label
from pangting.observation.models import Semester

from .. import ledger_jobs
from ..ledgers import (
    ALL,
    ALL_TITLE,
    LEDGERS,
    XLSX_CONTENT_TYPE,
    YEAR_MAX,
    YEAR_MIN,
    LedgerQuery,
    Period,
    Scope,
    write_ledgers,
)
from ..ledgers import file_name as ledger_file_name

SPOOL_LIMIT = 4 * 1024 * 1024
MONTHS = [("", "—")] + [(str(m), format_lazy(_("{month}月"), month=m)) for m in range(1, 13)]
FILTER_FIELDS = ("year", "unit", "semester", "month_from", "month_to")


class LedgerForm(inputs.CheckedForm):
    """The export's parameters; every wrong value gets a Chinese message, never a 500."""

    kind = forms.ChoiceField(
        label=_("台账"),
        required=False,
        error_messages={"invalid_choice": _("没有这种台账，或您无权查看这种台账。")},
    )
    year = forms.IntegerField(
        label=_("年度"),
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages={
            "required": _("请填写年度。"),
            "invalid": _("年度应为四位数字，如 2026。"),
            "min_value": _("年度应在2000年到2100年之间。"),
            "max_value": _("年度应在2000年到2100年之间。"),
        },
    )
    # Issue 15: searched (htmx), not a <select> of every unit; empty means the whole reach.
    unit = widgets.OrganizationSearchField(
        label=_("单位"),
        scope="study.view,observation.view",
        required=False,
        error_messages={"outside": _("所选单位不存在，或不在您的查看范围内。")},
    )
    semester = forms.TypedChoiceField(
        label=_("学期"),
        choices=[("", _("全年")), *((str(v), label) for v, label in Semester.choices)],
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("学期应为春季学期或秋季学期。")},
    )
    month_from = forms.TypedChoiceField(
        label=_("起始月份"),
        choices=MONTHS,
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("月份应为1到12。")},
    )
    month_to = forms.TypedChoiceField(
        label=_("截止月份"),
        choices=MONTHS,
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("月份应为1到12。")},
    )

    def __init__(self, *args: Any, scope: Scope, kind_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ledgers = scope.ledgers()
        kinds = [(ledger.key, _(ledger.title)) for ledger in self.ledgers]
        self.fields["kind"].choices = [("", "—"), *kinds, (ALL, _("全部台账（每种一个工作表）"))]
        self.fields["kind"].required = kind_required
        self.fields["kind"].error_messages["required"] = _("请选择要导出的台账。")
        self.fields["unit"].queryset = scope.units()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("month_from"), data.get("month_to")
        if first is not None or last is not None:
            first = first if first is not None else last
            last = last if last is not None else first
            if first > last:  # type: ignore[operator]
                self.add_error("month_to", _("截止月份不能早于起始月份。"))
            elif data.get("semester"):
                self.add_error("semester", _("学期和月份范围只能选择一种。"))
            data["months"] = (first, last)
        return data

    def query(self) -> LedgerQuery:
        data = self.cleaned_data
        period = Period(data["year"], data.get("semester"), data.get("months"))
        return LedgerQuery(period=period, unit=data.get("unit"))

    def chosen(self) -> list[Any]:
        kind = self.cleaned_data.get("kind")
        return list(self.ledgers) if kind == ALL else [LEDGERS[kind]]


def _scope(request: HttpRequest) -> Scope:
    """The user's scope; 404 for those who reach no ledger at all (members, administrators)."""
    scope = Scope(request.user)
    if not scope.ledgers():
        raise Http404
    return scope


def _page(request: HttpRequest, form: LedgerForm) -> HttpResponse:
    """The ledger page: the filter and a download link per kind for the filter's values."""
    if form.is_bound and form.is_valid():
        query = form.query()
        params = {name: form.data.get(name, "") for name in FILTER_FIELDS if form.data.get(name, "") not in ("", None)}
        if query.unit is not None:  # chosen by id or typed (matched on the server): the links carry the id
            params["unit"] = str(query.unit.pk)
    else:
        year = form.cleaned_data.get("year") if form.is_bound else None
        query = LedgerQuery(Period(year or clock.today().year))
        params = {"year": str(query.period.year)}
    links = [{"ledger": ledger, "query": urlencode({"kind": ledger.key, **params})} for ledger in form.ledgers]
    return render(
        request,
        "reports/ledgers.html",
        {
            "form": form,
            "links": links,
            "all_query": urlencode({"kind": ALL, **params}),
            "all_title": ALL_TITLE,
            "period_label": _page_period_label(query.period),
            "unit": query.unit,
        },
    )


def _page_period_label(period: Any) -> str:
    """The period as `period.label` says it (in Chinese, for the files), in the page's language."""
    if period.semester:
        return semester_label(period.year, period.semester)
    if period.months:
        first, last = period.months
        if first == last:
            return gettext("{year}年{month}月").format(year=period.year, month=first)
        return gettext("{year}年{first}—{last}月").format(year=period.year, first=first, last=last)
    return gettext("{year}年").format(year=period.year)


@login_required
def ledger_index(request: HttpRequest) -> HttpResponse:
    """Choose unit and period; one download per kind the user reaches (R-S14, R-O1)."""
    scope = _scope(request)
    bound = any(name in request.GET for name in FILTER_FIELDS)
    if bound:
        form = LedgerForm(request.GET, scope=scope)
    else:
        form = LedgerForm(scope=scope, initial={"year": clock.today().year})
    return _page(request, form)


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The chosen ledger(s) as one .xlsx, streamed from a temporary file; bad parameters show the page."""
    scope = _scope(request)
    form = LedgerForm(request.GET, scope=scope, kind_required=True)
    if not form.is_valid():
        return _page(request, form)
    ledgers, query = form.chosen(), form.query()
    if ledger_jobs.is_large(ledgers, scope, query):
        # Past PANGTING_LEDGER_JOB_ROWS the worker writes it (ledger_jobs); asked by a POST.
        fields = ("kind", *FILTER_FIELDS)
        hidden = {name: request.GET[name] for name in fields if request.GET.get(name, "") != ""}
        if query.unit is not None:
            hidden["unit"] = str(query.unit.pk)
        return render(
            request,
            "reports/ledger_large.html",
            {"hidden": hidden, "name": ledger_file_name(ledgers, query), "limit": settings.PANGTING_LEDGER_JOB_ROWS},
        )
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT)  # noqa: SIM115 (closed by the response)
    try:
        with translation.override(settings.LANGUAGE_CODE):  # the ledgers are Chinese files
            write_ledgers(ledgers, scope, query, spool)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    name = ledger_file_name(ledgers, query)
    # Bulk records leaving the system (names, leave reasons): audited (等保 level 3) by the audit
    # middleware, off the read path; this names what left.
    describe_download(
        request, name, kinds=[ledger.key for ledger in ledgers], unit=query.unit.pk if query.unit else None
    )
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def ledger_export_job(request: HttpRequest) -> HttpResponse:
    """Queue a large export for the background worker; its page shows progress and the download."""
    scope = _scope(request)
    form = LedgerForm(request.POST, scope=scope, kind_required=True)
    if not form.is_valid():
        return _page(request, form)
    job = ledger_jobs.start_export(form.chosen(), form.query(), actor=request.user)
    return redirect("job_detail", pk=job.pk)
