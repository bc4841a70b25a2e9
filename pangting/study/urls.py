from django.urls import path

from . import views
from .views import archive as archive_views
from .views import attendance as attendance_views
from .views import ledger_import as import_views

app_name = "study"
urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("calendar/", views.session_calendar, name="session_calendar"),
    path("calendar.ics", views.my_calendar_ics, name="my_calendar_ics"),
    path("feed/<str:key>.ics", views.calendar_feed, name="calendar_feed"),
    path("feed/issue/", views.calendar_feed_issue, name="calendar_feed_issue"),
    path("feed/revoke/", views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("sessions/new/", views.session_form, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_form, name="session_edit"),
    path("sessions/<int:pk>/reschedule/", views.session_reschedule, name="session_reschedule"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/vet/", views.session_vet, name="session_vet"),
    path("sessions/<int:pk>/submit/<str:what>/", views.session_submit, name="session_submit"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/attendance/add/", views.session_add_attendee, name="session_add_attendee"),
    path("sessions/<int:pk>/attendance/all-present/", attendance_views.session_all_present, name="session_all_present"),
    path("sessions/<int:pk>/attendance/close/", views.session_close_attendance, name="session_close_attendance"),
    path("sessions/<int:pk>/qr.svg", views.session_qr, name="session_qr"),
    path("sessions/<int:pk>/checkin/", views.checkin_confirm, name="checkin_confirm"),
    path("sessions/<int:pk>/checkin/<str:token>/", views.checkin, name="checkin"),
    path("sessions/<int:pk>/display/", views.session_display, name="session_display"),
    path("sessions/<int:pk>/display/state.json", views.session_display_state, name="session_display_state"),
    path("sessions/<int:pk>/attendance/paper/", views.session_paper_sheet, name="session_paper_sheet"),
    path("sessions/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("sessions/<int:pk>/documents/<str:kind>.docx", views.session_document, name="session_document"),
    path("attendance/<int:pk>/makeup/", views.attendance_makeup, name="attendance_makeup"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("speeches/<int:pk>/file/", views.speech_file, name="speech_file"),
    path("my/", views.my_study, name="my_study"),
    path("my/self-study-plan/", views.self_plan_save, name="self_plan_save"),
    path("my/self-study/", views.self_record_add, name="self_record_add"),
    path("my/reflections/", views.reflection_add, name="reflection_add"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_form, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_form, name="plan_edit"),
    path("plans/<int:pk>/<str:to>/", views.plan_transition, name="plan_transition"),
    path("branches/", views.branch_overview, name="branch_overview"),
    path("trainings/", views.training_list, name="training_list"),
    path("sessions/import/", import_views.session_import, name="session_import"),
    path("sessions/import/template.xlsx", import_views.session_import_template, name="session_import_template"),
    path("archive/", archive_views.archive_overview, name="archive_overview"),
    path("archive/<int:org>/<int:year>/export.zip", archive_views.archive_export, name="archive_export"),
]
