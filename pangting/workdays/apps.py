from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    """The official working-day calendar and deadline computation."""

    name = "pangting.workdays"
    label = "workdays"
    verbose_name = "工作日日历"
