from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """统计与报告: dashboards, the unit page, bulletins, the annual summary and ledgers."""

    name = "pangting.reports"
    label = "reports"
    verbose_name = _("统计与报告")

    def ready(self) -> None:
        from pangting.core import jobs, registry

        jobs.register("reports.ledgers", "pangting.reports.ledger_jobs.export_job")  # large ledger exports
        jobs.register("reports.figures", "pangting.reports.study_figures.refresh_job")  # the dashboard's sums, timer
        registry.register_navigation_group("reports", _("统计报告"))
        registry.register_navigation(_("统计看板"), "reports:dashboard", "reports.view", "reports", order=180)
        registry.register_navigation(_("通报与年度总结"), "reports:document_list", "reports.view", "reports", order=200)
        registry.register_navigation(_("台账导出"), "reports:ledgers", "observation.view", "reports", order=220)
        # R-O23: the supervising levels a user reads, compared.
        registry.register_navigation(_("各级督导对比"), "reports:levels", "reports.view", "reports", order=225)
        # The leadership's home page: this year's figures above the to-do list (issue 16).
        registry.register_page_section("home", "pangting.reports.views.home.leadership_section", order=10)
        # Drafts the bulletin and summary from the findings, so it runs after compliance.
        registry.register_demo_hook("pangting.reports.demo.extend_demo", order=60)
        from pangting.core import transitions

        from .workflows import WORKFLOWS

        for workflow in WORKFLOWS:
            transitions.register(workflow)
        from . import checks  # noqa: F401  (registers R-O15 with the rule engine)
        from .yearend import register_parameters

        register_parameters()
        # R-O15: the year's summary and bulletin, reminded and listed as to-dos before they are due.
        from pangting.observation.reminders import register_source

        from .reminders import yearend_owed

        register_source("yearend", yearend_owed)
        registry.register_todo_provider("pangting.reports.todos.yearend_todos", order=60)
