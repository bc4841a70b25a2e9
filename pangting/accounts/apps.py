from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, role assignments, API tokens, and the policy module."""

    name = "pangting.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from pangting.core import registry

        registry.register_navigation(_("账号与角色"), "accounts:user_list", "accounts.manage", "system", order=250)
        registry.register_navigation(_("审计日志"), "accounts:audit_log", "audit.view", "system", order=260)
        registry.register_todo_provider("pangting.accounts.todos.account_todos", order=30)
        registry.register_scope("pangting.accounts.policy.scope")  # Model.objects.for_user asks it
        registry.register_can("pangting.accounts.policy.can")  # core's job pages ask it
        # Connect the login/logout audit receivers; the second factor's sign-in receiver and check.
        from . import audit_hooks, otp  # noqa: F401
        from .sso import checks  # noqa: F401  (single sign-on settings checked at start-up)
