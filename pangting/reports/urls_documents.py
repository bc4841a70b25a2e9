"""Bulletins and annual summaries (R-O15), under /reports/bulletins/."""

from django.urls import path

from . import views_documents as views

urlpatterns = [
    path("", views.document_list, name="document_list"),
    path("new/", views.document_create, name="document_create"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("<int:pk>/recompute/", views.document_recompute, name="document_recompute"),
    path("<int:pk>/issue/", views.document_issue, name="document_issue"),
    path("<int:pk>/versions/", views.document_versions, name="document_versions"),
    path("<int:pk>/versions/<int:number>/docx/", views.document_docx, name="document_docx"),
]
