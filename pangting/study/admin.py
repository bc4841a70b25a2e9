from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AgendaItem,
    Attachment,
    Attendance,
    MeetingFrequencyRule,
    PlanTheme,
    Reflection,
    Reschedule,
    SecretaryTraining,
    SelfStudyPlan,
    SelfStudyRecord,
    Speech,
    StudyPlan,
    StudySession,
)


@admin.register(MeetingFrequencyRule)
class MeetingFrequencyRuleAdmin(SimpleHistoryAdmin):
    """三会一课 and center-group frequencies (R-S2, R-B1 … R-B4), editable per deployment."""

    list_display = ["rule_code", "session_kind", "applies_to", "period", "min_count", "requires_agenda_kind", "active"]
    list_filter = ["active", "session_kind"]


@admin.register(StudySession)
class StudySessionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organization", "kind", "status", "starts_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "organization__name"]
    raw_id_fields = ["organization", "group", "host", "led_by", "lecturer_person", "plan_theme"]


for model in (
    StudyPlan, PlanTheme, AgendaItem, Speech, Reschedule, Attendance, Attachment,
    SelfStudyPlan, SelfStudyRecord, Reflection, SecretaryTraining,
):  # fmt: skip
    admin.site.register(model, SimpleHistoryAdmin)
