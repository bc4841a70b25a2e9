"""Base viewsets: every API list and detail goes through the policy module."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, viewsets


class ScopedViewSetMixin:
    """`get_queryset` scoped by the policy; writes need `change_action` at the record's organization.

    Subclasses set `queryset`, and `view_action` / `change_action` (policy action names).
    Objects outside scope are simply not in the queryset, so they answer 404.
    """

    view_action: ClassVar[str | None] = None
    change_action: ClassVar[str | None] = None

    def get_queryset(self) -> models.QuerySet[Any]:
        from pangting.accounts import policy

        qs = super().get_queryset()  # type: ignore[misc]
        action = self.view_action
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and self.change_action:  # type: ignore[attr-defined]
            action = self.change_action
        return policy.scope(qs, self.request.user, action)  # type: ignore[attr-defined]

    def respond_fresh(self, record: Any) -> Any:
        """The record as a step left it, read again (with the viewset's joins) and serialized.

        Read unscoped on purpose: the caller already reached it, and a step (e.g. a cancellation)
        must still answer with the result even if it changed what the user may see next time.
        """
        from rest_framework.response import Response

        fresh = self.queryset.all().get(pk=record.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(fresh).data)  # type: ignore[attr-defined]

    def require_change(self, organization: Any) -> None:
        from pangting.accounts import policy

        if not self.change_action or not policy.can(self.request.user, self.change_action, organization):  # type: ignore[attr-defined]
            raise exceptions.NotFound(_("未找到。"))


class Conflict(exceptions.APIException):
    """409: the record changed since the caller read it (a step sent with a stale `version`)."""

    status_code = 409
    default_detail = gettext_lazy("此记录已被他人修改，请刷新页面后重试。")
    default_code = "stale"


def as_drf_error(error: DjangoValidationError) -> exceptions.APIException:
    """A service's refusal as the API answers it: 409 for a stale version, else 400 with the messages."""
    from pangting.core.models import StaleRecord

    if isinstance(error, StaleRecord):
        return Conflict(error.messages[0])
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError({"detail": error.messages})


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
