"""Excel import and export of the directory: thin views over `orgs.transfer`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.validators import FileExtensionValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pangting.accounts import policy
from pangting.core import clock, inputs

from . import transfer

A = policy.Action


class ImportForm(inputs.CheckedForm):
    file = forms.FileField(
        label=_("Excel 文件"),
        validators=[
            inputs.safe_file_name,
            FileExtensionValidator(["xlsx"], message=_("只能上传 .xlsx 格式的 Excel 文件。")),
        ],
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_mb = settings.PANGTING_MAX_UPLOAD_MB
        self.fields["file"].help_text = _("仅限 .xlsx 格式，不超过 %(mb)s MB。") % {"mb": self.max_mb}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_mb * 1024 * 1024:
            raise forms.ValidationError(gettext("文件不能超过 %(mb)s MB。") % {"mb": self.max_mb})
        return upload


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=transfer.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@login_required
def directory_import(request: HttpRequest) -> HttpResponse:
    """Upload a workbook; show either what was imported or every problem found (nothing saved)."""
    policy.require(request.user, A.DIRECTORY_IMPORT)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = transfer.import_workbook(form.cleaned_data["file"].read(), actor=request.user, request=request)
        if result.ok:
            return render(request, "orgs/import_result.html", {"result": result})
        return render(request, "orgs/import.html", {"form": ImportForm(), "result": result})
    return render(request, "orgs/import.html", {"form": form, "result": None})


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.DIRECTORY_IMPORT)
    # i18n: not interface (the name of a Chinese document file)
    return _xlsx_response(transfer.template_workbook(), "组织人员导入模板.xlsx")


@login_required
def directory_export(request: HttpRequest) -> HttpResponse:
    """The directory the user may see; phones masked outside their PERSON_PHONE reach."""
    policy.require(request.user, A.DIRECTORY_VIEW)
    data = transfer.export_workbook(request.user, request=request)
    # i18n: not interface (the name of a Chinese document file)
    return _xlsx_response(data, f"组织人员名录-{clock.today():%Y%m%d}.xlsx")
