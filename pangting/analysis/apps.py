from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    """文本分析: what the records' text says, beyond what was declared (R-S8 from the agenda's text)."""

    name = "pangting.analysis"
    label = "analysis"
    verbose_name = _("文本分析")

    def ready(self) -> None:
        from pangting.core import registry

        from . import checks  # noqa: F401  (registers the R-S8 check and its parameters)

        registry.register_page_section("study_session", "pangting.analysis.views.session_section", order=10)
        # After planning (30), before compliance runs every check (50).
        registry.register_demo_hook("pangting.analysis.demo.extend_demo", order=45)
        # R-O24 grouping table and R-O18 strict and lenient teams, once the year's records exist.
        registry.register_demo_hook("pangting.analysis.demo_calibration.extend_demo", order=46)
        from .calibration import register_parameters

        register_parameters()  # R-O18: severity band, calibrated scores in the assessment
        registry.register_navigation(
            _("评分校准"), "analysis:calibration", "observation.manage", "observation", order=170
        )
