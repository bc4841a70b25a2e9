"""Related ids in API bodies, scoped by the policy like every list (issue 14 item 2).

The way NetBox restricts querysets: the records a related field accepts (and offers, in the
browsable API's forms) are the ones the requesting user reaches for an action, asked of the
policy through `core.registry.scope` (core cannot import the policy, which lives in a later
app). An id outside that reach answers exactly like an id that does not exist: the same
status, the same message with only the id the client sent, never the record's name or post.

* `ScopedRelatedField(queryset=..., action=...)`: declared on write serializers with the
  write action of the record being written (e.g. study.change for a session's host).
  `narrow(queryset, user)` restricts further where the page does (e.g. sessions one attended).
* Every relation a `ModelSerializer` builds by itself uses it too, scoped by the related
  model's own view action (`CoreConfig.ready` sets `ModelSerializer.serializer_related_field`),
  so no serializer can accept or list a record its user could not read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pangting.core import registry

Narrow = Callable[[models.QuerySet[Any], Any], models.QuerySet[Any]]

# The one message for a missing id and for an id outside the caller's reach.
DOES_NOT_EXIST = _("无效的编号“{pk_value}”，对象不存在。")
INCORRECT_TYPE = _("无效的编号：应为整数编号，收到的是 {data_type} 类型。")


def requesting_user(context: dict[str, Any]) -> Any:
    """The user of the request in a serializer's context, or None (then nothing is reachable)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def has_policy_path(model: type[models.Model]) -> bool:
    """Does the policy know which organization a record of `model` belongs to?

    Records without one (accounts, for instance) are never reachable through a related field.
    """
    org_field = getattr(model, "policy_org_field", "organization")
    if org_field == "pk":
        return True
    current: Any = model
    for part in org_field.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        current = field.related_model
        if current is None:
            return False
    return True


def scoped_queryset(
    queryset: models.QuerySet[Any], user: Any, action: str | None, narrow: Narrow | None = None
) -> models.QuerySet[Any]:
    """`queryset` restricted to what `user` reaches for `action` (None: the model's view action)."""
    if user is None or not has_policy_path(queryset.model):
        return queryset.none()
    queryset = registry.scope(queryset, user, action)
    return narrow(queryset, user) if narrow is not None else queryset


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key relation that accepts only records the requesting user reaches for `action`."""

    default_error_messages = {
        "does_not_exist": DOES_NOT_EXIST,
        "incorrect_type": INCORRECT_TYPE,
    }

    def __init__(self, action: str | None = None, *, narrow: Narrow | None = None, **kwargs: Any) -> None:
        self.action = action
        self.narrow = narrow
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet[Any]:
        return scoped_queryset(super().get_queryset(), requesting_user(self.context), self.action, self.narrow)
