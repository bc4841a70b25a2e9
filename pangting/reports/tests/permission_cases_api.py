"""Permission-matrix rows of the reports API: documents (R-O15) and the figures of a period.

Lists answer everyone signed in (their content is scoped, see test_api.py); a document and
the figures of the supervising organization are read by reports.view (supervisor, leadership
viewer); the `issue` step is taken by reports.manage (supervisor) only, everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from pangting.tests.matrix import API, EVERYONE, Case

from .permission_cases_documents import MANAGERS, READERS, drafted


def root_year(w: Any) -> dict[str, Any]:
    return {"organization": w.root.pk, "year": 2026}


CASES: list[Case] = [
    Case("reports-document-list", EVERYONE, **API),
    Case("reports-document-detail", READERS, kwargs=drafted, **API),
    Case("reports-document-issue", MANAGERS, kwargs=drafted, method="post", data=lambda w: {}, **API),
    Case("reports-figures-list", READERS, data=root_year, **API),
]
