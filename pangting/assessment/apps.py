from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """考核: the ideology-responsibility assessment score sheet (R-O14) and leaders' 述学 reports."""

    name = "pangting.assessment"
    label = "assessment"
    verbose_name = _("意识形态责任制考核")
