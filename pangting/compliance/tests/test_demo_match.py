"""Issue 6 done-when: `check_compliance --format json` for the demo year lists exactly the planted imperfections.

The study and observation demos record each imperfection where they decide it
(`context["planted"]`: rule, unit code, period, key). The demo is seeded once, in-process, the
way `seed_demo` does it, and the findings for 2026 must match the planted list one by one, rule
by rule, in both directions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command

from pangting.accounts.management.commands.seed_demo import DemoBuilder
from pangting.compliance.registry import ordered_rules
from pangting.core import registry

pytestmark = pytest.mark.django_db


def test_it_finds_exactly_what_the_demo_planted_in_2026():
    context = DemoBuilder().build()
    for extension in registry.demo_hooks():
        extension(context)
    out = StringIO()
    call_command("check_compliance", "--year", "2026", "--format", "json", stdout=out, stderr=StringIO())
    found: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for row in json.loads(out.getvalue()):
        found[row["rule"]].add((row["unit"], row["period"], row["key"]))
    planted: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for rule, unit, period, key in context["planted"]:
        if period.startswith("2026"):
            planted[rule].add((unit, period, key))
    problems = []
    for rule in (r.id for r in ordered_rules()):
        unexpected, missed = sorted(found[rule] - planted[rule]), sorted(planted[rule] - found[rule])
        if unexpected or missed:
            problems.append(f"{rule}: found but not planted {unexpected}; planted but not found {missed}")
    assert not problems, "\n".join(problems)
    assert sum(len(v) for v in found.values()) > 100  # the demo shows a realistic number of findings
