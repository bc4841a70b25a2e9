"""Full rule-check runs as background jobs (`pangting.core.jobs`; issue 15).

A run over every unit takes minutes on a province's data, so neither a page nor the nightly
timer runs it inline: the findings page (for who may configure the rules) and `manage.py
check_compliance --enqueue` (the nightly timer) queue a "compliance.run" job, and the worker
runs `services.run_checks` with its progress reported rule by rule. The small re-check of one
unit on its page (`services.refresh_unit`) stays in the request.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext

from pangting.accounts import policy
from pangting.core import jobs
from pangting.core.models import Job
from pangting.core.system import is_system, system_actor
from pangting.lib.messages import N_, Message

from . import services
from .models import ComplianceRun

KIND = "compliance.run"


def start_run(year: int, *, actor: Any, changed: bool = False) -> Job:
    """Queue a run of every rule over every unit for `year` (with `changed`, only the units whose
    records changed since the last complete run, as `check_compliance --changed`)."""
    return jobs.start(
        KIND,
        title=gettext("{year}年规则检查").format(year=year),
        actor=actor,
        params={"year": year, "changed": changed},
        # A person's run shows only while they may still configure the checks; the timer's has no page.
        action="" if is_system(actor) else policy.Action.COMPLIANCE_CONFIGURE,
    )


def run_job(job: Job, *, year: int, changed: bool = False) -> dict[str, Any]:
    """The worker's side: `services.run_checks`, telling the job before each rule."""
    actor = job.created_by or system_actor()
    scheduled = is_system(actor)
    if not scheduled and not (actor.is_active and policy.can(actor, policy.Action.COMPLIANCE_CONFIGURE)):
        raise jobs.Refused(Message(N_("您已无权运行规则检查。")))

    def report(done: int, total: int, rule_id: str) -> None:
        message = N_("正在检查{rule}（已完成{done}项，共{total}项）。")
        jobs.progress(job, done, total, message, rule=rule_id, done=done, total=total)

    trigger = ComplianceRun.Trigger.SCHEDULE if scheduled else ComplianceRun.Trigger.MANUAL
    units = services.changed_units(year) if changed else None
    services.run_checks(year, units=units, trigger=trigger, actor=actor, progress=report)
    return {"url": f"{reverse('compliance:finding_list')}?year={year}"}
