from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    """规则检查: every rule that can be checked from data, as small named checks with findings."""

    name = "pangting.compliance"
    label = "compliance"
    verbose_name = _("规则检查")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks and their parameters)
