"""The kinds of text the near-duplicate check reads: one `register_source` line per kind.

Each `TextSource` says where a kind's records live (a model label, so a later app's model, such as
assessment's 述学 report, is read without importing it), which text fields and which uploaded file
make its text, the path to its organization and author, and the rule that owns it (whose check
reads the confirmed copies). Another kind of text plugs in with one more `register_source(...)`
call (in this module or in the owning app's `ready`), plus one `registry.text_saved(kind, record)`
call in the service that saves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from pangting.lib import textdup


@dataclass(frozen=True)
class TextSource:
    """One kind of text: `model` ("study.Speech"), its `fields` and optional `file_field`, paths."""

    kind: str
    label: str | Promise
    model: str
    fields: Sequence[str]
    org: str = "organization"
    author: str = ""
    file_field: str = ""
    rule: str = ""
    at: str = "created_at"  # when the text was submitted (filed, reported, issued); else its creation

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def related_paths(self) -> list[str]:
        """The foreign keys its organization, author and date paths cross, for one joined read."""
        found: list[str] = []
        for path in (self.org, self.author, self.at):
            model: Any = self.model_class()
            steps: list[str] = []
            for part in path.split("__") if path else []:
                try:
                    field = model._meta.get_field(part)
                except FieldDoesNotExist:
                    break
                if not (field.many_to_one or field.one_to_one):
                    break
                steps.append(part)
                model = field.related_model
            if steps:
                found.append("__".join(steps))
        return found

    def organization(self, record: Any) -> Any:
        return follow(record, self.org)

    def submitted_at(self, record: Any) -> Any:
        return follow(record, self.at) or getattr(record, "created_at", None)

    def author_of(self, record: Any) -> str:
        return str(follow(record, self.author) or "") if self.author else ""

    def read(self, record: Any) -> tuple[str, str]:
        """The record's text (fields, then the uploaded file's text) and a note on the file.

        The note is "" or says why a file gave no text: a scan without a text layer (listed as
        "no text", never guessed) or a file that cannot be read.
        """
        parts = [str(getattr(record, name, "") or "") for name in self.fields]
        note = ""
        upload = getattr(record, self.file_field, None) if self.file_field else None
        if upload:
            try:
                with upload.open("rb") as handle:
                    data = handle.read()
                found = textdup.extract_text(data, upload.name)
            except (OSError, textdup.UnreadableFile):
                found, note = None, gettext_noop("文件无法读取")  # stored in Chinese, shown translated
            else:
                if found is None:
                    note = gettext_noop("文件无文字（扫描件）")
            if found:
                parts.append(found)
        return "\n".join(part for part in parts if part.strip()), note


def follow(record: Any, path: str) -> Any:
    """The value at a Django-style `a__b__c` path from `record` (None when a step is missing)."""
    target = record
    for part in path.split("__"):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


_SOURCES: dict[str, TextSource] = {}


def register_source(kind: str, label: str | Promise, model: str, fields: Sequence[str], **options: Any) -> TextSource:
    """Declare a kind of text (registering a kind again replaces it)."""
    source = TextSource(kind, label, model, tuple(fields), **options)
    _SOURCES[kind] = source
    return source


def get(kind: str) -> TextSource:
    return _SOURCES[kind]


def all_sources() -> list[TextSource]:
    return list(_SOURCES.values())


def label_of(kind: str) -> str:
    source = _SOURCES.get(kind)
    return str(source.label) if source else kind


def register_defaults() -> None:
    """The texts the system holds today (called from `AnalysisConfig.ready`)."""
    register_source("speech", _("交流研讨发言"), "study.Speech", ("outline", "written_text"),
                    org="session__organization", author="speaker_name", file_field="file", rule="R-S6")  # fmt: skip
    register_source("reflection", _("学习体会/小结"), "study.Reflection", ("text",),
                    author="person__name", rule="R-S7")  # fmt: skip
    register_source("self_study", _("个人自学笔记"), "study.SelfStudyRecord", ("notes",),
                    author="person__name", rule="R-S7")  # fmt: skip
    register_source("minutes", _("学习小结/会议纪要"), "study.StudySession", ("summary",), rule="R-S7")
    record_fields = ("organization_findings", "content_findings", "method_findings", "effect_findings", "problems",
                     "suggestions")  # fmt: skip
    register_source("observation_record", _("列席旁听记录"), "observation.ObservationRecord", record_fields,
                    org="visit__unit", author="filed_by__username", rule="R-O8", at="filed_at")  # fmt: skip
    register_source("feedback", _("反馈意见"), "observation.Feedback", ("summary", "suggestions"),
                    org="visit__unit", rule="R-O9", at="issued_at")  # fmt: skip
    register_source("rectification_report", _("整改情况报告"), "observation.Rectification", ("unit_report",),
                    org="unit", rule="R-O10", at="reported_at")  # fmt: skip
    register_source("study_report", _("述学报告"), "assessment.StudyReport", ("summary",),
                    author="person__name", file_field="file", rule="R-O22")  # fmt: skip
