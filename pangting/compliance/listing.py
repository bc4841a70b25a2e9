"""The findings a list shows, and how many there are: one filter for the findings page and the API.

The rows are the findings the filter keeps; their number is the sum of the stored counts
(`FindingCount`, equal to a count of the findings after every run: `counts.check`) under the
same filter and the same policy scope. A province has 1.5 million findings a year: counting
them for the pager took most of the list's time (issue 15); their counts are 350,000 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from pangting.orgs.models import Organization

from .models import Finding, FindingCount

OPEN, RESOLVED = "open", "resolved"


@dataclass(frozen=True)
class FindingFilter:
    """What a findings list asks for; an empty field does not filter. `unit` keeps its subtree;
    `nothing` (an unknown unit asked for) keeps no finding."""

    year: int | None = None
    unit: Organization | None = None
    rule_id: str = ""
    severity: str = ""
    status: str = ""  # OPEN, RESOLVED or "" for both
    nothing: bool = False

    def _condition(self) -> Q:
        if self.nothing:
            return Q(pk__in=[])
        condition = Q()
        if self.year is not None:
            condition &= Q(year=self.year)
        if self.unit is not None:
            condition &= Q(unit__path__startswith=self.unit.path)
        if self.rule_id:
            condition &= Q(rule_id=self.rule_id)
        if self.severity:
            condition &= Q(severity=self.severity)
        return condition

    def findings(self, findings: QuerySet[Finding]) -> QuerySet[Finding]:
        """The findings of `findings` (already scoped by the policy) this filter keeps."""
        kept = findings.filter(self._condition())
        if self.status == OPEN:
            kept = kept.filter(resolved_at__isnull=True)
        elif self.status == RESOLVED:
            kept = kept.filter(resolved_at__isnull=False)
        return kept

    def count(self, counts: QuerySet[FindingCount]) -> int:
        """How many findings the filter keeps, from `counts` scoped by the policy as the findings are."""
        column: Any = {OPEN: F("open"), RESOLVED: F("total") - F("open")}.get(self.status, F("total"))
        return counts.filter(self._condition()).aggregate(n=Sum(column))["n"] or 0
