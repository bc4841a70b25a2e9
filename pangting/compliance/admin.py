"""Read-only admin for check runs and findings: both are derived by `services.run_checks` alone.

Findings are reconciled by each run (inserted, refreshed, resolved, never deleted), so an edit
in the admin would be silently overwritten or would break the history the unit page reads
(issue 10 item 8, one write path). Rule parameters are changed on the rule-parameters page.
"""

from __future__ import annotations

from django.contrib import admin

from pangting.core.admin import ReadOnlyAdmin

from .models import ComplianceRun, Finding


@admin.register(ComplianceRun)
class ComplianceRunAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["pk", "year", "unit", "trigger", "started_at", "finished_at", "counts"]
    list_filter = ["trigger", "year"]
    list_select_related = ["unit"]
    date_hierarchy = "started_at"


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["rule_id", "unit", "year", "period", "severity", "message", "resolved_at"]
    list_filter = ["severity", "year", "rule_id"]
    list_select_related = ["unit"]
    search_fields = ["message", "rule_id", "unit__name", "key"]
    raw_id_fields = ["unit", "first_seen", "last_seen"]
