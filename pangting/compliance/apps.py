from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """规则检查: every rule that can be checked from data, as small named checks with findings."""

    name = "pangting.compliance"
    label = "compliance"
    verbose_name = "规则检查"
