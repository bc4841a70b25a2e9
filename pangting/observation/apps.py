from django.apps import AppConfig


class ObservationConfig(AppConfig):
    """巡听旁听 / 列席旁听: plans, visits, letters, records, feedback, rectification."""

    name = "pangting.observation"
    label = "observation"
    verbose_name = "巡听旁听"
