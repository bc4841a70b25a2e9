from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """考核: the ideology-responsibility assessment score sheet (R-O14) and leaders' 述学 reports."""

    name = "pangting.assessment"
    label = "assessment"
    verbose_name = _("意识形态责任制考核")

    def ready(self) -> None:
        from pangting.core import registry

        registry.register_navigation(_("述学报告"), "assessment:report_list", "study.view", "study", order=90)
        registry.register_navigation(_("考核评分"), "assessment:sheet", "reports.view", "reports", order=210)
        # Leaders' 述学 reports and the year's formula: before compliance checks them (order 50).
        registry.register_demo_hook("pangting.assessment.demo.extend_demo", order=40)
