"""Declared shapes for JSON columns, checked whenever the record is saved.

A model names the shape of each JSON column whose shape is fixed, as a type:

    class Visit(ShapedJSONMixin, ...):
        json_shapes = {"reply_due_basis": DeadlineBasis | NoDeadline}

The type is the contract for both readers: mypy reads the TypedDicts, and `save()` checks the
stored value against the JSON Schema derived from the same type (jsonschema), so the type and
the check cannot drift apart. TypedDicts are closed: a key the shape does not declare is refused.
Columns whose content varies by design (a rule's measured values, the audit detail) declare none.

Writes that bypass `save()` (`QuerySet.update`, `bulk_create`) are not checked.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import jsonschema
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
}


def schema_of(shape: Any) -> dict[str, Any]:
    """The JSON Schema of a shape type: TypedDict, list[...], dict[str, ...], Literal, unions, scalars."""
    if shape is Any:
        return {}
    if shape in _SCALARS:
        return dict(_SCALARS[shape])
    if is_typeddict(shape):
        hints = get_type_hints(shape, include_extras=True)
        properties, required = {}, []
        for name, hint in hints.items():
            # Read NotRequired/Required here: with postponed annotations (PEP 563) Python 3.11's
            # __required_keys__ cannot see them.
            marker = get_origin(hint)
            if marker in (typing.NotRequired, typing.Required):
                (hint,) = get_args(hint)
            if marker is typing.Required or (marker is not typing.NotRequired and shape.__total__):
                required.append(name)
            properties[name] = schema_of(hint)
        return {
            "type": "object",
            "properties": properties,
            "required": sorted(required),
            "additionalProperties": False,
        }
    origin, args = get_origin(shape), get_args(shape)
    if origin in (Union, types.UnionType):
        return {"anyOf": [schema_of(arg) for arg in args]}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is list:
        return {"type": "array", "items": schema_of(args[0]) if args else {}}
    if origin is dict:
        if args and args[0] is not str:
            raise TypeError(f"JSON object keys are strings, not {args[0]!r}")
        return {"type": "object", "additionalProperties": schema_of(args[1]) if args else {}}
    raise TypeError(f"no JSON Schema for {shape!r}")


_validators: dict[Any, jsonschema.protocols.Validator] = {}


def _validator(shape: Any) -> jsonschema.protocols.Validator:
    if shape not in _validators:
        schema = schema_of(shape)
        validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        validator_class.check_schema(schema)
        _validators[shape] = validator_class(schema)
    return _validators[shape]


def shape_errors(value: Any, shape: Any) -> list[str]:
    """What is wrong with `value` for `shape`, one line per problem (empty when it fits)."""
    errors = sorted(_validator(shape).iter_errors(value), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}" for error in errors]


def check_shapes(instance: Any, shapes: Mapping[str, Any], fields: set[str] | None = None) -> None:
    """Raise ValidationError naming each column whose value does not fit its declared shape."""
    problems: dict[str, list[str]] = {}
    for name, shape in shapes.items():
        if fields is not None and name not in fields:
            continue
        errors = shape_errors(getattr(instance, name), shape)
        if errors:
            problems[name] = [_("数据格式不符合约定：{detail}").format(detail=_("；").join(errors[:3]))]
    if problems:
        raise ValidationError(problems)


class ShapedJSONMixin:
    """Checks the model's declared JSON shapes (`json_shapes`) on every save."""

    json_shapes: ClassVar[Mapping[str, Any]] = {}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.json_shapes:
            update_fields = kwargs.get("update_fields")
            check_shapes(self, self.json_shapes, set(update_fields) if update_fields is not None else None)
        super().save(*args, **kwargs)  # type: ignore[misc]  # the model class that follows in the MRO
