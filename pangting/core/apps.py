from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared base: record base classes, layout templates, API error handling."""

    name = "pangting.core"
    label = "core"
    verbose_name = "基础"
