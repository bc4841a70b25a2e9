"""The record form's sending channel for phones that record offline (issue 16, offline on-site record).

The record page keeps every keystroke on the phone (static/js/offline-record.js) and sends the
form here when the network allows, as often as it must: the idempotency key makes the sending
count once, and the version the form was typed over decides conflicts. Answers are JSON the
page script reads; the plain form post (views.record_edit) stays for browsers without script.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core.models import StaleRecord
from pangting.core.views import seen_version

from . import services
from .forms import RecordForm
from .models import ObservationRecord, TeamMember, Visit

A = policy.Action


def page_texts() -> dict[str, str]:
    """What the page script says on the record form's state line, in the user's language."""
    return {
        "idle": _("填写内容随时保存在本机"),
        "saved": _("已保存在本机 {time}"),
        "queued": _("已保存在本机，待发送"),
        "offline": _("离线，恢复网络后自动发送"),
        "sent": _("已发送"),
        "filed": _("已发送，记录已填报"),
        "conflict": _("服务器上的记录已被他人修改：请对照两个版本选择后再发送"),
        "refused": _("未发送：请按提示修改后再提交"),
        "login": _("登录已过期：请重新登录，本机草稿不会丢失"),
        "empty": _("（空）"),
    }


def submission_key(request: HttpRequest) -> uuid.UUID | None:
    """The idempotency key the form sent (hidden field `submission_key`), if it is a UUID."""
    try:
        return uuid.UUID(request.POST.get("submission_key", ""))
    except ValueError:
        return None


def record_values(record: ObservationRecord | None) -> dict[str, Any]:
    """The record as the form's field names and values: what the server has, for a conflict."""
    if record is None:
        return {}
    values: dict[str, Any] = {name: getattr(record, name) for name in services.RECORD_FIELDS}
    values.update({f"score_{key}": str(value) for key, value in record.scores.items()})
    values.update(observer_initial(record))
    return values


def observers_of(visit: Visit) -> list[Any]:
    """The team members who may give their own score on the record form (R-O18): not the liaison."""
    return [m.person for m in visit.team() if m.role != TeamMember.Role.LIAISON]


def observer_initial(record: ObservationRecord) -> dict[str, str]:
    """The observers' own scores as the record form's field values (R-O18)."""
    return {f"observer_{s.person_id}": str(s.score) for s in record.observer_scores.filter(deleted_at__isnull=True)}


@login_required
@require_POST
def record_sync(request: HttpRequest, pk: int) -> JsonResponse:
    """Save the record from the page script: sent, conflict (both versions), or refused."""
    visit: Visit = policy.get_for_user(Visit.objects.select_related("unit", "session"), request.user, pk)
    policy.require(request.user, A.OBSERVATION_RECORD, visit.unit)
    record = ObservationRecord.objects.filter(visit=visit).first()
    rubric = record.rubric if record else services.active_rubric()
    key = submission_key(request)
    if key is None:
        return JsonResponse({"status": "invalid", "errors": [_("提交编号无效，请刷新页面后重新提交。")]}, status=400)
    form = RecordForm(request.POST, rubric_items=rubric.items, observers=observers_of(visit))
    if not form.is_valid():
        errors = [
            _("{label}：{message}").format(label=form.fields[name].label, message=message)
            if name in form.fields
            else message
            for name, problems in form.errors.items()
            for message in problems
        ]
        return JsonResponse({"status": "invalid", "errors": errors}, status=400)
    submit = request.POST.get("intent") == "submit"
    try:
        submission, replayed = services.submit_record_once(
            visit,
            actor=request.user,
            key=key,
            data=form.cleaned_data,
            scores=form.scores(),
            submit=submit,
            expected_version=seen_version(request),
            observer_scores=form.observer_scores(),
        )
    except StaleRecord as error:
        current = ObservationRecord.objects.filter(visit=visit).first()
        return JsonResponse(
            {
                "status": "conflict",
                "errors": error.messages,
                "version": current.version if current else 0,
                "server": record_values(current),
            },
            status=409,
        )
    except ValidationError as error:
        return JsonResponse({"status": "invalid", "errors": error.messages}, status=400)
    if not replayed:  # shown on the visit's page the script goes on to, as after the plain form
        messages.success(request, _("记录已填报。") if submission.filed else _("草稿已保存。"))
    return JsonResponse(
        {
            "status": "sent",
            "filed": submission.filed,
            "version": submission.version,
            "replayed": replayed,
            "next": reverse("observation:visit_detail", args=[visit.pk]),
        }
    )
