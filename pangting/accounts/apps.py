from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, role assignments, API tokens, and the policy module."""

    name = "pangting.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from . import audit_hooks  # noqa: F401  (connects login/logout audit receivers)
