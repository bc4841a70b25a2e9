"""Bulletins (通报) and annual summaries (年度总结), R-O15.

reports.view reads (the supervisor and the leadership viewer of the subtree); reports.manage
drafts, edits, recomputes and issues (the supervisor). Documents belong to the supervising
organization, so the policy decides by that organization; missing and forbidden answer 404.
"""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.transitions import available_step_names, confirmation
from pangting.core.views import (
    add_form_errors,
    attachment,
    chinese_file,
    confirm_first,
    flash_errors,
    parse_id,
    parse_year,
    seen_version,
)
from pangting.orgs.models import Organization

from .. import documents, services
from ..forms import DocumentCreateForm, SectionsForm
from ..models import ReportDocument, ReportVersion

A = policy.Action
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def supervising_organizations(user: Any) -> QuerySet[Organization]:
    """The supervising organizations whose documents the user drafts (R-O23: his own seat)."""
    return policy.seats(user, A.REPORTS_MANAGE)


def _document(user: Any, pk: int, *, manage: bool = False) -> ReportDocument:
    document = policy.get_for_user(ReportDocument.objects.select_related("organization"), user, pk)
    if manage:
        policy.require_supervise(user, A.REPORTS_MANAGE, document.organization)
    return document


def _versions(document: ReportDocument) -> list[ReportVersion]:
    return list(document.versions.select_related("author", "issued_by").order_by("number"))


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, A.REPORTS_VIEW)
    year = parse_year(request.GET.get("year")) or clock.today().year
    scoped = ReportDocument.objects.for_user(user)
    items = list(
        scoped.filter(year=year)
        .select_related("organization")
        .annotate(version_count=Max("versions__number"))
        .order_by("kind", "-created_at")
    )
    years = sorted({year, *scoped.values_list("year", flat=True).distinct()}, reverse=True)
    return render(
        request,
        "reports/document_list.html",
        {"documents": items, "year": year, "years": years, "can_manage": policy.can(user, A.REPORTS_MANAGE)},
    )


@login_required
def document_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, A.REPORTS_MANAGE)
    organizations = supervising_organizations(user).order_by("path")
    form = DocumentCreateForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.create_document(
                actor=user,
                organization=data["organization"],
                kind=data["kind"],
                year=data["year"],
                semester=data["semester"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("文稿已起草，数据已按当前记录计算，请修改各部分文字后印发。"))
            return redirect("reports:document_detail", pk=document.pk)
    return render(request, "reports/document_form.html", {"form": form})


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    document = _document(user, pk)
    versions = _versions(document)
    latest = versions[-1]
    figures = latest.figures
    sections = [(_(label), latest.section_text(key)) for key, label in documents.SECTIONS[document.kind]]
    can_manage = policy.can_supervise(user, A.REPORTS_MANAGE, document.organization)
    steps = available_step_names(document, user)
    return render(
        request,
        "reports/document_detail.html",
        {
            "document": document,
            "versions": versions,
            "latest": latest,
            "sections": sections,
            "figures": figures,
            "modes": documents.modes_in_order(figures),
            "problem_points": [p for p in figures.get("problems_by_point", []) if p["count"]],
            "can_manage": can_manage,
            "can_cosign": services.can_cosign_document(user, document),
            "issuers": documents.document_issuers(document),
            "steps": steps,
            "stale": services.stale_figures(document, latest) if "issue" in steps and not latest.issued_at else None,
        },
    )


@login_required
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    document = _document(user, pk, manage=True)
    latest = services.latest_version(document)
    initial = {key: latest.section_text(key) for key in documents.section_keys(document.kind)}
    initial["title"] = document.title
    form = SectionsForm(request.POST or None, document=document, initial=initial)
    if request.method == "POST" and form.is_valid():
        title = None if form.fields["title"].disabled else form.cleaned_data["title"]
        try:
            version = services.save_sections(document, actor=user, sections=form.sections(), title=title)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            if version.number != latest.number:
                messages.success(
                    request, _("已印发的文稿保持不变，修改已保存为第{version}版。").format(version=version.number)
                )
            else:
                messages.success(request, _("已保存。"))
            return redirect("reports:document_detail", pk=document.pk)
    return render(
        request,
        "reports/document_edit.html",
        {"document": document, "form": form, "latest": latest, "starts_new_version": latest.is_issued},
    )


@login_required
@require_POST
def document_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    document = _document(user, pk, manage=True)
    try:
        version = services.recompute_figures(document, actor=user, redraft=request.POST.get("redraft") == "1")
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("数据已重新计算（第{version}版）。").format(version=version.number))
    return redirect("reports:document_detail", pk=document.pk)


@login_required
@require_POST
def document_cosign(request: HttpRequest, pk: int) -> HttpResponse:
    """R-O21: a partner department of the level co-signs the bulletin (the service checks the seat)."""
    document = _document(request.user, pk)
    try:
        services.cosign_document(document, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已会签，通报将以联合行文印发。"))
    return redirect("reports:document_detail", pk=document.pk)


@login_required
@require_POST
def document_issue(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    document = _document(user, pk, manage=True)
    if page := confirm_first(request, confirmation(document, "issue")):
        return page  # no script: the irreversible step asks on a page of its own (issue 16)
    # Issue 16: figures older than the day's changes are not issued unnoticed; the page offers
    # 「重新计算后印发」 (figures=recompute) or issuing them as they are (figures=keep).
    choice = request.POST.get("figures")
    figures = choice if choice in ("recompute", "keep") else "check"
    try:
        version = services.issue_document(document, actor=user, expected_version=seen_version(request), figures=figures)
    except services.StaleFigures as stale:
        messages.warning(
            request, _("未印发：{reason}请选择“重新计算后印发”或“按原数据印发”。").format(reason=stale.message)
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        document.refresh_from_db()
        messages.success(
            request, _("第{version}版已印发，文号{number}。").format(version=version.number, number=document.number)
        )
    return redirect("reports:document_detail", pk=document.pk)


@login_required
@chinese_file
def document_docx(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    user = request.user
    document = _document(user, pk)
    version = document.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return attachment(documents.render_version(document, version), documents.filename(document, version), DOCX)


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    """(kind, line) per paragraph: "same", "removed" or "added" (difflib over paragraphs)."""
    lines = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "  ":
            lines.append(("same", text))
        elif tag == "- ":
            lines.append(("removed", text))
        elif tag == "+ ":
            lines.append(("added", text))
    return lines


@login_required
def document_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """The version history with who/when, and the difference of the sections between two versions."""
    user = request.user
    document = _document(user, pk)
    versions = _versions(document)
    by_number = {v.number: v for v in versions}
    newest = versions[-1].number
    b = parse_id(request.GET.get("b")) or newest
    a = parse_id(request.GET.get("a")) or max(1, b - 1)
    if a not in by_number or b not in by_number:
        messages.error(request, _("所选版本不存在，已显示最近两个版本的比较。"))
        b, a = newest, max(1, newest - 1)
    old, new = by_number[a], by_number[b]
    diffs = []
    for key, label in documents.SECTIONS[document.kind]:
        lines = _diff(old.section_text(key), new.section_text(key))
        diffs.append({"label": _(label), "lines": lines, "changed": any(kind != "same" for kind, _line in lines)})
    return render(
        request,
        "reports/document_versions.html",
        {
            "document": document,
            "versions": versions,
            "a": old,
            "b": new,
            "diffs": diffs,
            "figures_changed": old.figures != new.figures,
        },
    )
