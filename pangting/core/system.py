"""The system actor: who acts when no person does (management commands, the demo builder,
scheduled jobs, data fixes). Issue 10 item 8: services take an explicit actor, never `None`.

The system actor is a real, inactive user without a usable password, so it cannot sign in, and
history rows and audit events name it like any other actor. The policy lets it take every action
(`accounts.policy.reach`); nobody else may be called `SYSTEM_USERNAME` (`accounts.services.create_user`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

SYSTEM_USERNAME = "system"


class MissingActor(TypeError):
    """A service was called with `actor=None`: pass the acting user, or `system_actor()`."""

    def __init__(self) -> None:
        super().__init__("actor is required: pass the acting user, or pangting.core.system.system_actor()")


def system_actor() -> Any:
    """The system user, created on first use."""
    user_model = get_user_model()
    # i18n: not interface (the stored name of the system account)
    user, created = user_model.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "系统"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system(actor: Any) -> bool:
    """Whether `actor` is the system user (by name, and only while it cannot sign in)."""
    return (
        getattr(actor, "username", None) == SYSTEM_USERNAME
        and getattr(actor, "pk", None) is not None
        and not actor.is_active
        and not actor.has_usable_password()
    )


def require_actor(actor: Any) -> Any:
    """`actor`, or `MissingActor` when it is None: the services' guard against an unnamed write."""
    if actor is None:
        raise MissingActor
    return actor
