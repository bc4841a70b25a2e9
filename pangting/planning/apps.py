from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    """随机抽取与计划生成: auditable random draws (R-O2) and solver-made annual plans (R-O1)."""

    name = "pangting.planning"
    label = "planning"
    verbose_name = _("抽取与计划生成")

    def ready(self) -> None:
        from pangting.core import registry

        registry.register_navigation(
            _("随机抽取"), "planning:draw_list", "observation.manage", "observation", order=150
        )
        registry.register_navigation(_("计划生成"), "planning:run_list", "observation.manage", "observation", order=160)
        registry.register_navigation(
            _("不可安排时间"), "planning:unavailability_list", "observation.manage", "observation", order=170
        )
        # Leaders' unavailable months for the 2027 plan, after the observation data.
        registry.register_demo_hook("pangting.planning.demo.extend_demo", order=30)
