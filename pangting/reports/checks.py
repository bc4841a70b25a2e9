"""R-O15: by the end of December the supervisor issues the year's bulletin and its written summary.

Registered with the rule engine from `ReportsConfig.ready` (the documents live in this app,
which comes after compliance). Checked for a supervising organization only when all the units
it supervises are in scope, like R-O1.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from pangting.compliance.messages import finding_message
from pangting.compliance.registry import CheckContext, FindingData, Param, rule

from .models import DocumentKind
from .yearend import due_day, first_issued

# kind → (message when issued late, message when not issued)
MESSAGES = {
    DocumentKind.BULLETIN: (
        gettext_noop("{year}年度学习情况通报逾期印发（期限{due}）"),
        gettext_noop("{year}年度学习情况通报逾期未印发（期限{due}）"),
    ),
    DocumentKind.SUMMARY: (
        gettext_noop("{year}年度巡听旁听工作总结逾期印发（期限{due}）"),
        gettext_noop("{year}年度巡听旁听工作总结逾期未印发（期限{due}）"),
    ),
}


@rule(
    "R-O15",
    _("年度总结和通报"),
    params=[
        Param("due_month", 12, _("年度总结和通报印发截止月份"), "month"),
        Param("due_day", 31, _("年度总结和通报印发截止日"), "day"),
    ],
    judges="offices",
)
def summary_and_bulletin_issued(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O15: the year's bulletin and summary issued by the due day (`yearend.due_day`), by each
    supervising level for the units it supervises itself (R-O23). Red: not issued once due;
    amber: issued after it."""
    due = due_day(ctx.year, ctx.params)
    if ctx.today <= due:
        return
    offices = ctx.offices()
    issued = first_issued([o.pk for o in offices], ctx.year)
    for office in offices:
        for kind, (late, missing) in MESSAGES.items():
            day = issued.get((office.pk, kind))
            if day is not None and day <= due:
                continue
            yield FindingData(
                office.pk, str(ctx.year), f"{kind}:{ctx.year}", "amber" if day else "red",
                finding_message(late if day else missing, year=ctx.year, due=due),
                (), {"due": due.isoformat(), "issued": day.isoformat() if day else None},
            )  # fmt: skip
