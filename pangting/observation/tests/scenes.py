"""Builders for observation tests: a visit walked to a given state through the real services.

Dates follow the issue's reference case: the letter is issued on 2026-09-25 and delivered
on 2026-09-28 (reply due 2026-10-13), the session is on 2026-09-30 (record due 2026-10-03,
feedback due 2026-10-20). Each builder moves the clock with time-machine as it goes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from pangting.observation import services
from pangting.observation.models import Feedback, Mode, Rectification, State, Visit
from pangting.study.tests.builders import make_session

TZ = ZoneInfo("Asia/Shanghai")

SCORES = {"organization": "90", "content": "85", "method": "80", "effect": "75"}
FINDINGS = {
    "organization_findings": "有学习会方案，参学率92%。",
    "content_findings": "落实了第一议题，内容专题化。",
    "method_findings": "研讨发言紧扣主题，书面材料齐全。",
    "effect_findings": "联系实际不够紧密。",
    "problems": "成果转化不够。",
    "suggestions": "建立学习成果转化清单。",
}


def at(day: str, time: str = "09:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}:00").replace(tzinfo=TZ)


def travel(day: str, time: str = "09:00") -> Any:
    return time_machine.travel(at(day, time), tick=False)


def session_on(w: Any, day: str = "2026-09-30", unit: Any = None, **fields: Any) -> Any:
    return make_session(unit or w.unit_a, starts_at=at(day, "14:30"), actor=w.secretary_a, **fields)


def planned(w: Any, **fields: Any) -> Visit:
    fields.setdefault("unit", w.unit_a)
    fields.setdefault("year", 2026)
    fields.setdefault("semester", 2)
    fields.setdefault("target_month", 9)
    return services.create_visit(actor=w.supervisor, **fields)


def walk(w: Any, to: str, *, session: Any = None, problems: bool = True) -> Visit:
    """A planned visit to unit A, walked through the services up to state `to`."""
    order = services.STATE_ORDER
    target = order.index(State(to))
    with travel("2026-09-25"):
        visit = planned(w)
        if target >= order.index(State.NOTIFIED):
            visit = services.issue_letter(visit, actor=w.supervisor)
    if target >= order.index(State.NOTIFIED):
        with travel("2026-09-28"):
            visit = services.record_delivery(visit, dt.date(2026, 9, 28), actor=w.supervisor)
    if target >= order.index(State.SCHEDULED):
        with travel("2026-09-29"):
            session = session or session_on(w)
            visit = services.record_reply(visit, session, actor=w.secretary_a, notes="下午两点半，三楼会议室")
    if target >= order.index(State.OBSERVED):
        with travel("2026-09-30", "17:00"):
            visit = services.mark_observed(visit, actor=w.liaison)
    if target >= order.index(State.RECORDED):
        with travel("2026-10-02"):
            services.save_record(visit, actor=w.liaison, data=FINDINGS, scores=SCORES, submit=True)
    if target >= order.index(State.FEEDBACK_ISSUED):
        with travel("2026-10-12"):
            feedback = services.draft_feedback(visit, actor=w.supervisor)
            checklist = {key: {"problem": False, "evidence": ""} for key, _ in services.CHECKLIST_POINTS}
            if problems:
                checklist["conversion"] = {"problem": True, "evidence": "学习成果未形成转化清单"}
            services.save_feedback(
                feedback, actor=w.supervisor, checklist=checklist, summary="总体较好。", suggestions="建立转化清单。"
            )
            services.issue_feedback(feedback, actor=w.supervisor)
    if target >= order.index(State.RECTIFYING):
        with travel("2026-10-14"):
            services.acknowledge_feedback(Feedback.objects.get(visit=visit), actor=w.secretary_a)
    if target >= order.index(State.CLOSED):
        with travel("2026-10-20"):
            for item in Rectification.objects.filter(visit=visit):
                services.plan_rectification(
                    item, actor=w.secretary_a, measure="制定清单", owner=w.member_person, deadline=dt.date(2026, 11, 30)
                )
                services.report_rectification(item, actor=w.secretary_a, report="已建立转化清单。")
        with travel("2026-10-22"):
            for item in Rectification.objects.filter(visit=visit):
                services.verify_rectification(item, actor=w.supervisor, accept=True)
    return Visit.objects.get(pk=visit.pk)


__all__ = ["FINDINGS", "SCORES", "Mode", "at", "planned", "session_on", "travel", "walk"]
