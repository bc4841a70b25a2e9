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
from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ..messages import choice, finding_message
from ..messages import label as text_label
from ..messages import period as period_param
from ..registry import CheckContext, Evidence, FindingData, Param, Severity, rule
from ._common import (
    PLAN,
    TEXT_PAIR,
    AgendaRow,
    SessionRow,
    cached,
    center_group_sessions,
    local_day,
    month_period,
    percent,
    period_name,
    session_evidence,
    year_sessions,
)
from ._receipts import receipt_findings


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
    from pangting.study.models import StudyPlan
    from pangting.study.parameters import get_parameters

    settings = get_parameters()
    grace = dt.timedelta(days=int(ctx.params["grace_days"]))
    plans = {p.organization_id: p for p in center_group_plans(ctx)}
    filed = (StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED)
    for unit in ctx.units:
        plan = plans.get(unit.pk)
        due = plan.due_on if plan else dt.date(ctx.year, settings.plan_due_month, settings.plan_due_day)
        if plan is not None and plan.status in filed and plan.submitted_at:
            submitted = local_day(plan.submitted_at)
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
    yield from receipt_findings(ctx, "R-S1")  # the supervisor has not signed for a filed plan


@rule("R-S2", _("每月至少开展一次集体学习研讨"))
def monthly_sessions(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S2: at least the required number of held center-group sessions with discussion in each period.

    The frequency itself is data: the active `MeetingFrequencyRule` rows with code R-S2
    (default: monthly, at least one), read through `frequency_report`, which counts held
    sessions that had collective discussion (speeches or a 交流研讨 agenda item) only: the
    one home of that count. Only periods that have ended are judged. Red: fewer than required.
    """
    from pangting.study.models import SessionKind

    from .branches import _branches  # the units' frequency report is read with the branches'

    for result in _branches(ctx)["units_report"]:
        if result.rule.rule_code != "R-S2" or result.rule.session_kind != SessionKind.CENTER_GROUP:
            continue
        for index, period in enumerate(result.periods):
            if period.ok is not False:
                continue
            yield FindingData(
                result.organization.pk, period_name(ctx.year, result.rule.period, index), "sessions", "red",
                finding_message(
                    gettext_noop("{period}有交流研讨（发言或研讨议程）的中心组学习{count}次，少于要求的{required}次"),
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
            pending = [a for a in row.attendances if a.needs_makeup]
            if pending:
                yield FindingData(
                    session.organization_id, month_period(row.day), f"makeup:{session.pk}", "amber",
                    finding_message(
                        gettext_noop("{day}学习会{count}名请假人员逾期未补学"), day=row.day, count=len(pending)
                    ),
                    (session_evidence(session),), {"pending": len(pending)},
                )  # fmt: skip


@rule(
    "R-S4",
    _("学习第一议题"),
    params=[Param("max_age_months", 3, _("第一议题所学讲话距会议不超过（月）"), "int", unit=_("个月"))],
)
def first_agenda_item(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S4: the FIRST agenda item of a session that has taken place is the 第一议题, and it names
    what is studied: the speech or instruction (`AgendaItem.source`) and its date (`source_date`).

    Red: no 第一议题, or one that is not the first item. Amber: the source or its date is not
    filled in, or the speech is older than `max_age_months` on the session day (not the latest).
    Each finding names the item (order and title) and the field.
    """
    max_age = int(ctx.params["max_age_months"])
    for row in center_group_sessions(ctx):
        if not row.taken_place:
            continue
        session = row.session
        found = _first_item_problem(row, list(row.agenda), max_age)
        if found is not None:
            severity, message, measured = found
            yield FindingData(
                session.organization_id, month_period(row.day), f"session:{session.pk}", severity, message,
                (session_evidence(session),), measured,
            )  # fmt: skip


def _first_item_problem(
    row: SessionRow, items: list[AgendaRow], max_age: int
) -> tuple[Severity, str, dict[str, Any]] | None:
    """(severity, message, measured) of a session's first shortfall against R-S4, or None."""
    from pangting.study.models import AgendaItem
    from pangting.study.rules import months_before

    first = next((i for i in items if i.kind == AgendaItem.Kind.FIRST_ITEM), None)
    if first is None:
        return "red", finding_message(gettext_noop("{day}学习会未安排“第一议题”"), day=row.day), {"field": "kind"}
    order = items.index(first) + 1
    measured = {"item": first.pk, "order": order}
    if order != 1:
        message = finding_message(
            gettext_noop("{day}学习会“第一议题”“{title}”排在议程第{order}项，应为第一项"),
            day=row.day, title=first.title, order=order,
        )  # fmt: skip
        return "red", message, {**measured, "field": "order"}
    missing = [name for name in ("source", "source_date") if not getattr(first, name)]
    if missing:
        fields = [_field(AgendaItem, name) for name in missing]
        message = finding_message(
            gettext_noop("{day}学习会第一议题“{title}”未填写{fields}"), day=row.day, title=first.title, fields=fields
        )
        return "amber", message, {**measured, "field": ",".join(missing)}
    age = months_before(cast(dt.date, first.source_date), row.day)  # not missing: a date
    if age > max_age:
        message = finding_message(
            gettext_noop("{day}学习会第一议题“{title}”所学讲话/指示日期为{date}，距会议{months}个月，超过{max_age}个月"),
            day=row.day, title=first.title, date=first.source_date, months=age, max_age=max_age,
        )  # fmt: skip
        return "amber", message, {**measured, "field": "source_date", "months": age}
    return None


@rule("R-S5", _("学习内容专题化并列入年度计划"))
def thematic_content(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S5: a session that has taken place is linked (`plan_theme`) to a theme of its own year's plan.

    Data can show the link to the plan, not whether the content was thematic in substance;
    a session off the plan may still be on a theme, so the finding is amber. A theme of another
    year's plan does not count. The finding names the field.
    """
    from pangting.study.models import StudySession

    field = StudySession._meta.get_field("plan_theme").verbose_name
    for row in center_group_sessions(ctx):
        if not row.taken_place:
            continue
        session = row.session  # with its theme's title and plan year (`center_group_sessions`)
        if session.plan_theme_id is None:
            message = finding_message(
                gettext_noop("{day}学习会未填写“{field}”，内容未对应年度学习计划专题"), day=row.day, field=field
            )
        elif session.theme_year != row.day.year:
            message = finding_message(
                gettext_noop("{day}学习会“{field}”为{year}年计划的专题“{theme}”，不是本年度计划的专题"),
                day=row.day, field=field, year=session.theme_year, theme=session.theme_title,
            )  # fmt: skip
        else:
            continue
        yield FindingData(
            row.session.organization_id, month_period(row.day), f"session:{row.session.pk}", "amber",
            message, (session_evidence(row.session),), {"field": "plan_theme"},
        )  # fmt: skip


@rule(
    "R-S6",
    _("发言人有书面发言材料"),
    # `min_written_chars` is declared by the study app (its session page counts with it too).
)
def written_speeches(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S6: a center-group session that has taken place has speakers, each with written material:
    an uploaded file or a text of at least `min_written_chars` characters (`Speech.written_text`).

    Red: no speakers at all (key "session:<pk>"), or a speaker with neither text nor file;
    amber: a text shorter than the minimum (key "speech:<pk>"). A speech whose text another
    app confirmed as copied (`core.registry.text_flags("speech", ...)`, the analysis app's
    confirmed pairs) keeps a red finding of its own (key "copy:<pk>"), whatever its length.
    Whether speeches stayed on the theme is for the observers to judge.
    """
    from pangting.core import registry
    from pangting.study import rules as study_rules
    from pangting.study.models import Speech

    min_chars = int(ctx.params["min_written_chars"])
    text_field = Speech._meta.get_field("written_text").verbose_name
    rows = [r for r in center_group_sessions(ctx) if r.taken_place]
    copies = registry.text_flags("speech", [s.pk for r in rows for s in r.speeches])
    for row in rows:
        session, speeches = row.session, list(row.speeches)
        period, evidence = month_period(row.day), (session_evidence(session),)
        if not speeches:
            yield FindingData(
                session.organization_id, period, f"session:{session.pk}", "red",
                finding_message(gettext_noop("{day}学习会没有交流发言人"), day=row.day),
                evidence, {"field": "speeches", "speeches": 0},
            )  # fmt: skip
            continue
        for speech in speeches:
            length = len("".join(speech.written_text.split()))
            if not study_rules.is_written(speech.written_text, bool(speech.file), min_chars):
                if length:
                    message = finding_message(
                        gettext_noop("{day}学习会发言人{speaker}的“{field}”仅{count}字，少于{min_chars}字，也未上传文件"),
                        day=row.day, speaker=speech.speaker_name, field=text_field, count=length, min_chars=min_chars,
                    )  # fmt: skip
                else:
                    message = finding_message(
                        gettext_noop("{day}学习会发言人{speaker}无书面发言材料（未填写“{field}”，也未上传文件）"),
                        day=row.day, speaker=speech.speaker_name, field=text_field,
                    )  # fmt: skip
                yield FindingData(
                    session.organization_id, period, f"speech:{speech.pk}", "amber" if length else "red",
                    message, evidence, {"item": speech.pk, "field": "written_text", "chars": length},
                )  # fmt: skip
            if speech.pk in copies:
                best = max(copies[speech.pk], key=lambda flag: flag["score"])
                yield FindingData(
                    session.organization_id, period, f"copy:{speech.pk}", "red",
                    finding_message(
                        gettext_noop("{day}学习会发言人{speaker}的“{field}”经认定与{org}的文本雷同（相似度{percent}%）"),
                        day=row.day, speaker=speech.speaker_name, field=text_field, org=best["other_org"],
                        percent=round(best["score"] * 100),
                    ),
                    (*evidence, Evidence(TEXT_PAIR, best["pair"], finding_message(gettext_noop("雷同文本对照")))),
                    {
                        "item": speech.pk, "field": "written_text", "copied": True,
                        "pairs": [flag["pair"] for flag in copies[speech.pk]],
                    },
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
    summarized = (
        set(
            Reflection.objects.filter(
                session_id__in=year_sessions(ctx).values("pk"), kind=Reflection.Kind.SUMMARY
            ).values_list("session_id", flat=True)
        )
        if rows
        else set()
    )  # by a subquery, not one parameter per session (`year_sessions`)
    for row in rows:
        if row.session.pk not in summarized:
            yield FindingData(
                row.session.organization_id, month_period(row.day), f"session:{row.session.pk}", "amber",
                finding_message(gettext_noop("{day}学习会会后未形成学习小结"), day=row.day),
                (session_evidence(row.session),),
            )  # fmt: skip
    yield from _copied_study_texts(ctx)


def _copied_study_texts(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S7: a reflection or summary, a self-study note or a session's minutes that the supervisor
    confirmed as a copy of another text (the analysis app's pairs, read through
    `core.registry.text_flags`): red, key "copy:<kind>:<pk>", until the pair is dismissed."""
    from pangting.core import registry
    from pangting.study.models import Reflection, SelfStudyRecord

    reflections = Reflection.objects.filter(organization_id__in=ctx.unit_ids, written_on__year=ctx.year)
    notes = SelfStudyRecord.objects.filter(organization_id__in=ctx.unit_ids, studied_on__year=ctx.year)
    kinds: list[tuple[str, list[Any], Any, Any, str]] = [
        ("reflection", list(reflections.select_related("person")), lambda r: r.written_on,
         lambda r: r.person.name, gettext_noop("学习体会/小结")),
        ("self_study", list(notes.select_related("person")), lambda r: r.studied_on,
         lambda r: r.person.name, gettext_noop("自学笔记")),
        ("minutes", [r.session for r in center_group_sessions(ctx)], lambda s: local_day(s.starts_at),
         lambda s: "", gettext_noop("学习会会议纪要")),
    ]  # fmt: skip
    for kind, items, day_of, author, what in kinds:
        flags = registry.text_flags(kind, [item.pk for item in items])
        for item in items:
            if item.pk not in flags:
                continue
            best = max(flags[item.pk], key=lambda flag: flag["score"])
            day = day_of(item)
            yield FindingData(
                item.organization_id, month_period(day), f"copy:{kind}:{item.pk}", "red",
                finding_message(
                    gettext_noop("{author}{day}的{what}经认定与{org}的文本雷同（相似度{percent}%）"),
                    author=author(item), day=day, what=text_label(what), org=best["other_org"],
                    percent=round(best["score"] * 100),
                ),
                (Evidence(TEXT_PAIR, best["pair"], finding_message(gettext_noop("雷同文本对照"))),),
                {"kind": kind, "item": item.pk, "pairs": [flag["pair"] for flag in flags[item.pk]]},
            )  # fmt: skip


@rule("R-S9", _("授课人及内容会前审核"))
def vetted_lecturers(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S9: an invited lecturer is approved before the session by someone outside the unit.

    Red: the session has taken place with the vetting (`lecturer_vetting`) pending or rejected;
    or approved with no approver recorded (`vetted_by`) or by a person of the unit itself.
    Amber: approved only after the session began (`vetted_at`). Each finding names the field.
    """
    from pangting.accounts.models import User
    from pangting.study.models import StudySession

    rows = [
        r for r in center_group_sessions(ctx)
        if r.taken_place and r.session.lecturer_name and not r.session.lecturer_person_id
    ]  # fmt: skip
    # The approvers by a subquery (a superset, looked up by id), not by a list of their ids.
    approvers = User.objects.filter(pk__in=year_sessions(ctx).filter(vetted_by__isnull=False).values("vetted_by_id"))
    vetted = any(r.session.vetted_by_id for r in rows)
    approver_paths = dict(approvers.values_list("pk", "person__organization__path")) if vetted else {}
    unit_paths = {u.pk: u.path for u in ctx.units}
    approved = StudySession.Vetting.APPROVED
    severity: Severity
    for row in rows:
        session = row.session
        lecturer = session.lecturer_name
        path = approver_paths.get(session.vetted_by_id) or ""
        unit_path = unit_paths.get(session.organization_id, "")
        if session.lecturer_vetting != approved:
            severity, field = "red", "lecturer_vetting"
            message = finding_message(
                gettext_noop("{day}学习会外请授课人“{lecturer}”未经审核（{field}：{status}）"),
                day=row.day, lecturer=lecturer, field=_field(session, field), status=choice(session, field),
            )  # fmt: skip
        elif session.vetted_by_id is None or (unit_path and path.startswith(unit_path)):
            severity, field = "red", "vetted_by"
            message = finding_message(
                gettext_noop("{day}学习会外请授课人“{lecturer}”的“{field}”不是本单位以外的审核人"),
                day=row.day, lecturer=lecturer, field=_field(session, field),
            )  # fmt: skip
        elif session.vetted_at is None or session.vetted_at > session.starts_at:
            severity, field = "amber", "vetted_at"
            message = finding_message(
                gettext_noop("{day}学习会外请授课人“{lecturer}”的“{field}”为{vetted}，晚于学习会开始"),
                day=row.day, lecturer=lecturer, field=_field(session, field),
                vetted=session.vetted_at or "—",
            )  # fmt: skip
        else:
            continue
        yield FindingData(
            session.organization_id, month_period(row.day), f"session:{session.pk}", severity, message,
            (session_evidence(session),), {"vetting": session.lecturer_vetting, "field": field},
        )  # fmt: skip


def _field(instance: Any, name: str) -> Any:
    """A model field's label as a message parameter (translated when shown)."""
    return getattr(instance._meta.get_field(name), "verbose_name", name)


@rule(
    "R-S10",
    _("学习安排报送表会前报送、会后材料按时报送"),
    params=[Param("red_after_days", 3, _("逾期超过该天数为红色（自然日）"), "days")],
)
def arrangement_and_report(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S10: the arrangement form by `arrangement_due`, the post-session report by `report_due`.

    The send times are the deliveries' (`study.services.deliveries`): the form counts when the
    liaison sent it on to the linked leader, the report when it was sent to the supervisor.
    The due dates were computed when the session was scheduled, from the study parameters
    (days and their unit, calendar or working) and are stored with their basis, so a later
    change of parameters or calendar does not move them; a due date the calendar could not
    compute is empty and not judged. Red: not sent once due, or sent more than
    `red_after_days` late; amber: sent late within that.
    """
    from pangting.core.models import Delivery
    from pangting.study.services.deliveries import ARRANGEMENT_TO_LEADER, REPORT
    from pangting.workdays.timeliness import is_late

    red_after = int(ctx.params["red_after_days"])
    rows = center_group_sessions(ctx)
    # The send times, read from the deliveries (one query): the liaison's send to the linked
    # leader for the form, the send to the supervisor for the report; lateness counts from them.
    sends = {
        (object_id, kind): sent_at
        for object_id, kind, sent_at in Delivery.objects.filter(
            app_label="study", model="studysession", kind__in=[ARRANGEMENT_TO_LEADER, REPORT],
            object_id__in=year_sessions(ctx).values("pk"),
        ).values_list("object_id", "kind", "sent_at")
    } if rows else {}  # fmt: skip
    for row in rows:
        session = row.session
        form_sent, report_sent = sends.get((session.pk, ARRANGEMENT_TO_LEADER)), sends.get((session.pk, REPORT))
        for key, label, due, sent_at in (
            ("arrangement", gettext_noop("学习安排报送表"), session.arrangement_due, form_sent),
            ("report", gettext_noop("会后材料"), session.report_due, report_sent),
        ):
            if key == "report" and not row.taken_place:
                continue
            sent = local_day(sent_at) if sent_at else None
            if due is None or not is_late(sent, due, ctx.today):
                continue
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
    yield from receipt_findings(ctx, "R-S10")  # an addressee has not signed for the form or the report


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
        count = row.postponements
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


@rule("R-S14", _("学习档案完整"))
def archive_complete(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S14: the unit's study archive for the year keeps every required item.

    The items (`items`: the filed annual plan, and per session the agenda, confirmed
    attendance, minutes, speeches, optionally the arrangement form, the report and study
    materials) and the filing time after a session (`grace_days`) are R-S14's parameters,
    declared by the study app whose archive page and export read the same list
    (`pangting.study.archive`). One finding per unit and year: red when the annual plan is
    missing, amber when only sessions' items are; the sessions concerned are the evidence.
    """
    from pangting.study.archive import archive_gaps

    # The run's instances of the same sessions, whose evidence is made once (`session_evidence`).
    loaded = {row.session.pk: row.session for row in center_group_sessions(ctx)}
    found = archive_gaps(ctx.units, ctx.year, today=ctx.today, values=dict(ctx.params), plans=center_group_plans(ctx))
    for archive in found:
        if archive.complete:
            continue
        gaps = archive.gaps
        sessions = list({g.session.pk: loaded.get(g.session.pk, g.session) for g in gaps if g.session}.values())
        yield FindingData(
            archive.unit.pk, str(ctx.year), "archive",
            "red" if any(g.item == "annual_plan" for g in gaps) else "amber",
            finding_message(
                gettext_noop("{year}年学习档案缺{count}项，如：{first}"),
                year=ctx.year, count=len(gaps), first=text_label(gaps[0].label),
            ),
            tuple(session_evidence(s) for s in sessions[:20]),
            {"missing": [[g.item, g.session.pk if g.session else None] for g in gaps]},
        )  # fmt: skip


def center_group_plans(ctx: CheckContext) -> list[Any]:
    """The year's center-group plans of the units in scope, whatever their status: one query per run
    for R-S1, R-S14 and the filed ones of R-S16 and R-S17 (`_filed_plans`)."""
    from pangting.study.models import PlanKind, StudyPlan

    def load() -> list[Any]:
        return list(
            StudyPlan.objects.filter(
                organization_id__in=ctx.unit_ids, year=ctx.year, kind=PlanKind.CENTER_GROUP
            ).select_related("organization")
        )

    return cached(ctx, "center_group_plans", load)


def _filed_plans(ctx: CheckContext) -> list[Any]:
    """The year's filed center-group plans of the units in scope, with their themes (R-S16, R-S17)."""
    from django.db.models import prefetch_related_objects

    from pangting.study.models import StudyPlan

    def load() -> list[Any]:
        filed = (StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED)
        plans = [plan for plan in center_group_plans(ctx) if plan.status in filed]
        prefetch_related_objects(plans, "themes")
        return plans

    return cached(ctx, "filed_center_group_plans", load)


@rule("R-S16", _("年度计划涵盖必学专题"))
def required_topics(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S16: each filed annual plan's themes carry every required topic tag (`PlanTheme.topics`).

    The list is the study parameter `required_topics` (default 意识形态, 安全生产, 党内法规).
    A plan not filed yet is R-S1's finding, not this one. Red: a required topic is missing;
    the finding names the plan, the field and the topics.
    """
    from pangting.study.models import PlanTheme

    required = [str(t) for t in ctx.params["required_topics"]]
    field = PlanTheme._meta.get_field("topics").verbose_name
    for plan in _filed_plans(ctx):
        covered = {topic for theme in plan.themes.all() for topic in theme.topics}
        missing = [t for t in required if t not in covered]
        if not missing:
            continue
        yield FindingData(
            plan.organization_id, str(ctx.year), "topics", "red",
            finding_message(
                gettext_noop("{year}年度学习计划的“{field}”未涵盖必学专题：{topics}"),
                year=ctx.year, field=field, topics=missing,
            ),
            (Evidence(PLAN, plan.pk, plan.title),), {"missing": missing, "field": "topics"},
        )  # fmt: skip


@rule(
    "R-S17",
    _("年度学习专题落实上级安排"),
    params=[Param("min_share", 80, _("落实上级年度专题比例下限（%）"), "percent", unit="%")],
)
def upper_themes(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S17 上下联动: a filed annual plan follows the upper level's annual themes.

    The upper level is the nearest organization above the unit with a center-group plan of the
    year (`study.services.adherence_by_plan`, in bulk); a theme follows one when its
    `upper_theme` names it.
    Amber: the share of upper themes followed is below `min_share`; the finding lists the
    upper themes not followed. Without an upper plan there is nothing to follow.
    """
    from pangting.study.models import PlanTheme
    from pangting.study.services import adherence_by_plan

    threshold = percent(ctx.params["min_share"])
    field = PlanTheme._meta.get_field("upper_theme").verbose_name
    plans = _filed_plans(ctx)
    adherence = adherence_by_plan(plans)
    for plan in plans:
        if plan.pk not in adherence:
            continue
        followed, total, missing = adherence[plan.pk]
        if not total or followed >= threshold * total:
            continue
        yield FindingData(
            plan.organization_id, str(ctx.year), "upper_themes", "amber",
            finding_message(
                gettext_noop("{year}年度学习计划“{field}”落实上级专题{followed}个，共{total}个，低于{min_share}%；未落实：{missing}"),
                year=ctx.year, field=field, followed=followed, total=total,
                min_share=str(ctx.params["min_share"]), missing=list(missing),
            ),
            (Evidence(PLAN, plan.pk, plan.title),),
            {"followed": followed, "total": total, "field": "upper_theme"},
        )  # fmt: skip


@rule("R-S15", _("年度计划和学习会方案经书记审定"))
def leader_approval(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S15 书记审定: a filed annual plan, and a session whose arrangement form was sent, carry the
    group leader's approval (`approval_state`), in the system or on paper.

    The services refuse to file or send before approval, so a finding means the approval was
    voided by an edit afterwards and not given again (or the data was changed by hand). Which
    records are judged: only those filed or sent since the approval was modelled. Plans filed
    and forms sent before (marked by the data migration) and sessions imported from a historical
    ledger carry `approval_legacy` and are never findings. Red, naming the record and the field.
    """
    from pangting.core.models import Delivery
    from pangting.study.models import Approval, StudyPlan
    from pangting.study.services.deliveries import ARRANGEMENT

    field = StudyPlan._meta.get_field("approval_state").verbose_name
    for plan in _filed_plans(ctx):
        if plan.approval_state == Approval.APPROVED or plan.approval_legacy:
            continue
        yield FindingData(
            plan.organization_id, str(ctx.year), "plan_approval", "red",
            finding_message(
                gettext_noop("{year}年度学习计划未经书记审定即报送（{field}：{status}）"),
                year=ctx.year, field=field, status=choice(plan, "approval_state"),
            ),
            (Evidence(PLAN, plan.pk, plan.title),), {"field": "approval_state", "state": plan.approval_state},
        )  # fmt: skip
    rows = [row for row in center_group_sessions(ctx) if not row.session.approval_legacy]
    if not rows:
        return
    sent = set(
        Delivery.objects.filter(
            app_label="study", model="studysession", kind=ARRANGEMENT, object_id__in=year_sessions(ctx).values("pk")
        ).values_list("object_id", flat=True)
    )
    for row in rows:
        session = row.session
        if session.pk not in sent or session.approval_state == Approval.APPROVED:
            continue
        yield FindingData(
            session.organization_id, month_period(row.day), f"approval:{session.pk}", "red",
            finding_message(
                gettext_noop("{day}学习会方案未经书记审定即报送学习安排报送表（{field}：{status}）"),
                day=row.day, field=field, status=choice(session, "approval_state"),
            ),
            (session_evidence(session),), {"field": "approval_state", "state": session.approval_state},
        )  # fmt: skip
