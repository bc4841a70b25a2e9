"""Checks of the observation rules (R-O4, R-O8 … R-O13).

The deadlines (reply, record, feedback, cross-observation report) were computed by the
observation services when each step happened, from the configured day counts and their
unit (working days through `pangting.workdays`), and are stored on the records with their
basis. The checks compare against those stored dates, so a later change of parameters or
of the calendar does not silently move a deadline already issued. A deadline the calendar
could not compute (its year not entered yet) is stored empty with a visible warning on the
visit; it is never guessed here, so it yields no finding until the year is entered.

Periods are the visit's semester ("2026-H1" spring, "2026-H2" autumn).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from pangting.core import registry
from pangting.core.semesters import semester_end
from pangting.workdays.timeliness import LATE, OVERDUE, classify

from ..messages import choice, finding_message, label
from ..messages import period as period_param
from ..registry import CheckContext, Evidence, FindingData, Param, rule
from ._common import CROSS, FEEDBACK, RECORD, RECTIFICATION, TEXT_PAIR, VISIT, cached, local_day, semester_period
from ._receipts import receipt_findings


def _visit_label(visit: Any) -> str:
    return finding_message(
        gettext_noop("{year}年{mode}巡听旁听（{state}）"),
        year=visit.year, mode=choice(visit, "mode"), state=choice(visit, "state"),
    )  # fmt: skip


def year_visits(ctx: CheckContext) -> Any:
    """The year's visits to the units in scope (not cancelled), as a queryset: the checks select
    the rows of those visits by it as a subquery, never by a list of their ids."""
    from pangting.observation.models import State, Visit

    return Visit.objects.filter(unit_id__in=ctx.unit_ids, year=ctx.year).exclude(state=State.CANCELLED)


def _visits(ctx: CheckContext) -> list[Any]:
    """The visits of `year_visits`, with record and feedback: one query."""

    def load() -> list[Any]:
        return list(
            year_visits(ctx).select_related("record", "feedback", "unit", "supervisor_org", "session").order_by("pk")
        )

    return cached(ctx, "visits", load)


def _related(visit: Any, name: str) -> Any:
    try:
        return getattr(visit, name)
    except ObjectDoesNotExist:  # a reverse one-to-one not created yet
        return None


def _deadline_finding(
    ctx: CheckContext,
    visit: Any,
    *,
    key: str,
    what: str,
    due: dt.date | None,
    done: dt.date | None,
    evidence: tuple[Evidence, ...],
    red_after: int,
) -> FindingData | None:
    """Red when not done once due or done more than `red_after` days late; amber when a little late.

    Not done yet: the visit's current obligation (`observation/obligations.py`, the same one the
    to-dos, reminders and the visit page show) must be this step and overdue.
    """
    from pangting.observation.obligations import current_obligation

    if due is None or classify(done, due, ctx.today) not in (LATE, OVERDUE):  # `workdays.timeliness`
        return None
    if done is None:
        owed = current_obligation(visit, ctx.today)
        if owed is None or owed.step != key or not owed.overdue:
            return None
    days = ((done or ctx.today) - due).days
    if done:
        message = finding_message(gettext_noop("{what}逾期{days}天（期限{due}）"), what=label(what), days=days, due=due)
    else:
        message = finding_message(gettext_noop("{what}逾期未完成（期限{due}）"), what=label(what), due=due)
    return FindingData(
        visit.unit_id, semester_period(visit.year, visit.semester), f"{key}:{visit.pk}",
        "red" if done is None or days > red_after else "amber",
        message,
        (Evidence(VISIT, visit.pk, _visit_label(visit)), *evidence),
        {"due": due.isoformat(), "done": done.isoformat() if done else None},
    )  # fmt: skip


@rule(
    "R-O4",
    _("函告后7个工作日内回复并报送学习会方案"),
    params=[Param("red_after_days", 3, _("逾期超过该天数为红色（自然日）"), "days")],
)
def reply_in_time(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O4: the unit replies by `Visit.reply_due` (7 working days after delivery, stored with its basis).

    The reply is the delivery the unit's liaison or study secretary sent (`observation.services.reply`):
    it counts from its send day. A reply recorded before replies were deliveries counts from
    `Visit.reply_received_on`. Red: no reply once due (or more than `red_after_days` late); amber: a late reply.
    """
    from pangting.observation.services.reply import reply_sent_days

    visits = _visits(ctx)
    sent = reply_sent_days(year_visits(ctx).values("pk")) if visits else {}  # a subquery: `visits` are these
    for visit in visits:
        finding = _deadline_finding(
            ctx, visit, key="reply", what=gettext_noop("被旁听单位回复函告"), due=visit.reply_due,
            done=sent.get(visit.pk, visit.reply_received_on), evidence=(), red_after=int(ctx.params["red_after_days"]),
        )  # fmt: skip
        if finding:
            yield finding
    yield from receipt_findings(ctx, "R-O4")  # the supervisor's people have not signed for the reply


@rule(
    "R-O8",
    _("会后3天内报送列席旁听记录"),
    params=[Param("red_after_days", 3, _("逾期超过该天数为红色（自然日）"), "days")],
)
def record_in_time(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O8: the liaison files the record by `Visit.record_due` (3 days after the session, stored).

    Filing date is `ObservationRecord.filed_at`. Red: not filed once due, or very late; amber: late.
    Also red: a record the supervisor confirmed as a copy of another text (issue 13, the
    near-duplicate pairs read through `registry.text_flags`), kept until the pair is dismissed.
    """
    visits = _visits(ctx)
    records = [record for visit in visits if (record := _related(visit, "record")) is not None]
    copies = registry.text_flags("observation_record", [record.pk for record in records])
    for visit in visits:
        record = _related(visit, "record")
        filed = local_day(record.filed_at) if record and record.filed_at else None
        evidence = (Evidence(RECORD, record.pk, finding_message(gettext_noop("列席旁听记录表"))),) if record else ()
        finding = _deadline_finding(
            ctx, visit, key="record", what=gettext_noop("列席旁听记录填报"), due=visit.record_due, done=filed,
            evidence=evidence, red_after=int(ctx.params["red_after_days"]),
        )  # fmt: skip
        if finding:
            yield finding
        if record is not None and record.pk in copies:
            yield _copy_finding(visit, f"copy:{record.pk}", gettext_noop("列席旁听记录"), copies[record.pk], evidence)


@rule(
    "R-O9",
    _("10个工作日内书面反馈"),
    params=[Param("red_after_days", 5, _("逾期超过该天数为红色（自然日）"), "days")],
)
def feedback_in_time(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O9: written feedback issued by `Visit.feedback_due` (10 working days, stored with its basis).

    Also amber: an issued feedback marking a checklist point as a problem without evidence
    (the rule asks for evidence-based feedback). A feedback due date in a year the calendar
    does not know is empty: no finding, the visit shows the warning.
    """
    for visit in _visits(ctx):
        feedback = _related(visit, "feedback")
        issued = local_day(feedback.issued_at) if feedback and feedback.issued_at else None
        evidence = (
            (Evidence(FEEDBACK, feedback.pk, feedback.number or finding_message(gettext_noop("反馈意见"))),)
            if feedback
            else ()
        )
        finding = _deadline_finding(
            ctx, visit, key="feedback", what=gettext_noop("书面反馈意见印发"), due=visit.feedback_due, done=issued,
            evidence=evidence, red_after=int(ctx.params["red_after_days"]),
        )  # fmt: skip
        if finding:
            yield finding
        if issued:
            bare = [label for _key, label, text in feedback.problems() if not text.strip()]
            if bare:
                yield FindingData(
                    visit.unit_id, semester_period(visit.year, visit.semester), f"evidence:{visit.pk}", "amber",
                    finding_message(
                        gettext_noop("反馈意见中{count}个问题未写明依据：{points}"), count=len(bare), points=list(bare)
                    ),
                    (Evidence(VISIT, visit.pk, _visit_label(visit)), *evidence),
                )  # fmt: skip


@rule(
    "R-O10",
    _("问题整改跟踪到验收"),
    params=[Param("verify_days", 15, _("整改报送后验收期限（自然日）"), "days")],
)
def rectification_followed(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O10, R-O25: each rectification item is done by its deadline and then verified.

    Overdue (still open or sent back after its `deadline`): amber while it escalates to the unit,
    the linked leader and the supervisor; red once overdue more than `red_after_days` working days
    (`observation.rectification.escalation`, the same steps the reminders follow). Amber too:
    reported by the unit but not verified `verify_days` calendar days later. Items on a unit's own
    problem list (no visit) count in the semester they were opened.
    """
    from django.db.models import Q

    from pangting.core import parameters
    from pangting.core.semesters import semester_of
    from pangting.observation import rectification
    from pangting.observation.models import Rectification
    from pangting.observation.obligations import rectification_obligation
    from pangting.workdays.services import get_calendar

    visits = {v.pk: v for v in _visits(ctx)}
    escalation_params = parameters.values(rectification.RULE)
    items = list(
        Rectification.objects.filter(
            Q(visit_id__in=year_visits(ctx).values("pk"))  # a subquery: `visits` are these
            | Q(visit__isnull=True, unit_id__in=ctx.unit_ids, created_at__year=ctx.year)
        )
        .select_related("unit")
        .order_by("pk")
    )
    copies = registry.text_flags("rectification_report", [item.pk for item in items])
    for item in items:
        visit = visits.get(item.visit_id) if item.visit_id else None
        evidence: tuple[Evidence, ...] = (Evidence(RECTIFICATION, item.pk, item.problem[:40]),)
        if visit is not None:
            period = semester_period(visit.year, visit.semester)
            evidence += (Evidence(VISIT, visit.pk, _visit_label(visit)),)
        else:
            period = semester_period(*semester_of(local_day(item.created_at)))
        owed = rectification_obligation(item, ctx.today, visit=visit)  # the unit's open item, by its deadline
        if owed is not None and owed.step == "rectify" and owed.overdue and item.deadline:
            calendar = cached(ctx, "calendar", get_calendar)  # read once a run, not once per overdue item
            level = rectification.escalation(item, ctx.today, escalation_params, calendar=calendar)
            yield FindingData(
                item.unit_id, period, f"rectification:{item.pk}", "red" if level.red else "amber",
                finding_message(
                    gettext_noop("整改事项逾期{days}个工作日未完成（期限{due}）：{problem}"),
                    days=level.overdue_days,
                    due=item.deadline,
                    problem=item.problem[:40],
                ),
                evidence, {"deadline": item.deadline.isoformat(), "escalation": level.level},
            )  # fmt: skip
        elif item.status == Rectification.Status.REPORTED and item.reported_at:
            reported = local_day(item.reported_at)
            if reported + dt.timedelta(days=int(ctx.params["verify_days"])) < ctx.today:
                yield FindingData(
                    item.unit_id, period, f"rectification:{item.pk}", "amber",
                    finding_message(
                        gettext_noop("整改情况{reported}报送后尚未验收：{problem}"),
                        reported=reported, problem=item.problem[:40],
                    ),
                    evidence, {"reported": reported.isoformat()},
                )  # fmt: skip
        if item.pk in copies:
            yield _copy_finding(visit, f"copy:{item.pk}", gettext_noop("整改情况报告"), copies[item.pk], evidence)


def _copy_finding(
    visit: Any, key: str, what: str, flags: list[dict[str, Any]], evidence: tuple[Evidence, ...]
) -> FindingData:
    """Red: the text was confirmed by the supervisor as a copy of another text (issue 13 item 1)."""
    best = max(flags, key=lambda flag: flag["score"])
    return FindingData(
        visit.unit_id, semester_period(visit.year, visit.semester), key, "red",
        finding_message(
            gettext_noop("{what}经认定与{org}的文本雷同（相似度{percent}%）"),
            what=label(what), org=best["other_org"], percent=round(best["score"] * 100),
        ),
        (*evidence, Evidence(TEXT_PAIR, best["pair"], finding_message(gettext_noop("雷同文本对照")))),
        {"pairs": [flag["pair"] for flag in flags], "score": best["score"]},
    )  # fmt: skip


@rule("R-O11", _("两年一轮全覆盖"))
def two_year_coverage(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O11: every unit observed (a visit that reached 已旁听) at least once in each two-year round.

    Rounds and coverage are `observation.coverage`'s, the definition the plan page and the
    dashboards show. The check runs for the year that ends a round and only once it has
    ended; the year that opens a round has nothing to check. Red: not observed in the round.
    """
    from pangting.observation import coverage

    start = int(ctx.params["round_start_year"])  # declared by observation, read through the registry
    first, last = coverage.round_of(ctx.year, start)
    if ctx.year != last or dt.date(ctx.year, 12, 31) >= ctx.today:
        return
    result = coverage.coverage(ctx.units, ctx.year, start=start)
    for unit in result.uncovered_units:
        yield FindingData(
            unit.pk, str(ctx.year), f"round:{first}-{ctx.year}", "red",
            finding_message(gettext_noop("{first}—{last}年一轮内未被巡听旁听"), first=first, last=ctx.year),
            (), {"round": [first, ctx.year]},
        )  # fmt: skip


@rule(
    "R-O12",
    _("每学期至少旁听各联系单位一次"),
    params=[Param("min_per_semester", 1, _("每学期最少旁听次数"), "int")],
)
def each_semester(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O12: each unit is observed (visit reached 已旁听) at least `min_per_semester` times a semester.

    Teams follow the leader–unit links, so "each team attends each of its units" is checked
    per unit. Only semesters that have ended are judged. Red: none; amber: fewer than required.
    """
    from pangting.observation.models import OBSERVED_STATES

    required = int(ctx.params["min_per_semester"])
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for visit in _visits(ctx):
        if visit.state in OBSERVED_STATES:
            counts[(visit.unit_id, visit.semester)] += 1
    for semester in (1, 2):
        if semester_end(ctx.year, semester) >= ctx.today:
            continue
        for unit in ctx.units:
            count = counts[(unit.pk, semester)]
            if count < required:
                yield FindingData(
                    unit.pk, semester_period(ctx.year, semester), "visits", "red" if count == 0 else "amber",
                    finding_message(
                        gettext_noop("{semester}巡听旁听{count}次，少于{required}次"),
                        semester=period_param(semester_period(ctx.year, semester)), count=count, required=required,
                    ),
                    (), {"count": count, "required": required},
                )  # fmt: skip


@rule(
    "R-O13",
    _("每学期交叉旁听，列席后3天内书面报告"),
    params=[
        Param("min_hosted", 1, _("每学期邀请他单位列席最少次数"), "int"),
        Param("min_visited", 1, _("每学期列席他单位最少次数"), "int"),
    ],
)
def cross_observation(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O13: each unit invites another unit and sits in on another unit each semester; reports on time.

    Counts as `cross_counts` does: invitations not cancelled (hosted), visits attended or
    reported (visited); judged once the semester has ended (red when none). The written
    report is due by `CrossObservation.report_due` (stored); red when missing once due, amber
    when late. Attributed to the visiting unit.
    """
    from pangting.observation.models import CrossObservation

    rows = list(
        CrossObservation.objects.filter(year=ctx.year)
        .exclude(status=CrossObservation.Status.CANCELLED)
        .order_by("pk")
    )  # fmt: skip
    in_scope = set(ctx.unit_ids)
    hosted: dict[tuple[int, int], int] = defaultdict(int)
    visited: dict[tuple[int, int], int] = defaultdict(int)
    attended = (CrossObservation.Status.ATTENDED, CrossObservation.Status.REPORTED)
    for row in rows:
        hosted[(row.host_id, row.semester)] += 1
        if row.status in attended:
            visited[(row.visitor_id, row.semester)] += 1
        if row.visitor_id in in_scope and row.report_due:
            reported = local_day(row.reported_at) if row.reported_at else None
            late = reported > row.report_due if reported else ctx.today > row.report_due
            if late:
                yield FindingData(
                    row.visitor_id, semester_period(row.year, row.semester), f"report:{row.pk}",
                    "amber" if reported else "red",
                    finding_message(
                        gettext_noop("交叉旁听书面报告逾期报送（期限{due}）")
                        if reported
                        else gettext_noop("交叉旁听书面报告逾期未报送（期限{due}）"),
                        due=row.report_due,
                    ),
                    (Evidence(CROSS, row.pk, finding_message(gettext_noop("交叉旁听"))),),
                    {"due": row.report_due.isoformat(), "reported": reported.isoformat() if reported else None},
                )  # fmt: skip
    for semester in (1, 2):
        if semester_end(ctx.year, semester) >= ctx.today:
            continue
        period = semester_period(ctx.year, semester)
        for unit in ctx.units:
            for key, counts, required, text in (
                ("hosted", hosted, int(ctx.params["min_hosted"]), gettext_noop("邀请其他单位列席")),
                ("visited", visited, int(ctx.params["min_visited"]), gettext_noop("列席其他单位学习会")),
            ):
                count = counts[(unit.pk, semester)]
                if count < required:
                    yield FindingData(
                        unit.pk, period, key, "red" if count == 0 else "amber",
                        finding_message(
                            gettext_noop("{semester}{what}{count}次，少于{required}次"),
                            semester=period_param(period), what=label(text), count=count, required=required,
                        ),
                        (), {"count": count, "required": required},
                    )  # fmt: skip


@rule("R-O1", _("年度巡听旁听计划"), judges="offices")
def plan_made_on_time(ctx: CheckContext) -> Iterator[FindingData]:
    """R-O1: each supervising organization's plan for the year is approved by its due day at the
    start of the year (`observation.plan_due`), after the party committee's decision (R-O20).

    Red: not approved once due. Amber: approved after the due day. Checked for a supervising
    organization only when all the units it supervises are in scope.
    """
    from pangting.observation.models import ObservationPlan
    from pangting.observation.plan_due import plan_due

    due = plan_due(ctx.year)
    if ctx.today <= due:
        return
    offices = ctx.offices()
    plans = {
        p.organization_id: p
        for p in ObservationPlan.objects.filter(year=ctx.year, organization_id__in=[o.pk for o in offices])
    }
    for office in offices:
        plan = plans.get(office.pk)
        approved = local_day(plan.approved_at) if plan is not None and plan.approved_at else None
        if approved is not None and approved <= due:
            continue
        yield FindingData(
            office.pk, str(ctx.year), f"plan:{ctx.year}", "amber" if approved else "red",
            finding_message(
                gettext_noop("{year}年度巡听旁听计划逾期审定（期限{due}）")
                if approved
                else gettext_noop("{year}年度巡听旁听计划逾期未审定（期限{due}）"),
                year=ctx.year, due=due,
            ),
            (), {"due": due.isoformat(), "approved": approved.isoformat() if approved else None},
        )  # fmt: skip
