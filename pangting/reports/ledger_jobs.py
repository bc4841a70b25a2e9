"""Large ledger exports as background jobs (`pangting.core.jobs`; issue 15).

An export of at most PANGTING_LEDGER_JOB_ROWS rows is streamed in the request as before; a
larger one is written by the worker into the job's folder, with its progress counted row by
row, and downloaded from the job's page. The job keeps the export's parameters, not the rows,
and asks the policy again when it runs (`Scope(user)`): what leaves is what the user reaches
then. The threshold is on rows rather than always a job: small exports (the common case, one
unit and one semester) stay one click, and the threshold is what bounds a request's time: at
about 8,000 rows a second (bench/ledgers: 150,000 attendance rows in 18–19 s), the default
20,000 rows keep a request within a few seconds, even on a loaded server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from pangting.core import jobs
from pangting.core.models import Job
from pangting.lib.messages import N_, Message

from .ledgers import LEDGERS, XLSX_CONTENT_TYPE, Ledger, LedgerQuery, Period, Scope, file_name, write_ledgers

KIND = "reports.ledgers"


def row_count(ledgers: Sequence[Ledger], scope: Scope, query: LedgerQuery) -> int:
    """How many rows the export will have: one COUNT per ledger."""
    return sum(ledger.queryset(scope.reach(ledger), query).count() for ledger in ledgers)


def is_large(ledgers: Sequence[Ledger], scope: Scope, query: LedgerQuery) -> bool:
    return row_count(ledgers, scope, query) > settings.PANGTING_LEDGER_JOB_ROWS


def start_export(ledgers: Sequence[Ledger], query: LedgerQuery, *, actor: Any) -> Job:
    """Queue the export for the worker; the job's page shows its progress and the download."""
    period = query.period
    return jobs.start(
        KIND,
        title=_("台账导出：{name}").format(name=file_name(ledgers, query)),
        actor=actor,
        params={
            "user_id": actor.pk,
            "kinds": [ledger.key for ledger in ledgers],
            "year": period.year,
            "semester": period.semester,
            "months": list(period.months) if period.months else None,
            "unit_id": query.unit.pk if query.unit else None,
            # The download needs every kind's action still (`core.views_jobs.job_for_user`).
            "actions": sorted({str(ledger.action) for ledger in ledgers}),
        },
        action=ledgers[0].action,
    )


def export_job(
    job: Job,
    *,
    user_id: int,
    kinds: list[str],
    year: int,
    semester: int | None,
    months: list[int] | None,
    unit_id: int | None,
    actions: list[str] | None = None,  # for the job's page, not the work
) -> dict[str, Any]:
    """The worker's side: the same workbook the page streams, written to the job's folder."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise jobs.Refused(Message(N_("发起导出的账号已停用。")))
    scope = Scope(user)
    reached = {ledger.key for ledger in scope.ledgers()}
    unit = scope.units().filter(pk=unit_id).first() if unit_id is not None else None
    if unit_id is not None and unit is None:
        raise jobs.Refused(Message(N_("所选单位不存在，或不在您的查看范围内。")))
    query = LedgerQuery(Period(year, semester, tuple(months) if months else None), unit=unit)  # type: ignore[arg-type]
    ledgers = [LEDGERS[kind] for kind in kinds if kind in reached]
    if not ledgers:
        raise jobs.Refused(Message(N_("没有这种台账，或您无权查看这种台账。")))
    total = row_count(ledgers, scope, query)
    jobs.progress(job, 0, total, N_("正在生成台账，共{total}行。"), total=total)
    name = file_name(ledgers, query)
    with translation.override(settings.LANGUAGE_CODE):  # the ledgers are Chinese files
        write_ledgers(
            ledgers,
            scope,
            query,
            str(jobs.job_dir(job) / name),
            progress=lambda done: jobs.progress(job, done, total, N_("已写入{done}行。"), done=done),
        )
    return {"file": name, "content_type": XLSX_CONTENT_TYPE}
