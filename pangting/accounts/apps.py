from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, role assignments, API tokens, and the policy module."""

    name = "pangting.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from . import audit_hooks  # noqa: F401  (connects login/logout audit receivers)
