from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    """文本分析: what the records' text says, beyond what was declared (R-S8 from the agenda's text,
    near-duplicate texts, theme adherence of speeches)."""

    name = "pangting.analysis"
    label = "analysis"
    verbose_name = _("文本分析")

    def ready(self) -> None:
        from pangting.core import jobs, registry, transitions

        from . import (
            checks,  # noqa: F401  (registers the R-S8 check and its parameters)
            duplicates,
            sources,
        )
        from .workflows import WORKFLOWS

        jobs.register("analysis.scan_texts", "pangting.analysis.duplicates.scan_job")  # a full re-scan
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

        # Near-duplicate texts (issue 13 item 1): the kinds of text, the on-save check, the flags
        # the owning rule checks read, the pair workflow, the pages.
        sources.register_defaults()
        duplicates.register_parameters()
        registry.register_text_saved("pangting.analysis.duplicates.text_saved")
        # The theme hints (R-S6) keep the words of session and plan themes as they are saved.
        registry.register_text_saved("pangting.analysis.themes.text_saved")
        for source in sources.all_sources():
            registry.register_text_flags(source.kind, duplicates.flag_provider(source.kind))
        for workflow in WORKFLOWS:
            transitions.register(workflow)
        registry.register_navigation(_("雷同文本"), "analysis:pair_list", "study.supervise", "reports", order=195)
        registry.register_navigation(
            _("发言主题偏离提示"), "analysis:theme_hints", "study.supervise", "reports", order=196
        )
        registry.register_page_section("unit", "pangting.analysis.views.unit_section", order=20)
