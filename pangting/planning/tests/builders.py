"""Builders for planning tests: a committed or drawn draw over the personas' units, through the services."""

from __future__ import annotations

from typing import Any

from pangting.planning import services
from pangting.planning.models import Draw


def make_draw(w: Any, *, count: int = 1, drawn: bool = False, public_value: str = "3267.58", **fields: Any) -> Draw:
    fields.setdefault("purpose", "2026年秋季学期随机式巡听旁听")
    fields.setdefault("year", 2026)
    fields.setdefault("public_value_source", "2026年12月1日上证指数收盘点位")
    fields.setdefault("candidates", [w.unit_a, w.unit_b])
    draw = services.create_draw(actor=w.supervisor, supervisor_org=w.root, count=count, **fields)
    if drawn:
        draw = services.perform_draw(draw, public_value, actor=w.supervisor)
    return draw
