"""Permission-matrix rows of the reports documents part: bulletins and annual summaries (R-O15).

Documents belong to the supervising organization (the root): reports.view reaches them for
the supervisor and the leadership viewer, reports.manage for the supervisor only; everyone
else gets 404. Documents are drafted inside each request's rolled-back savepoint.
"""

from __future__ import annotations

from typing import Any

from pangting.tests.matrix import POST_REDIRECT, Case

READERS = frozenset({"supervisor", "viewer"})
MANAGERS = frozenset({"supervisor"})


def drafted(w: Any) -> dict[str, Any]:
    from pangting.reports import services

    document = services.create_document(actor=w.supervisor, organization=w.root, kind="bulletin", year=2026)
    return {"pk": document.pk}


def first_version(w: Any) -> dict[str, Any]:
    return {**drafted(w), "number": 1}


def sections(w: Any) -> dict[str, Any]:
    return {"title": "关于学习情况的通报", "overview": "一", "practices": "二", "problems": "三", "requirements": "四"}


def new_bulletin(w: Any) -> dict[str, Any]:
    return {"organization": str(w.root.pk), "kind": "bulletin", "year": "2026", "semester": "2"}


CASES: list[Case] = [
    Case("reports:document_list", READERS),
    Case("reports:document_create", MANAGERS),
    Case("reports:document_create", MANAGERS, data=new_bulletin, **POST_REDIRECT),
    Case("reports:document_detail", READERS, kwargs=drafted),
    Case("reports:document_edit", MANAGERS, kwargs=drafted),
    Case("reports:document_edit", MANAGERS, kwargs=drafted, data=sections, **POST_REDIRECT),
    Case("reports:document_recompute", MANAGERS, kwargs=drafted, **POST_REDIRECT),
    Case("reports:document_issue", MANAGERS, kwargs=drafted, **POST_REDIRECT),
    # R-O21: whoever sees the bulletin is answered on its page; only a partner's seat co-signs.
    Case("reports:document_cosign", READERS, kwargs=drafted, **POST_REDIRECT),
    Case("reports:document_versions", READERS, kwargs=drafted),
    Case("reports:document_docx", READERS, kwargs=first_version),
]
