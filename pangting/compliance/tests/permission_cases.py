"""The compliance app's rows of the permission matrix (collected by pangting/tests/test_permission_matrix.py).

Rule parameters are deployment settings: only who configures compliance (the supervisor)
reaches them. Findings are read by everyone holding compliance.view somewhere (supervisor,
observation leader, liaison, study secretaries, leadership viewer), each within their reach.
"""

from __future__ import annotations

from pangting.tests.matrix import POST_REDIRECT, Case

CONFIGURERS = frozenset({"supervisor"})
VIEWERS = frozenset({"supervisor", "leader", "liaison", "secretary_a", "secretary_b", "viewer"})

CASES: list[Case] = [
    Case("compliance:rule_list", CONFIGURERS),
    Case(
        "compliance:rule_parameter",
        CONFIGURERS,
        data=lambda w: {"rule": "R-S3", "name": "min_rate", "value": "85"},
        **POST_REDIRECT,
    ),
    Case("compliance:finding_list", VIEWERS),
]
