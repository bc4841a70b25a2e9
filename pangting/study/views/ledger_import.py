"""Import of a year's historical sessions and attendance from the ledger layout: thin views."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from pangting.accounts import policy
from pangting.core.views import chinese_file
from pangting.orgs.transfer.spec import XLSX_CONTENT_TYPE
from pangting.orgs.transfer_views import ImportForm

from .. import ledger_import
from ._common import A


@login_required
def session_import(request: HttpRequest) -> HttpResponse:
    """Upload the workbook; either everything is imported or every problem is listed (nothing saved)."""
    policy.require(request.user, A.STUDY_CHANGE)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = ledger_import.import_ledgers(form.cleaned_data["file"].read(), actor=request.user)
        if result.ok:
            form = ImportForm()
    return render(request, "study/session_import.html", {"form": form, "result": result})


@login_required
@chinese_file
def session_import_template(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.STUDY_CHANGE)
    response = HttpResponse(ledger_import.template_workbook(), content_type=XLSX_CONTENT_TYPE)
    # i18n: not interface (the name of a Chinese document file)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="学习会及考勤导入模板.xlsx"
    )
    return response
