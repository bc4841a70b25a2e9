from django.apps import AppConfig


class OrgsConfig(AppConfig):
    """Organizations, people, study groups, leader–unit links and liaisons."""

    name = "pangting.orgs"
    label = "orgs"
    verbose_name = "组织与人员"
