"""The reports app's URLs: dashboards and the unit page at /reports/, bulletins and annual
summaries (R-O15) under /reports/bulletins/, ledgers under /reports/ledgers/."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("bulletins/", views.document_list, name="document_list"),
    path("bulletins/new/", views.document_create, name="document_create"),
    path("bulletins/<int:pk>/", views.document_detail, name="document_detail"),
    path("bulletins/<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("bulletins/<int:pk>/recompute/", views.document_recompute, name="document_recompute"),
    path("bulletins/<int:pk>/issue/", views.document_issue, name="document_issue"),
    path("bulletins/<int:pk>/cosign/", views.document_cosign, name="document_cosign"),
    path("bulletins/<int:pk>/versions/", views.document_versions, name="document_versions"),
    path("bulletins/<int:pk>/versions/<int:number>/docx/", views.document_docx, name="document_docx"),
    path("ledgers/", views.ledger_index, name="ledgers"),
    path("ledgers/export.xlsx", views.ledger_export, name="ledger_export"),
    path("ledgers/export-job", views.ledger_export_job, name="ledger_export_job"),
    path("levels/", views.level_dashboard, name="levels"),
]
