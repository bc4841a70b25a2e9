"""The reports pages, one module per topic: dashboards and the unit page, bulletins and
annual summaries (R-O15), ledgers (台账). `reports/urls.py` takes its views from here."""

from .dashboards import dashboard, unit_detail
from .documents import (
    document_cosign,
    document_create,
    document_detail,
    document_docx,
    document_edit,
    document_issue,
    document_list,
    document_recompute,
    document_versions,
)
from .ledgers import ledger_export, ledger_export_job, ledger_index
from .levels import level_dashboard

__all__ = [
    "dashboard",
    "document_cosign",
    "document_create",
    "document_detail",
    "document_docx",
    "document_edit",
    "document_issue",
    "document_list",
    "document_recompute",
    "document_versions",
    "ledger_export",
    "ledger_export_job",
    "ledger_index",
    "level_dashboard",
    "unit_detail",
]
