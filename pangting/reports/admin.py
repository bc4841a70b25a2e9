"""Admin: read-only lists of bulletins and summaries with their versions and history.

Every change goes through the services (versioning, numbering without gaps, R-O15).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pangting.observation.admin import ReadOnlyAdmin

from .models import ReportDocument, ReportVersion


class VersionInline(admin.TabularInline):
    model = ReportVersion
    extra = 0
    can_delete = False
    fields = ["number", "author", "updated_at", "figures_computed_at", "issued_at", "issued_by"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportDocument)
class ReportDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "year", "semester", "status", "number", "issued_at"]
    list_filter = ["kind", "status", "year"]
    search_fields = ["title", "number"]
    inlines = [VersionInline]


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    list_display = ["document", "number", "author", "updated_at", "issued_at"]
    list_select_related = ["document", "author"]
