from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    """Organizations, people, study groups, leader–unit links and liaisons."""

    name = "pangting.orgs"
    label = "orgs"
    verbose_name = _("组织与人员")
