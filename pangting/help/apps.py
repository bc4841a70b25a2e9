from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpConfig(AppConfig):
    """帮助: the user guide per role, the page watermark and the marks on exported files.

    Last in the order of dependence: it may read every app, and no app imports it.
    """

    name = "pangting.help"
    label = "help"
    verbose_name = _("帮助")

    def ready(self) -> None:
        from pangting.core import registry

        # Last in the menu, for every signed-in user.
        registry.register_navigation(_("帮助"), "help:index", None, order=900)
