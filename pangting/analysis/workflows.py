"""The near-duplicate pair's workflow as data: the supervisor confirms or dismisses a flagged pair.

Registered in `AnalysisConfig.ready`; run by `pangting.core.transitions.run_step`, which checks the
permission first (the supervisor of both texts' organizations), then the state and version.
A dismissed pair is final: later scans and on-save checks never raise it again.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from pangting.core.transitions import Edge, Workflow

from . import duplicates
from .models import TextPair

S = TextPair.State


def _decide(user: Any, pair: TextPair) -> bool:
    return duplicates.may_decide(user, pair)


PAIR = Workflow(
    model=TextPair,
    initial=S.OPEN,
    states=list(S),
    edges=[
        Edge(
            "confirm",
            S.OPEN,
            S.CONFIRMED,
            _decide,
            gettext_lazy("认定雷同"),
            confirm=gettext_lazy("认定后，两份文本所属规则的检查将据此保留问题。确定认定为雷同？"),
        ),
        Edge(
            "dismiss",
            S.OPEN,
            S.DISMISSED,
            _decide,
            gettext_lazy("排除"),
            needs_reason=gettext_lazy("请填写排除理由。"),
            confirm=gettext_lazy("排除后，这两份文本不会再被提示为雷同。确定排除？"),
        ),
        Edge(
            "dismiss",
            S.CONFIRMED,
            S.DISMISSED,
            _decide,
            gettext_lazy("撤销认定并排除"),
            needs_reason=gettext_lazy("请填写排除理由。"),
            confirm=gettext_lazy("排除后，这两份文本不会再被提示为雷同。确定排除？"),
        ),
    ],
    terminal=frozenset({S.DISMISSED}),
)

WORKFLOWS = [PAIR]
