"""The permission matrix over the invitation, cross-observation, practice and plan pages and the API.

Every persona (and an anonymous visitor) gets exactly the declared answer; forbidden is 404.
"""

from __future__ import annotations

import pytest

from pangting.tests.conftest import scoped_world, shared_world  # noqa: F401 (fixtures)
from pangting.tests.matrix import ScopedWorld, mismatches

from .permission_cases_parts import CASES


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_it_answers_each_persona_as_declared(scoped_world: ScopedWorld, case):  # noqa: F811
    problems = mismatches(scoped_world, case)
    assert not problems, "\n".join(problems)
