"""The rule registry: one small, named check per rule that can be checked from data.

A check is a plain function decorated with `@rule(...)`. It receives a `CheckContext` (the
year, the units in scope, today, its parameters) and yields `FindingData` — one per unit,
period and subject that falls short. Checks query in bulk over all units in scope, never
per unit, so a run costs the same number of queries whatever the data size.

Parameters (thresholds, frequencies, day counts and their units) are declared with the
rule into the one rule-parameter registry (`pangting.core.parameters`), keyed by rule ID,
where an earlier app may already have declared the rule's shared numbers (study declares
the R-S3 threshold its pages show). The checks only read `ctx.params`: every value the
registry holds for their rule ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise

from pangting.core import parameters
from pangting.core.parameters import Parameter

Severity = Literal["red", "amber"]
# One configurable parameter of a rule: the core registry's declaration.
Param = Parameter


@dataclass(frozen=True)
class Evidence:
    """A record behind a finding: model label ("study.studysession"), primary key and a short label."""

    model: str
    pk: int
    label: str = ""


@dataclass(frozen=True)
class FindingData:
    """What a check reports: one shortfall of one unit in one period, about one subject.

    `period` is "2026" (year), "2026-H1"/"2026-H2" (semester), "2026-Q3" (quarter) or
    "2026-03" (month). `key` tells apart several findings of one rule, unit and period
    (e.g. "session:123"); with (rule, unit, period) it identifies the finding across runs,
    which is what makes runs diffable.
    """

    unit_id: int
    period: str
    key: str
    severity: Severity
    message: str
    evidence: Sequence[Evidence] = ()
    measured: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckContext:
    """What a check may read: the year, the units in scope (Organization rows), today, its parameters."""

    year: int
    units: Sequence[Any]
    today: dt.date
    params: Mapping[str, Any]
    # Shared by the checks of one run, so that records several rules read (the year's
    # sessions with their facts) are loaded once: see `checks._common.cached`.
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def unit_ids(self) -> list[int]:
        return [u.pk for u in self.units]

    def offices(self) -> list[Any]:
        """The supervising organizations whose yearly duties the checks judge (those all of
        whose units are in scope, `orgs.units.offices_wholly_in`): read once for a run's part,
        which knows them already, and shared by the checks that judge offices."""
        if OFFICES not in self.cache:
            from pangting.orgs.units import offices_wholly_in

            self.cache[OFFICES] = offices_wholly_in(self.units)
        return self.cache[OFFICES]


OFFICES = "offices"  # `CheckContext.cache` key of `CheckContext.offices`


Check = Callable[[CheckContext], Iterable[FindingData]]


@dataclass(frozen=True)
class Rule:
    """A registered check: its rule ID from domain.md, a Chinese title, its parameters."""

    id: str
    title: str | Promise
    check: Check
    params: tuple[Param, ...] = ()
    description: str = ""
    # Whose findings the check makes: the units in scope ("units"), or the supervising
    # organizations all of whose units are in scope ("offices", `orgs.units.offices_wholly_in`).
    # A run reconciles with each check the findings it is able to make again.
    judges: str = "units"

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    title: str | Promise,
    *,
    params: Sequence[Param] = (),
    description: str = "",
    judges: str = "units",
) -> Callable[[Check], Check]:
    """Register `check` as the check of `rule_id` (e.g. "R-S3")."""
    if judges not in ("units", "offices"):
        raise ValueError(f"Rule {rule_id} judges units or offices, not {judges!r}.")

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"Rule {rule_id} is registered twice.")
        description_ = description or (check.__doc__ or "").strip()
        RULES[rule_id] = Rule(rule_id, title, check, tuple(params), description_, judges)
        parameters.register(rule_id, *params, title=title)
        return check

    return register


rule_sort_key = parameters.rule_sort_key  # R-S2 before R-S10; S, then O, then B, as in domain.md


def ordered_rules() -> list[Rule]:
    """Every registered rule in domain.md's order (imports the checks first)."""
    from . import checks  # noqa: F401  (registers the checks)

    return sorted(RULES.values(), key=lambda r: rule_sort_key(r.id))
