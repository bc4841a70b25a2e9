from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    """规则检查: every rule that can be checked from data, as small named checks with findings."""

    name = "pangting.compliance"
    label = "compliance"
    verbose_name = _("规则检查")

    def ready(self) -> None:
        from pangting.core import jobs, registry

        from . import checks  # noqa: F401  (registers the checks and their parameters)

        registry.register_navigation(_("检查发现"), "compliance:finding_list", "compliance.view", "reports", order=190)
        registry.register_navigation(
            _("检查规则与参数"), "compliance:rule_list", "compliance.configure", "system", order=240
        )
        jobs.register("compliance.run", "pangting.compliance.jobs.run_job")  # full runs, page and timer
        # Checks every rule over all the demo data above, assessment's included.
        registry.register_demo_hook("pangting.compliance.demo.extend_demo", order=50)
