from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservationConfig(AppConfig):
    """巡听旁听 / 列席旁听: plans, visits, letters, records, feedback, rectification."""

    name = "pangting.observation"
    label = "observation"
    verbose_name = _("巡听旁听")

    def ready(self) -> None:
        from pangting.core import transitions

        from .workflows import WORKFLOWS

        for workflow in WORKFLOWS:
            transitions.register(workflow)
