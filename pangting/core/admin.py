"""Admin pieces the apps share, and the outbox's read-only list."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import OutboxMessage


class ReadOnlyAdmin:
    """Mixin for a ModelAdmin whose records change only through the pages and services (issue 10
    item 8, one write path): the admin may list and show them and their history, never add, change
    or delete, so no save bypasses the services' rules, audit and path bookkeeping."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: rows change only through the outbox's sender."""

    list_display = ["created_at", "channel", "address", "subject", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "channel"]
    search_fields = ["subject", "address", "dedup_key"]
    date_hierarchy = "created_at"
