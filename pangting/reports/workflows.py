"""The bulletin / annual summary workflow as data (R-O15): a draft is issued; an issued document
whose text was edited (a new version) is issued again, keeping its number. Registered in
`ReportsConfig.ready`; run by `pangting.core.transitions`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.accounts import policy
from pangting.core.transitions import Edge, Workflow

from . import documents
from .models import ReportDocument

D = ReportDocument.Status


def _manage(user: Any, document: ReportDocument) -> bool:
    return policy.can_supervise(user, policy.Action.REPORTS_MANAGE, document.organization)


def _latest_version_ready(document: ReportDocument) -> str | None:
    """The latest version is a draft and every section has text."""
    version = document.versions.order_by("-number").first()
    if version is None or version.is_issued:
        return _("当前版本已经印发；如需修改，请先编辑形成新版本。")
    empty = [label for key, label in documents.SECTIONS[document.kind] if not version.section_text(key).strip()]
    if empty:
        return _("以下部分尚未填写，不能印发：{items}。").format(items=_("、").join(empty))
    return None


# Asked before issuing (the shared confirmation dialog): an issued version cannot be withdrawn.
ISSUE_CONFIRM = gettext_lazy("印发后文稿将送达各单位，不能撤回，更正只能印发新版本。确定印发？")

DOCUMENT = Workflow(
    model=ReportDocument,
    initial=D.DRAFT,
    states=list(D),
    edges=[
        Edge("issue", D.DRAFT, D.ISSUED, _manage, gettext_lazy("印发"), _latest_version_ready, confirm=ISSUE_CONFIRM),
        Edge(
            "issue",
            D.ISSUED,
            D.ISSUED,
            _manage,
            gettext_lazy("印发新版本"),
            _latest_version_ready,
            confirm=ISSUE_CONFIRM,
        ),
    ],
)

WORKFLOWS = [DOCUMENT]
