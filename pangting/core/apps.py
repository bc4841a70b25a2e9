from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared base: record base classes, layout templates, API error handling."""

    name = "pangting.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from pangting.core import registry

        from . import checks, outbox_channels  # noqa: F401  (checks: audit settings)

        outbox_channels.register()  # e-mail and group robots for the outbox
        from . import lookups

        lookups.register()  # `__any_of`: many ids as one array parameter on PostgreSQL
        from django.db.backends.signals import connection_created

        from . import pg_timestamps

        # PostgreSQL timestamps parsed by psycopg's compiled loader, not Django's Python one.
        connection_created.connect(pg_timestamps.connection_created, dispatch_uid="pangting_pg_timestamps")
        registry.register_navigation_group("system", _("系统管理"))
        registry.register_navigation(_("我的待办"), "home", None, order=10)

        # Relations a ModelSerializer builds by itself accept and offer only what the user reaches.
        from rest_framework import serializers

        from .scoped_fields import ScopedRelatedField

        serializers.ModelSerializer.serializer_related_field = ScopedRelatedField

        # SQLite has statistics only when asked (`refresh_statistics`): each migrate refreshes them.
        post_migrate.connect(_sqlite_statistics, sender=self)


def _sqlite_statistics(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from .demo import refresh_statistics

    if connections[using].vendor == "sqlite":
        refresh_statistics(using)
