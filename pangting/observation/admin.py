"""Admin: read-mostly. Every change of a visit goes through the services (workflow, deadlines,
history); the admin shows records and their history, and edits only the scoring rubric."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from pangting.core import inputs

from . import services
from .models import (
    CrossObservation,
    DocumentReview,
    Evidence,
    Feedback,
    InvitationRequest,
    ObservationPlan,
    ObservationRecord,
    Practice,
    Rectification,
    ReminderLog,
    Replication,
    Rubric,
    Talk,
    TeamMember,
    Visit,
    VisitTransition,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Lists, details and history; no add, change or delete (the services own the writes)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TeamInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    can_delete = False
    fields = ["person", "role", "deleted_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionInline(admin.TabularInline):
    model = VisitTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_state", "to_state", "step", "actor", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["unit", "year", "semester", "mode", "state", "letter_number", "reply_due", "feedback_due"]
    list_filter = ["year", "state", "mode"]
    search_fields = ["unit__name", "letter_number"]
    inlines = [TeamInline, TransitionInline]


@admin.register(ObservationPlan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "organization", "year", "status", "approved_at"]
    list_filter = ["year", "status"]


@admin.register(ObservationRecord)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ["visit", "composite_score", "filed_at", "signed_off_at"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["visit", "number", "issued_at", "acknowledged_at"]
    search_fields = ["number"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["unit", "visit", "source", "problem", "owner", "deadline", "status"]
    list_filter = ["status", "source"]


@admin.register(CrossObservation)
class CrossAdmin(ReadOnlyAdmin):
    list_display = ["year", "semester", "host", "visitor", "status", "report_due", "reported_at"]
    list_filter = ["year", "semester", "status"]


@admin.register(Practice)
class PracticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "unit", "status", "promoted_at"]
    search_fields = ["title"]


for model in (InvitationRequest, Talk, DocumentReview, Evidence, Replication):
    admin.site.register(model, ReadOnlyAdmin)


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["key", "sent_at", "channels"]
    search_fields = ["key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RubricForm(inputs.CheckedModelForm):
    class Meta:
        model = Rubric
        fields = ["name", "items", "is_active"]

    def clean_items(self) -> Any:
        """R-O18: weights positive, keys unique, sum 100 (the same check the scores use)."""
        return services.validate_rubric_items(self.cleaned_data["items"])


@admin.register(Rubric)
class RubricAdmin(SimpleHistoryAdmin):
    """The one thing edited here: the weighted rubric of the composite score (configurable, R-O18)."""

    form = RubricForm
    list_display = ["name", "is_active", "created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
