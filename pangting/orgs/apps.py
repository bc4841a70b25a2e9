from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    """Organizations, people, study groups, leader–unit links and liaisons."""

    name = "pangting.orgs"
    label = "orgs"
    verbose_name = _("组织与人员")

    def ready(self) -> None:
        from pangting.core import registry

        registry.register_navigation_group("directory", _("组织人员"))
        registry.register_navigation(_("组织架构"), "orgs:organization_list", "directory.view", "directory", order=20)
        registry.register_navigation(_("人员"), "orgs:person_list", "directory.view", "directory", order=30)
        registry.register_navigation(_("领导联系单位"), "orgs:link_list", "directory.view", "directory", order=40)
        registry.register_todo_provider("pangting.orgs.todos.directory_todos", order=20)
