"""Attachments and documents: upload, download, delete, speech files, the generated Word
documents and the member's calendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core.views import chinese_file

from .. import documents, ics, services
from ..forms import AttachmentForm
from ..models import Attachment, Speech
from ._common import A, _error_text, _form_errors, _session_for


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Minutes and materials (R-S14); size and type checked; no classified material."""
    session = _session_for(request.user, pk, A.STUDY_CHANGE)
    form = AttachmentForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        services.add_attachment(session, form.cleaned_data["file"], actor=request.user, kind=form.cleaned_data["kind"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("附件已上传。"))
    return redirect("study:session_detail", pk=session.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = policy.get_for_user(Attachment, request.user, pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = policy.get_for_user(Attachment, request.user, pk, A.STUDY_CHANGE)
    services.delete_attachment(attachment, actor=request.user)
    messages.success(
        request, _("附件“{original_name}”已删除（可由管理员恢复）。").format(original_name=attachment.original_name)
    )
    return redirect("study:session_detail", pk=attachment.session_id)


@login_required
def speech_file(request: HttpRequest, pk: int) -> FileResponse:
    speech = policy.get_for_user(Speech, request.user, pk)
    if not speech.file:
        raise Http404
    return FileResponse(speech.file.open("rb"), as_attachment=True, filename=speech.file.name.rsplit("/", 1)[-1])


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
@chinese_file
def session_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """学习会方案 (seed 000) or 学习安排报送表 (seed 001) as a Word file."""
    session = _session_for(request.user, pk)
    builders = {"plan": documents.session_plan_docx, "arrangement": documents.arrangement_form_docx}
    if kind not in builders:
        raise Http404
    response = HttpResponse(builders[kind](session), content_type=DOCX)
    from urllib.parse import quote

    name = documents.document_filename(session, kind)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def my_calendar_ics(request: HttpRequest) -> HttpResponse:
    """A one-off download of the user's calendar (the subscription URL is `calendar_feed`)."""
    body = ics.user_calendar(request.user, host=ics.uid_host(request.get_host()))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pangting-study.ics"'
    return response
