"""Private helpers the observation services share: the acting user, saving with history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import inputs
from pangting.core.system import require_actor

A = policy.Action


def _user(actor: Any) -> Any:
    require_actor(actor)
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(obj: Any, actor: Any, **kwargs: Any) -> None:
    obj._history_user = _user(actor)
    obj.save(**kwargs)


def _session_day(session: Any) -> dt.date:
    return timezone.localdate(session.starts_at)


ALLOWED_UPLOADS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png", ".txt"}


def check_upload(upload: Any) -> str:
    """An uploaded document's safe base name, after checking its name, type and size (never classified)."""
    import os

    name = os.path.basename(upload.name or "")
    inputs.safe_file_name(name)  # issue 14: a 400-character name was a 500
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_UPLOADS:
        raise ValidationError(
            _("不支持的文件类型“{value}”，请上传 PDF、Word、Excel、图片或文本文件。").format(value=ext or _("无扩展名"))
        )
    limit = settings.PANGTING_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(_("文件超过{max_mb}MB上限。").format(max_mb=settings.PANGTING_MAX_UPLOAD_MB))
    return name
