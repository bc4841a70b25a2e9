"""Checks of the center-group study rules (R-S1 … R-S12; R-S8 lives in `pangting.analysis.checks`).

Most facts are already computed by the study app and stored with the records: each
session's due dates for the arrangement form and the report with their basis (R-S10), its
agenda kinds (R-S4), speeches with written material (R-S6), reschedule rows (R-S11),
attendance (R-S3). The checks read them through `session_facts` and the frequency report,
so the numbers here and on the study pages agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ..messages import choice, finding_message
from ..messages import label as text_label
from ..messages import period as period_param
from ..registry import CheckContext, Evidence, FindingData, Param, rule
from ._common import (
    PLAN,
    center_group_sessions,
    month_period,
    percent,
    period_name,
    session_evidence,
)


def _late_days(submitted: dt.date | None, due: dt.date, today: dt.date) -> int:
    return ((submitted or today) - due).days


@rule(
    "R-S1",
    _("年度学习计划按时报送"),
    params=[Param("grace_days", 0, _("逾期宽限天数（自然日）"), "days")],
)
def annual_plan(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S1: each unit files its annual study plan by the plan's due date (`StudyPlan.due_on`).

    Red: no plan filed (missing, draft or returned) once the due date (plus grace) has passed;
    a unit without any plan row is judged against the study parameters' due date. Amber: filed,
    but after the due date plus grace.
    """
    from pangting.study.models import PlanKind, StudyPlan
    from pangting.study.parameters import get_parameters

    settings = get_parameters()
    grace = dt.timedelta(days=int(ctx.params["grace_days"]))
    plans = {
        p.organization_id: p
        for p in StudyPlan.objects.filter(organization_id__in=ctx.unit_ids, year=ctx.year, kind=PlanKind.CENTER_GROUP)
    }
    filed = (StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED)
    for unit in ctx.units:
        plan = plans.get(unit.pk)
        due = plan.due_on if plan else dt.date(ctx.year, settings.plan_due_month, settings.plan_due_day)
        if plan is not None and plan.status in filed and plan.submitted_at:
            submitted = timezone.localdate(plan.submitted_at)
            if submitted > due + grace:
                yield FindingData(
                    unit.pk, str(ctx.year), "plan", "amber",
                    finding_message(
                        gettext_noop("{year}年度学习计划逾期报送（截止{due}，{submitted}报送）"),
                        year=ctx.year, due=due, submitted=submitted,
                    ),
                    (Evidence(PLAN, plan.pk, plan.title),),
                    {"due": due.isoformat(), "submitted": submitted.isoformat(), "late_days": (submitted - due).days},
                )  # fmt: skip
            continue
        if ctx.today <= due + grace:
            continue
        evidence = (Evidence(PLAN, plan.pk, plan.title),) if plan else ()
        if plan is None:
            message = finding_message(gettext_noop("{year}年度学习计划未报送（截止{due}）"), year=ctx.year, due=due)
        else:
            message = finding_message(
                gettext_noop("{year}年度学习计划仍为“{status}”（截止{due}）"),
                year=ctx.year, status=choice(plan, "status"), due=due,
            )  # fmt: skip
        yield FindingData(
            unit.pk, str(ctx.year), "plan", "red",
            message,
            evidence, {"due": due.isoformat(), "status": plan.status if plan else "missing"},
        )  # fmt: skip


@rule("R-S2", _("每月至少开展一次集体学习研讨"))
def monthly_sessions(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S2: at least the required number of held center-group sessions in each period.

    The frequency itself is data: the active `MeetingFrequencyRule` rows with code R-S2
    (default: monthly, at least one), read through `frequency_report`, which counts held
    sessions only. Only periods that have ended are judged. Red: fewer than required.
    """
    from pangting.study.models import SessionKind
    from pangting.study.services.frequency import frequency_report

    for result in frequency_report(list(ctx.units), ctx.year, today=ctx.today):
        if result.rule.rule_code != "R-S2" or result.rule.session_kind != SessionKind.CENTER_GROUP:
            continue
        for index, period in enumerate(result.periods):
            if period.ok is not False:
                continue
            yield FindingData(
                result.organization.pk, period_name(ctx.year, result.rule.period, index), "sessions", "red",
                finding_message(
                    gettext_noop("{period}中心组集体学习{count}次，少于要求的{required}次"),
                    period=period_param(period_name(ctx.year, result.rule.period, index)),
                    count=period.count, required=period.required,
                ),
                (), {"count": period.count, "required": period.required},
            )  # fmt: skip


@rule(
    "R-S3",
    _("参学率不低于90%，请假人员及时补学"),
    # `min_rate` is declared by the study app (the threshold its pages show): one number.
    params=[Param("makeup_days", 14, _("请假后补学期限（自然日）"), "days")],
)
def participation(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S3: participation rate (present ÷ expected, from the attendance rows) of each held session.

    Red: the rate is below `min_rate`. Amber: someone on leave has not made up the study
    (`Attendance.makeup_done_on` empty) `makeup_days` calendar days after the session.
    """
    threshold = percent(ctx.params["min_rate"])
    makeup_days = int(ctx.params["makeup_days"])
    for row in center_group_sessions(ctx):
        session, facts = row.session, row.facts
        if session.status != "held":
            continue
        rate = facts.participation_rate
        if rate is not None and rate < threshold:
            yield FindingData(
                session.organization_id, month_period(row.day), f"session:{session.pk}", "red",
                finding_message(
                    gettext_noop("{day}学习会参学率{rate}%，低于{min_rate}%"),
                    day=row.day, rate=f"{float(rate * 100):.1f}", min_rate=str(ctx.params["min_rate"]),
                ),
                (session_evidence(session),),
                {"present": facts.present_count, "expected": facts.expected_count},
            )  # fmt: skip
        if row.day + dt.timedelta(days=makeup_days) < ctx.today:
            pending = [a for a in session.attendances.all() if a.needs_makeup]
            if pending:
                yield FindingData(
                    session.organization_id, month_period(row.day), f"makeup:{session.pk}", "amber",
                    finding_message(
                        gettext_noop("{day}学习会{count}名请假人员逾期未补学"), day=row.day, count=len(pending)
                    ),
                    (session_evidence(session),), {"pending": len(pending)},
                )  # fmt: skip


@rule("R-S4", _("学习第一议题"))
def first_agenda_item(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S4: a session that has taken place has a 第一议题 agenda item (`AgendaItem.kind`). Red if not."""
    for row in center_group_sessions(ctx):
        if row.taken_place and not row.facts.has_first_agenda_item:
            yield FindingData(
                row.session.organization_id, month_period(row.day), f"session:{row.session.pk}", "red",
                finding_message(gettext_noop("{day}学习会未安排“第一议题”"), day=row.day),
                (session_evidence(row.session),),
            )  # fmt: skip


@rule("R-S5", _("学习内容专题化并列入年度计划"))
def thematic_content(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S5: a session that has taken place is linked to a theme of the plan (`plan_theme`).

    Data can show the link to the plan, not whether the content was thematic in substance;
    a session off the plan may still be on a theme, so the finding is amber.
    """
    for row in center_group_sessions(ctx):
        if row.taken_place and not row.facts.is_thematic:
            yield FindingData(
                row.session.organization_id, month_period(row.day), f"session:{row.session.pk}", "amber",
                finding_message(gettext_noop("{day}学习会内容未对应年度学习计划专题"), day=row.day),
                (session_evidence(row.session),),
            )  # fmt: skip


@rule("R-S6", _("发言人有书面发言材料"))
def written_speeches(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S6: every speaker of a session that has taken place has written material (text or file).

    Whether speeches stayed on the theme is for the observers to judge (the record's method
    area); data shows only the missing material. Amber: some speakers lack it; red: all do.
    """
    for row in center_group_sessions(ctx):
        facts = row.facts
        if not row.taken_place or facts.written_speech_count >= facts.speech_count:
            continue
        missing = facts.speech_count - facts.written_speech_count
        yield FindingData(
            row.session.organization_id, month_period(row.day), f"session:{row.session.pk}",
            "red" if facts.written_speech_count == 0 else "amber",
            finding_message(gettext_noop("{day}学习会{count}名发言人无书面发言材料"), day=row.day, count=missing),
            (session_evidence(row.session),),
            {"speeches": facts.speech_count, "written": facts.written_speech_count},
        )  # fmt: skip


@rule(
    "R-S7",
    _("会前自学、会后形成学习小结"),
    params=[
        Param("summary_days", 7, _("会后形成小结期限（自然日）"), "days"),
        Param("per_member", True, _("逐人检查会前自学和会后小结"), "bool"),
    ],
)
def study_summary(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S7: a session is followed by its study summary (`StudySession.summary`) or members' summaries.

    Amber when, `summary_days` calendar days after the session, neither the session summary
    nor any member's summary exists. With `per_member` (default), also per member present at
    a held session: self-study before it and a summary or reflection after it
    (`followup.member_records`, keys "selfstudy:<session>" and "summary:<session>").
    """
    from pangting.study.models import Reflection

    from .followup import member_records

    if ctx.params.get("per_member", True):
        yield from member_records(ctx, int(ctx.params["summary_days"]))

    rows = [r for r in center_group_sessions(ctx) if r.taken_place and not r.session.summary.strip()]
    rows = [r for r in rows if r.day + dt.timedelta(days=int(ctx.params["summary_days"])) < ctx.today]
    summarized = set(
        Reflection.objects.filter(
            session_id__in=[r.session.pk for r in rows], kind=Reflection.Kind.SUMMARY
        ).values_list("session_id", flat=True)
    )
    for row in rows:
        if row.session.pk not in summarized:
            yield FindingData(
                row.session.organization_id, month_period(row.day), f"session:{row.session.pk}", "amber",
                finding_message(gettext_noop("{day}学习会会后未形成学习小结"), day=row.day),
                (session_evidence(row.session),),
            )  # fmt: skip


@rule("R-S9", _("授课人及内容会前审核"))
def vetted_lecturers(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S9: an invited lecturer is approved (`lecturer_vetting`) before the session takes place.

    Red: the session has taken place with the vetting pending or rejected.
    """
    for row in center_group_sessions(ctx):
        if row.taken_place and row.facts.lecturer_vetting_pending:
            yield FindingData(
                row.session.organization_id, month_period(row.day), f"session:{row.session.pk}", "red",
                finding_message(
                    gettext_noop("{day}学习会外请授课人“{lecturer}”未经审核"),
                    day=row.day, lecturer=row.session.lecturer_name,
                ),
                (session_evidence(row.session),), {"vetting": row.session.lecturer_vetting},
            )  # fmt: skip


@rule(
    "R-S10",
    _("学习安排报送表会前报送、会后材料按时报送"),
    params=[Param("red_after_days", 3, _("逾期超过该天数为红色（自然日）"), "days")],
)
def arrangement_and_report(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S10: the arrangement form by `arrangement_due`, the post-session report by `report_due`.

    The due dates were computed when the session was scheduled, from the study parameters
    (days and their unit, calendar or working) and are stored with their basis, so a later
    change of parameters or calendar does not move them; a due date the calendar could not
    compute is empty and not judged. Red: not sent once due, or sent more than
    `red_after_days` late; amber: sent late within that.
    """
    red_after = int(ctx.params["red_after_days"])
    for row in center_group_sessions(ctx):
        session = row.session
        for key, label, due, sent_at in (
            ("arrangement", gettext_noop("学习安排报送表"), session.arrangement_due, session.arrangement_submitted_at),
            ("report", gettext_noop("会后材料"), session.report_due, session.report_submitted_at),
        ):
            if key == "report" and not row.taken_place:
                continue
            late = row.facts.arrangement_submitted_late if key == "arrangement" else row.facts.report_submitted_late
            if not late or due is None:
                continue
            sent = timezone.localdate(sent_at) if sent_at else None
            days = _late_days(sent, due, ctx.today)
            if sent:
                message = finding_message(
                    gettext_noop("{day}学习会{what}逾期{days}天报送（截止{due}）"),
                    day=row.day, what=text_label(label), days=days, due=due,
                )  # fmt: skip
            else:
                message = finding_message(
                    gettext_noop("{day}学习会{what}逾期未报送（截止{due}）"),
                    day=row.day,
                    what=text_label(label),
                    due=due,
                )
            yield FindingData(
                session.organization_id, month_period(row.day), f"{key}:{session.pk}",
                "red" if sent is None or days > red_after else "amber",
                message,
                (session_evidence(session),), {"due": due.isoformat(), "sent": sent.isoformat() if sent else None},
            )  # fmt: skip


@rule(
    "R-S11",
    _("学习会不得一再推迟"),
    params=[
        Param("max_postponements", 1, _("允许推迟次数"), "int"),
        Param("red_postponements", 3, _("推迟达到该次数为红色"), "int"),
    ],
)
def postponements(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S11: sessions postponed again and again (the `Reschedule` rows that moved it later).

    Amber: more than `max_postponements`; red: `red_postponements` or more.
    """
    for row in center_group_sessions(ctx):
        count = sum(1 for r in row.session.reschedules.all() if r.is_postponement)
        if count <= int(ctx.params["max_postponements"]):
            continue
        yield FindingData(
            row.session.organization_id, month_period(row.day), f"session:{row.session.pk}",
            "red" if count >= int(ctx.params["red_postponements"]) else "amber",
            finding_message(gettext_noop("{day}学习会已推迟{count}次"), day=row.day, count=count),
            (session_evidence(row.session),), {"postponements": count},
        )  # fmt: skip


@rule(
    "R-S12",
    _("书记领学"),
    params=[Param("min_share", 60, _("书记领学占比下限（%）"), "percent")],
)
def secretary_leads(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S12: the share of the year's sessions (so far) led by the group leader (书记), per unit.

    Reads `led_by` against the group's leader on the session day. Amber when the share of
    sessions that have taken place is below `min_share`; red when no session was.
    """
    led: dict[int, list] = defaultdict(list)
    for row in center_group_sessions(ctx):
        if row.taken_place:
            led[row.session.organization_id].append(row)
    threshold = percent(ctx.params["min_share"])
    for unit_id, rows in led.items():
        by_secretary = sum(1 for r in rows if r.facts.led_by_secretary)
        if by_secretary >= threshold * len(rows):
            continue
        others = [r for r in rows if not r.facts.led_by_secretary]
        yield FindingData(
            unit_id, str(ctx.year), "share", "red" if by_secretary == 0 else "amber",
            finding_message(
                gettext_noop("书记领学{led}次，占{sessions}次学习会的{share}%，低于{min_share}%"),
                led=by_secretary, sessions=len(rows), share=by_secretary * 100 // len(rows),
                min_share=str(ctx.params["min_share"]),
            ),
            tuple(session_evidence(r.session) for r in others), {"led": by_secretary, "sessions": len(rows)},
        )  # fmt: skip
