"""Admin: read-only lists of the assessment schemes and the 述学 reports, with their history.

Every change goes through the services (the formula is checked, R-O14; reports are filed and
rated by who may, with their files kept), so the admin may look, never write (issue 10 item 8).
"""

from __future__ import annotations

from django.contrib import admin

from pangting.core.admin import ReadOnlyAdmin

from .models import AssessmentScheme, StudyReport


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["year", "organization", "status", "max_score", "confirmed_at", "updated_at"]
    list_filter = ["status", "year"]
    list_select_related = ["organization"]
    search_fields = ["formula", "description"]


@admin.register(StudyReport)
class StudyReportAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["year", "person", "organization", "title", "delivered_on", "rating", "rated_at"]
    list_filter = ["year", "rating"]
    list_select_related = ["person", "organization"]
    search_fields = ["title", "person__name", "organization__name"]
    date_hierarchy = "delivered_on"
