"""书记审定 (R-S15) on the plan and session pages: the leader approves, the secretary records a
paper approval with its date and scan, either may withdraw it; the scan is read by whoever may
see the record. Each form posts one step of the approval workflows (`study/workflows.py`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pangting.accounts import policy

from .. import services
from ..forms import PaperApprovalForm
from ..models import StudyPlan, StudySession
from ..workflows import APPROVAL_STEPS
from ._common import _error_text, _form_errors

# The record kind in the URL → its model and its page.
RECORDS: dict[str, tuple[Any, str]] = {
    "plan": (StudyPlan, "study:plan_detail"),
    "session": (StudySession, "study:session_detail"),
}
DONE = {
    "approve": gettext_lazy("已审定。"),
    "record_paper_approval": gettext_lazy("纸质审定已登记。"),
    "void_approval": gettext_lazy("审定已撤销，须重新审定。"),
}


def _record(request: HttpRequest, kind: str, pk: int) -> tuple[Any, str]:
    if kind not in RECORDS:
        raise Http404
    model, page = RECORDS[kind]
    return policy.get_for_user(model, request.user, pk), page


@login_required
@require_POST
def approval_step(request: HttpRequest, pk: int, step: str, kind: str) -> HttpResponse:
    """One approval step; a user who may not take it gets 404 (the transition mechanism)."""
    record, page = _record(request, kind, pk)
    if step not in APPROVAL_STEPS:
        raise Http404
    raw_version = request.POST.get("version", "")
    version = int(raw_version) if raw_version.isdigit() else None
    try:
        if step == "approve":
            services.approve(record, actor=request.user, note=request.POST.get("note", ""), expected_version=version)
        elif step == "record_paper_approval":
            form = PaperApprovalForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(_form_errors(form))
            services.record_paper_approval(
                record,
                actor=request.user,
                approved_on=form.cleaned_data["paper_approved_on"],
                scan=form.cleaned_data["approval_scan"],
                note=form.cleaned_data["note"],
                expected_version=version,
            )
        else:
            services.void_approval(
                record, actor=request.user, reason=request.POST.get("reason", ""), expected_version=version
            )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, str(DONE[step]))
    return redirect(page, pk=record.pk)


@login_required
def approval_scan(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """The scan of a paper approval (R-S15), for whoever may see the record."""
    record, _page = _record(request, kind, pk)
    if not record.approval_scan:
        raise Http404(_("没有审定件扫描件。"))
    name = record.approval_scan.name.rsplit("/", 1)[-1]
    return FileResponse(record.approval_scan.open("rb"), as_attachment=True, filename=name)
