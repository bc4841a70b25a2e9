from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    """考核: the ideology-responsibility assessment score sheet (R-O14) and leaders' 述学 reports."""

    name = "pangting.assessment"
    label = "assessment"
    verbose_name = "意识形态责任制考核"
