"""Demo data for the assessment app (called by `seed_demo` through its registered demo hook).

The main year's scheme with the default formula, and 述学 reports for the previous and the main
year (`core.demo.DemoDates`): the school leaders at the committee, and the party secretaries of
the first units; the previous year's reports are rated by the propaganda department.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pangting.orgs.models import Person, StudyGroupMember

from . import services
from .models import StudyReport

TITLES = [
    "坚持读原著学原文悟原理，推动理论学习往深里走",
    "学思践悟新思想，以学促干抓落实",
    "对标对表找差距，把学习成果转化为工作实效",
    "深学细悟党的创新理论，提升履职尽责能力",
]
SUMMARY = (
    "本年度个人自学篇目{n}篇，参加中心组集体学习{m}次、作交流研讨发言{k}次；"
    "结合分管工作开展专题调研，形成调研报告；查摆出理论联系实际不够紧密等问题，明确了整改措施。"
)
RATINGS = ["excellent", "good", "good", "fair"]


@transaction.atomic
def extend_demo(context: dict[str, Any]) -> None:
    root = context["root"]
    supervisor = context["users"]["xuanchuan"]
    dates = context["dates"]
    try:
        services.save_scheme(
            organization=root,
            year=dates.year,
            formula=services.DEFAULT_FORMULA,
            description=services.DEFAULT_DESCRIPTION,
            confirm=True,
            actor=supervisor,
        )
    except ValidationError:  # the rule engine in force does not check R-S2: keep to the rule groups
        services.save_scheme(
            organization=root,
            year=dates.year,
            formula='clamp(60 + 0.4 * coalesce(obs_score, 80) - 3 * red("*") - 1 * amber("*"), 0, 100)',
            confirm=True,
            actor=supervisor,
        )
    leaders = list(Person.objects.filter(organization=root, is_school_leader=True).order_by("pk"))
    filers: list[tuple[Person, Any]] = [(person, root) for person in leaders]
    secretaries = (
        StudyGroupMember.objects.filter(
            role=StudyGroupMember.Role.LEADER, group__organization__in=context["units"][:6], deleted_at__isnull=True
        )
        .select_related("person", "group__organization")
        .order_by("group__organization__path")
    )
    filers += [(m.person, m.group.organization) for m in secretaries]
    today, previous = dates.today, dates.previous
    # R-O23: the school leaders' 述学 is reviewed by the level above the university, where there is one.
    city_supervisor = context["users"].get("shijiaogong") if context.get("city") is not None else None
    for index, (person, organization) in enumerate(filers):
        reviewer = city_supervisor if organization == root and city_supervisor is not None else supervisor
        for year, delivered in ((previous, dt.date(previous, 12, 20)), (dates.year, dt.date(dates.year, 11, 10))):
            if delivered > today or (year == dates.year and index % 3 == 2):
                continue  # a few have not reported yet this year
            services.record_study_report(
                actor=reviewer,
                person=person,
                organization=organization,
                year=year,
                title=TITLES[(index + year) % len(TITLES)],
                delivered_on=delivered - dt.timedelta(days=index % 7),
                summary=SUMMARY.format(n=12 + index % 9, m=10 + index % 3, k=3 + index % 2),
                rating=RATINGS[index % len(RATINGS)] if year == previous else None,
                rating_note="联系思想和工作实际较紧密。" if year == previous else "",
            )
    rate_reports(context)


# R-O22 民主评议: the levels the demo's raters give, in turn.
RATING_LEVELS = ("excellent", "good", "good", "fair", "excellent", "good", "poor")


def rate_reports(context: dict[str, Any]) -> None:
    """R-O22: every 述学 report filed so far gets the 民主评议 of several raters (those of the demo's
    users who may rate it: not the reporter, only those who see the unit's study)."""
    raters = list(context.get("users", {}).values())
    for index, report in enumerate(StudyReport.objects.select_related("organization").order_by("pk")):
        for offset, rater in enumerate(raters):
            try:
                services.rate_study_report(report, actor=rater, rating=RATING_LEVELS[(index + offset) % 7])
            except ValidationError:
                continue  # this user may not rate this report
