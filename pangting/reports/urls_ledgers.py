"""Ledgers (台账): the page and the Excel export, at /reports/ledgers/."""

from django.urls import path

from . import views_ledgers

urlpatterns = [
    path("", views_ledgers.ledger_index, name="ledgers"),
    path("export.xlsx", views_ledgers.ledger_export, name="ledger_export"),
]
