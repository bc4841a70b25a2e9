"""Assessment formulas, score sheets and leaders' study reports (述学)."""

from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.sheet, name="sheet"),
    path("export.xlsx", views.sheet_export, name="sheet_export"),
    path("scheme/", views.scheme, name="scheme"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/file/", views.report_file, name="report_file"),
    path("reports/<int:pk>/delete/", views.report_delete, name="report_delete"),
    path("reports/<int:pk>/rate/", views.report_rate, name="report_rate"),  # R-O22 民主评议
]
