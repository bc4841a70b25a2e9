"""Who may read the R-S8 judgement of a session (collected by pangting/tests/test_permission_matrix.py).

The same as who may view the session: the study app's table, on both sides of the fence.
"""

from __future__ import annotations

from pangting.observation.tests.permission_cases_parts import SUPERVISOR
from pangting.study.tests.permission_cases import STUDY_VIEW, session_pk
from pangting.tests.matrix import API, Case, on_both_sides

CASES: list[Case] = [
    *on_both_sides("analysis-substitution-detail", STUDY_VIEW, session_pk, **API),
    Case("analysis:calibration", SUPERVISOR),  # R-O18
    Case("analysis-calibration-list", SUPERVISOR, **API),
]
