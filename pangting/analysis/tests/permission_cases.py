"""Who may read the R-S8 judgement of a session, and the near-duplicate pairs and theme hints
(collected by pangting/tests/test_permission_matrix.py).

The R-S8 judgement: the same as who may view the session, on both sides of the fence.
Pairs and theme hints: the supervisor of both texts' units only (study.supervise); everyone
else gets 404, the API list answers every signed-in user with what they reach (nothing).
"""

from __future__ import annotations

from typing import Any

from pangting.observation.tests.permission_cases_parts import SUPERVISOR
from pangting.study.tests.permission_cases import STUDY_VIEW, session_pk
from pangting.tests.matrix import API, EVERYONE, POST_REDIRECT, Case, on_both_sides


def pair_pk(w: Any) -> int:
    """A pair of reflections of unit A and unit B, copied (made on first use, inside the case's savepoint)."""
    from pangting.analysis.models import TextPair
    from pangting.core.system import system_actor
    from pangting.study.services import add_reflection

    from .texts import NEAR_COPY, ORIGINAL

    pair = TextPair.objects.filter(first__organization=w.unit_a, second__organization=w.unit_b).first()
    if pair is None:
        add_reflection(w.member_person, actor=system_actor(), title="学习体会", text=ORIGINAL)
        add_reflection(w.member_b_person, actor=system_actor(), title="学习体会", text=NEAR_COPY)
        pair = TextPair.objects.get(first__organization=w.unit_a, second__organization=w.unit_b)
    return pair.pk


CASES: list[Case] = [
    *on_both_sides("analysis-substitution-detail", STUDY_VIEW, session_pk, **API),
    Case("analysis:calibration", SUPERVISOR),  # R-O18
    Case("analysis-calibration-list", SUPERVISOR, **API),
    Case("analysis:pair_list", SUPERVISOR),
    Case("analysis:theme_hints", SUPERVISOR),
    Case("analysis-themehint-list", SUPERVISOR, **API),
    Case("analysis:pair_detail", SUPERVISOR, kwargs=lambda w: {"pk": pair_pk(w)}),
    Case("analysis:pair_step", SUPERVISOR, kwargs=lambda w: {"pk": pair_pk(w), "step": "confirm"}, **POST_REDIRECT),
    Case("analysis-textpair-list", EVERYONE, **API),
    Case("analysis-textpair-detail", SUPERVISOR, kwargs=lambda w: {"pk": pair_pk(w)}, **API),
    Case("analysis-textpair-confirm", SUPERVISOR, kwargs=lambda w: {"pk": pair_pk(w)}, method="post", **API),
    Case(
        "analysis-textpair-dismiss",
        SUPERVISOR,
        kwargs=lambda w: {"pk": pair_pk(w)},
        method="post",
        data=lambda w: {"reason": "系本人两份材料"},
        **API,
    ),
]
