from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """统计与报告: dashboards, the unit page, bulletins, the annual summary and ledgers."""

    name = "pangting.reports"
    label = "reports"
    verbose_name = "统计与报告"

    def ready(self) -> None:
        from pangting.core import transitions

        from .workflows import WORKFLOWS

        for workflow in WORKFLOWS:
            transitions.register(workflow)
