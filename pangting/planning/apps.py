from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """随机抽取与计划生成: auditable random draws (R-O2) and solver-made annual plans (R-O1)."""

    name = "pangting.planning"
    label = "planning"
    verbose_name = "抽取与计划生成"
