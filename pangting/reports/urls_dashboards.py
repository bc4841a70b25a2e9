"""Dashboards and the unit page (included at /reports/ by pangting/reports/urls.py)."""

from django.urls import path

from . import views_dashboards

urlpatterns = [
    path("", views_dashboards.dashboard, name="dashboard"),
    path("units/<int:pk>/", views_dashboards.unit_detail, name="unit"),
]
