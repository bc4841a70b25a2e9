from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """The official working-day calendar and deadline computation."""

    name = "pangting.workdays"
    label = "workdays"
    verbose_name = _("工作日日历")

    def ready(self) -> None:
        from pangting.core import registry

        registry.register_navigation(_("工作日日历"), "workdays:calendar", None, "system", order=230)
        registry.register_todo_provider("pangting.workdays.todos.calendar_todos", order=10)
