"""Uploads: the size, type and content checks, and session attachments (R-S14)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from pangting.core import inputs

from ..models import Attachment, StudySession
from ..parameters import StudyParameters, get_parameters
from ._common import _save

_MAGIC = {
    "pdf": (b"%PDF",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "ofd": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "ppt": (b"\xd0\xcf\x11\xe0",),
    "wps": (b"\xd0\xcf\x11\xe0", b"PK\x03\x04"),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


def check_upload(upload: UploadedFile, params: StudyParameters) -> str:
    """Size, extension and content checked before anything is stored; returns the extension."""
    name = PurePath(upload.name or "").name
    try:
        # Issue 14: a 400-character name overflowed the column and the file system (a 500).
        inputs.safe_file_name(name)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not upload.size:
        raise ValidationError({"file": _("文件“{name}”是空文件。").format(name=name)})
    limit = params.max_upload_mb * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("文件“{name}”大小为{size_mb:.1f} MB，超过上限{max_upload_mb} MB。").format(
                    name=name, size_mb=upload.size / 1024 / 1024, max_upload_mb=params.max_upload_mb
                )
            }
        )
    if ext not in params.upload_extensions:
        allowed = _("、").join(params.upload_extensions)
        raise ValidationError(
            {
                "file": _("不支持的文件类型“{value}”。允许的类型：{allowed}。").format(
                    value=ext or _("无扩展名"), allowed=allowed
                )
            }
        )
    magic = _MAGIC.get(ext)
    if magic:
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(m) for m in magic):
            raise ValidationError(
                {"file": _("文件“{name}”的内容与扩展名“.{ext}”不符，请上传原始文件。").format(name=name, ext=ext)}
            )
    return ext


@transaction.atomic
def add_attachment(session: StudySession, upload: UploadedFile, *, actor: Any, kind: str) -> Attachment:
    """Archive minutes or materials (R-S14). The upload page says: no classified material."""
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": _("附件类型“{kind}”无效。").format(kind=kind)})
    check_upload(upload, get_parameters())
    name = PurePath(upload.name or "").name
    attachment = Attachment(
        session=session,
        kind=kind,
        file=upload,
        original_name=name[:200],
        size=upload.size or 0,
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _save(attachment, actor)
    return attachment


@transaction.atomic
def delete_attachment(attachment: Attachment, *, actor: Any) -> None:
    attachment.soft_delete(actor=actor)
