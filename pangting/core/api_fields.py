"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class DisplayField(serializers.CharField):
    """The label of a choice field (`kind` → `kind_display`), in the request's language.

    The same as `CharField(source="get_kind_display")`, read without DRF's callable source: that
    inspects the method's signature on every row, a fifth of a long list's time (issue 15).
    """

    def __init__(self, choice_field: str, **kwargs: Any) -> None:
        self.choice_field = choice_field
        kwargs.setdefault("read_only", True)
        super().__init__(source="*", **kwargs)

    def to_representation(self, instance: Any) -> str:
        return str(getattr(instance, f"get_{self.choice_field}_display")())
