from django.apps import AppConfig


class StudyConfig(AppConfig):
    """Study plans, sessions, agenda, speeches, attendance and check-in, self-study, 三会一课."""

    name = "pangting.study"
    label = "study"
    verbose_name = "学习管理"
