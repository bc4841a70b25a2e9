from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyConfig(AppConfig):
    """Study plans, sessions, agenda, speeches, attendance and check-in, self-study, 三会一课."""

    name = "pangting.study"
    label = "study"
    verbose_name = _("学习管理")

    def ready(self) -> None:
        from pangting.core import transitions

        from .workflows import WORKFLOWS

        for workflow in WORKFLOWS:
            transitions.register(workflow)
