"""The near-duplicate text index in the database, and the pairs it finds (issue 13 item 1).

Every text the system holds (speeches and their uploaded files, reflections and summaries,
session minutes, observation records, feedback, rectification reports, 述学 reports) has one
`TextDocument` row: where it came from (kind and record id), whose organization it belongs to,
who submitted it when, its shingles (`pangting.lib.textdup`) and its MinHash signature. The
signature's LSH bands are rows of `TextBand`, indexed by (band, value): the candidate lookup of
one new document is one indexed query, so every app process shares the same index without a
cache to keep fresh. The corpus-wide boilerplate model (slogans, standard phrases) is one row of
`BoilerplateState`, refitted by `manage.py scan_texts`.

A `TextPair` is two documents whose Jaccard (after boilerplate) reaches the thresholds: flagged
or red, then confirmed or dismissed by the supervisor through the steps of `workflows.py`, with
history. A dismissed pair is never raised again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pangting.core.jsonshape import ShapedJSONMixin
from pangting.core.models import RecordModel, WorkflowRecord
from pangting.orgs.models import Organization

SUPERVISE = "study.supervise"


class TextDocument(models.Model):
    """One indexed text: its source record, owner, submitter, shingles and signature.

    Derived data, rebuilt by `scan_texts` from the records themselves: no history of its own
    (the source records keep theirs). `has_text` is False for a file without a text layer (a
    scanned PDF: listed as "no text", never guessed) or an empty text.
    """

    kind = models.CharField(_("文本类型"), max_length=32)
    object_id = models.PositiveBigIntegerField(_("记录编号"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    title = models.CharField(_("标题"), max_length=200, blank=True)
    author = models.CharField(_("撰写人"), max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    text_hash = models.CharField(max_length=64, blank=True)
    length = models.PositiveIntegerField(_("字数"), default=0)
    has_text = models.BooleanField(_("有文字"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    shingles = models.BinaryField(default=b"")
    signature = models.BinaryField(default=b"")
    # A speech's theme words (R-S6 theme hints, `themes.py`) with their counts in the order of first
    # use, packed as "word count word count" (`themefit.pack`); empty for other kinds of text.
    theme_tokens = models.TextField(default="", blank=True)
    # A digest of the text and note as read from the record (before normalizing): the scan
    # recomputes the text's fields (its theme words take jieba's time) only when it changed.
    read_digest = models.CharField(max_length=32, default="", blank=True)
    indexed_at = models.DateTimeField(_("索引时间"))
    deleted_at = models.DateTimeField(null=True, blank=True)

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = SUPERVISE

    class Meta:
        verbose_name = _("文本索引")
        verbose_name_plural = _("文本索引")
        constraints = [
            # One row per source record: the on-save check updates it in place.
            models.UniqueConstraint(fields=["kind", "object_id"], name="textdoc_one_per_record"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"


class ThemeTokens(models.Model):
    """The theme words of a session's theme (title and content) or a plan theme (theme and materials).

    Derived data for the theme hints (R-S6, `themes.py`), written when a service saves the
    session or the plan theme and rebuilt by `rebuild_theme_tokens`. `text_hash` is the SHA-256
    of the text the words were cut from: the page uses the words only while it matches the
    record's text, and cuts the text itself otherwise (a record written by other means).
    """

    kind = models.CharField(max_length=16)
    object_id = models.PositiveBigIntegerField()
    text_hash = models.CharField(max_length=64)
    tokens = models.TextField(default="", blank=True)  # `themefit.pack`ed, as `TextDocument.theme_tokens`

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="themetokens_one_per_record")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class RankedSpeech(TypedDict):
    """One kept theme hint (`themes.Scored`): a speech's similarities and the words it shares."""

    speech_id: int
    session_score: float
    plan_score: float | None
    words: list[str]


class ThemeRanking(ShapedJSONMixin, models.Model):
    """The theme hints' ranking (R-S6) of one reach and year, kept while its inputs are unchanged.

    Derived data (`themes.ranked_in_reach`): `digest` is the SHA-256 of every input the ranking
    reads (each speech's stored words, by their MD5; its session's and plan theme's words), so a
    ranking is used only while a fresh digest equals it, and any change to an input, by whatever
    means, recomputes it on the next reading. `scope` is the SHA-256 of the query that selects the
    speeches (the reach and the year); `ranked` holds the first `limit` hints, least similar first.
    """

    scope = models.CharField(max_length=64)
    limit = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    ranked = models.JSONField(default=list)
    ranked_at = models.DateTimeField()
    json_shapes: ClassVar[Mapping[str, Any]] = {"ranked": list[RankedSpeech]}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "limit"], name="themeranking_one_per_scope")]

    def __str__(self) -> str:
        return f"{self.scope[:12]}:{self.limit}"


class TextBand(models.Model):
    """One LSH band of a document's signature: documents sharing a (band, value) are candidates."""

    document = models.ForeignKey(TextDocument, on_delete=models.CASCADE, related_name="bands")
    band = models.PositiveSmallIntegerField()
    value = models.BigIntegerField()

    class Meta:
        indexes = [
            # The candidate lookup of one new document: WHERE (band, value) IN (its 32 bands).
            models.Index(fields=["band", "value"], name="textband_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.band}"


class BoilerplateState(models.Model):
    """The corpus-wide boilerplate model (one row), refitted by `scan_texts`."""

    model = models.BinaryField(default=b"")
    n_docs = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("套话模型")
        verbose_name_plural = _("套话模型")

    def __str__(self) -> str:
        return f"boilerplate ({self.n_docs})"


class TextPair(RecordModel, WorkflowRecord):
    """Two texts found alike: Jaccard after boilerplate, level (flagged/red), the supervisor's decision.

    `first` is the earlier-indexed document (lower id). Read by the rule checks that own each kind
    of text once confirmed (R-S6, R-S7, R-O8, R-O10); a dismissed pair is not raised again.
    """

    class State(models.TextChoices):
        OPEN = "open", _("待研判")
        CONFIRMED = "confirmed", _("认定雷同")
        DISMISSED = "dismissed", _("排除")

    first = models.ForeignKey(TextDocument, on_delete=models.PROTECT, related_name="+", verbose_name=_("文本甲"))
    second = models.ForeignKey(TextDocument, on_delete=models.PROTECT, related_name="+", verbose_name=_("文本乙"))
    score = models.FloatField(_("相似度"))
    shared = models.PositiveIntegerField(_("共有片段数"), default=0)
    red = models.BooleanField(_("高度雷同"), default=False)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True)

    workflow_state_field: ClassVar[str] = "state"
    policy_org_field: ClassVar[str] = "first__organization"
    policy_view_action: ClassVar[str] = SUPERVISE

    class Meta:
        ordering = ["-red", "-score", "pk"]
        verbose_name = _("雷同文本")
        verbose_name_plural = _("雷同文本")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="textpair_once"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="textpair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first} ~ {self.second}"

    @property
    def level_display(self) -> str:
        return str(_("高度雷同") if self.red else _("疑似雷同"))
