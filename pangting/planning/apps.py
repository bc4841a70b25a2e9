from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    """随机抽取与计划生成: auditable random draws (R-O2) and solver-made annual plans (R-O1)."""

    name = "pangting.planning"
    label = "planning"
    verbose_name = _("抽取与计划生成")

    def ready(self) -> None:
        from pangting.core import jobs, parameters, registry

        jobs.register("planning.generate_plan", "pangting.planning.services.runs.generate_plan_job")

        # R-O20: how much a visit in a month its unit planned a session in is worth to the planner
        # (a soft goal; the workload spreads weigh 20 per visit, the linked team 10; 0 turns it off).
        parameters.register(
            "R-O20",
            parameters.Parameter("planned_month_weight", 5, _("计划生成中安排在单位计划学习月份的权重"), "int"),
            title=_("巡听旁听从各单位计划的学习中选取"),
        )

        registry.register_navigation(
            _("随机抽取"), "planning:draw_list", "observation.manage", "observation", order=150
        )
        registry.register_navigation(_("计划生成"), "planning:run_list", "observation.manage", "observation", order=160)
        registry.register_navigation(
            _("不可安排时间"), "planning:unavailability_list", "observation.manage", "observation", order=170
        )
        # Leaders' unavailable months for the 2027 plan, after the observation data.
        registry.register_demo_hook("pangting.planning.demo.extend_demo", order=30)
