"""The JSON shape mechanism: types become JSON Schemas, checked on save."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

import pytest
from django.core.exceptions import ValidationError

from pangting.core.jsonshape import check_shapes, schema_of, shape_errors


class Point(TypedDict):
    label: str
    score: int | float
    kind: Literal["a", "b"]
    note: NotRequired[str]


class Empty(TypedDict):
    pass


def test_it_derives_a_closed_object_schema_from_a_typeddict():
    schema = schema_of(Point)
    assert schema["required"] == ["kind", "label", "score"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["kind"] == {"enum": ["a", "b"]}


def test_it_accepts_a_value_of_the_shape_and_names_what_is_wrong_otherwise():
    assert shape_errors({"label": "x", "score": 1.5, "kind": "a"}, Point) == []
    assert shape_errors({"label": "x", "score": 1, "kind": "b", "note": "n"}, Point) == []
    errors = shape_errors({"label": 3, "score": "high", "kind": "c", "extra": 1}, Point)
    assert len(errors) == 4
    assert any(error.startswith("label:") for error in errors)
    assert any("extra" in error for error in errors)


def test_it_checks_lists_maps_and_unions():
    shape = list[dict[str, Point | Empty]]
    assert shape_errors([{"p": {"label": "x", "score": 0, "kind": "a"}, "q": {}}], shape) == []
    assert shape_errors([{"q": {"label": "x"}}], shape)
    assert shape_errors({"not": "a list"}, shape)


def test_it_refuses_to_save_a_column_that_does_not_fit_and_names_it():
    class Row:
        items = [1, 2]
        other = "free"

    check_shapes(Row(), {"items": list[int]})
    Row.items = [1, "two"]  # type: ignore[list-item]
    with pytest.raises(ValidationError) as refused:
        check_shapes(Row(), {"items": list[int]})
    assert "items" in refused.value.message_dict
    check_shapes(Row(), {"items": list[int]}, fields={"other"})  # not among the updated fields


def test_it_has_no_schema_for_types_json_cannot_hold():
    with pytest.raises(TypeError):
        schema_of(dict[int, str])
    with pytest.raises(TypeError):
        schema_of(set[str])
