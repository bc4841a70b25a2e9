"""Read-only admin for draws: records are append-only, and the seed is never shown before the draw."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import Draw, PlanRun


@admin.register(Draw)
class DrawAdmin(admin.ModelAdmin):
    list_display = ["draw_id", "purpose", "year", "status", "created_at"]
    list_filter = ["status", "year"]
    exclude = ["seed_hex"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    """Runs are made by the generator and approved on the planning page; the admin only reads them."""

    list_display = ["pk", "year", "status", "progress", "created_at", "approved_at"]
    list_filter = ["status", "year"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
