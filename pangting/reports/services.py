"""Writes of bulletins and annual summaries (R-O15): draft, edit, recompute, issue.

The versioning rules live here:

- a new document starts as version 1, with the figures computed now and the drafted text;
- editing or recomputing changes the latest version while it has not been issued;
- once a version is issued it never changes: editing the document starts a new version
  (a copy of the issued one) that is edited and issued in turn;
- the first issue gives the document its number, the next in the supervising
  organization's series for that kind and year, without gaps (a locked counter row);
  later versions keep the number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.dates import format_datetime
from pangting.core.system import require_actor
from pangting.core.transitions import run_step
from pangting.observation.services import add_cosignatures, next_number, partner_seats_at
from pangting.orgs.models import Organization

from . import documents
from .figures import compute_figures, inputs_changed_at
from .models import DocumentCosignature, DocumentKind, ReportDocument, ReportVersion

A = policy.Action
MIN_YEAR = 2000
MAX_YEAR = 2100
SECTION_MAX_CHARS = 20000


def _user(actor: Any) -> Any:
    require_actor(actor)
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(obj: Any, actor: Any, **kwargs: Any) -> None:
    obj._history_user = _user(actor)
    obj.save(**kwargs)


def _require_manage(actor: Any, organization: Organization) -> None:
    if not policy.can_supervise(actor, A.REPORTS_MANAGE, organization):
        raise ValidationError(_("您无权管理该组织的通报和年度总结。"))


def _check_period(kind: str, year: int, semester: int | None) -> None:
    if kind not in DocumentKind.values:
        raise ValidationError(_("文稿类型应为通报或年度总结。"))
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            _("年度应在{min_year}年至{max_year}年之间。").format(min_year=MIN_YEAR, max_year=MAX_YEAR)
        )
    if semester not in (None, 1, 2):
        raise ValidationError(_("学期应为春季学期或秋季学期。"))
    if kind == DocumentKind.SUMMARY and semester:
        raise ValidationError(_("年度总结按全年统计，不分学期。"))


@transaction.atomic
def create_document(
    *, actor: Any, organization: Organization, kind: str, year: int, semester: int | None = None
) -> ReportDocument:
    """Draft a bulletin or summary: figures computed now, every section drafted from them."""
    _require_manage(actor, organization)
    _check_period(kind, year, semester)
    document = ReportDocument(
        organization=organization,
        kind=kind,
        year=year,
        semester=semester,
        title=documents.default_title(kind, year, semester),
        created_by=_user(actor),
    )
    _save(document, actor)
    figures = compute_figures(organization, year, semester)
    version = ReportVersion(
        document=document,
        number=1,
        figures=figures,
        figures_computed_at=clock.now(),
        sections=documents.draft_sections(kind, figures),
        author=_user(actor),
    )
    _save(version, actor)
    return document


def latest_version(document: ReportDocument) -> ReportVersion:
    return document.versions.order_by("-number").first()  # type: ignore[return-value]


def _editable_version(document: ReportDocument, actor: Any) -> ReportVersion:
    """The latest version if it is still a draft; after an issue, a new version copied from it."""
    latest = ReportVersion.objects.select_for_update().filter(document=document).order_by("-number").first()
    if latest is None:
        raise ValidationError(_("该文稿没有任何版本。"))
    if not latest.is_issued:
        return latest
    version = ReportVersion(
        document=document,
        number=latest.number + 1,
        figures=latest.figures,
        figures_computed_at=latest.figures_computed_at,
        sections=dict(latest.sections),
        author=_user(actor),
    )
    _save(version, actor)
    return version


def _clean_sections(document: ReportDocument, sections: dict[str, str]) -> dict[str, str]:
    keys = documents.section_keys(document.kind)
    unknown = set(sections) - set(keys)
    if unknown:
        raise ValidationError(_("未知的正文部分：{items}。").format(items=_("、").join(sorted(unknown))))
    cleaned = {}
    errors: dict[str, list[str]] = {}
    for key in keys:
        text = str(sections.get(key, "")).replace("\r\n", "\n").strip()
        if len(text) > SECTION_MAX_CHARS:
            errors[key] = [_("每部分不超过{max_chars}字。").format(max_chars=SECTION_MAX_CHARS)]
        cleaned[key] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def save_sections(
    document: ReportDocument, *, actor: Any, sections: dict[str, str], title: str | None = None
) -> ReportVersion:
    """Edit the text: the draft version changes; an issued document gets a new version (R-O15)."""
    document = ReportDocument.objects.select_for_update().get(pk=document.pk)
    _require_manage(actor, document.organization)
    cleaned = _clean_sections(document, sections)
    if title is not None:
        title = title.strip()
        if not title:
            raise ValidationError({"title": [_("标题不能为空。")]})
        if title != document.title:
            if document.status == ReportDocument.Status.ISSUED:
                raise ValidationError({"title": [_("已印发的文稿不能修改标题。")]})
            document.title = title
            _save(document, actor)
    version = _editable_version(document, actor)
    version.sections = cleaned
    version.author = _user(actor)
    _save(version, actor)
    return version


@transaction.atomic
def recompute_figures(document: ReportDocument, *, actor: Any, redraft: bool = False) -> ReportVersion:
    """Compute the figures again into the editable version; `redraft` also rewrites the text from them."""
    document = ReportDocument.objects.select_for_update().get(pk=document.pk)
    _require_manage(actor, document.organization)
    version = _editable_version(document, actor)
    version.figures = compute_figures(document.organization, document.year, document.semester)
    version.figures_computed_at = clock.now()
    if redraft:
        version.sections = documents.draft_sections(document.kind, version.figures)
    version.author = _user(actor)
    _save(version, actor)
    return version


class StaleFigures(ValidationError):
    """The figures to issue were computed before the latest change to their inputs (issue 16)."""

    def __init__(self, computed_at: dt.datetime, changed_at: dt.datetime) -> None:
        self.computed_at, self.changed_at = computed_at, changed_at
        super().__init__(
            _("数据计算于{computed}，此后{changed}有记录变更，文稿中的数字可能已过时。").format(
                computed=format_datetime(computed_at),
                changed=format_datetime(changed_at),
            ),
            code="stale_figures",
        )


def stale_figures(document: ReportDocument, version: ReportVersion | None = None) -> StaleFigures | None:
    """Why the latest version's figures are out of date, or None when no input changed after them."""
    version = version or latest_version(document)
    changed_at = inputs_changed_at(document.organization, document.year)
    if version is None or changed_at is None or changed_at <= version.figures_computed_at:
        return None
    return StaleFigures(version.figures_computed_at, changed_at)


@transaction.atomic
def issue_document(
    document: ReportDocument,
    *,
    actor: Any,
    expected_version: int | None = None,
    figures: str = "keep",
) -> ReportVersion:
    """Issue the latest version; the first issue numbers the document (X宣通〔2026〕N号, no gaps).

    `figures`: "keep" issues the figures as computed; "check" refuses (`StaleFigures`) when an
    input changed after they were computed; "recompute" computes them again first, so the
    issued figures are today's (issue 16). The number is allocated only after the step
    claimed the document (R-O15).
    """
    if figures == "recompute":
        recompute_figures(document, actor=actor)
    elif figures == "check" and (stale := stale_figures(document)) is not None:
        raise stale
    issued: list[ReportVersion] = []

    def number_and_issue(claimed: ReportDocument) -> str:
        now = clock.now()
        if not claimed.number:
            year = timezone.localdate(now).year
            claimed.seq = next_number(claimed.organization, year, f"report_{claimed.kind}")
            claimed.number = documents.document_number(claimed.organization, claimed.kind, year, claimed.seq)
            claimed.issued_at = now
            _save(claimed, actor)
        version = ReportVersion.objects.select_for_update().filter(document=claimed).order_by("-number").first()
        if version is None:  # the step's precondition saw one; an invariant, not input
            raise RuntimeError("a document to issue has a version")
        version.issued_at = now
        version.issued_by = _user(actor)
        _save(version, actor)
        issued.append(version)
        # i18n: not interface (a step reason, stored in the log as written)
        return f"印发第{version.number}版 {claimed.number}"

    run_step(document, "issue", actor=actor, expected_version=expected_version, effect=number_and_issue)
    return issued[0]


# --- 会签 (R-O21): the partner departments co-sign a joint bulletin before it is issued ---------


def _signed_partners(document: ReportDocument) -> set[str]:
    return set(document.cosignatures.filter(deleted_at__isnull=True).values_list("partner", flat=True))


def can_cosign_document(user: Any, document: ReportDocument) -> bool:
    """Whether `user` may co-sign this bulletin now: a partner of its level, before its first
    issue, not yet signed for his department."""
    if not document.is_bulletin or document.number:
        return False
    seats = partner_seats_at(user, document.organization_id)
    return bool(seats) and any(seat not in _signed_partners(document) for seat in seats)


@transaction.atomic
def cosign_document(document: ReportDocument, *, actor: Any) -> list[DocumentCosignature]:
    """Co-sign the bulletin for each partner department `actor` holds at its level (联合行文)."""
    require_actor(actor)
    if not policy.can(actor, policy.A.REPORTS_VIEW, document.organization):
        raise Http404  # permission first: forbidden looks like missing
    document = ReportDocument.objects.select_for_update().select_related("organization").get(pk=document.pk)
    if not document.is_bulletin:
        raise ValidationError(_("只有通报可以联合印发；年度总结由督导部门报送。"))
    if document.number:
        raise ValidationError(_("通报已印发，不能再会签。"))
    seats = partner_seats_at(actor, document.organization_id)
    if not seats:
        raise ValidationError(_("只有本级联合督导部门（组织部、机关工委）可以会签通报。"))
    signed = _signed_partners(document)
    return add_cosignatures(
        DocumentCosignature,
        {"document": document},
        document.organization,
        seats,
        signed=signed,
        actor=actor,
        already=_("您所在部门已会签此通报。"),
    )
