from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    """随机抽取与计划生成: auditable random draws (R-O2) and solver-made annual plans (R-O1)."""

    name = "pangting.planning"
    label = "planning"
    verbose_name = _("抽取与计划生成")
