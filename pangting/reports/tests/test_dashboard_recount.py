"""Issue 15: the dashboard's figures computed in the database (or without a units × units grid) agree
with a plain recount of the same records, on a small world with several organizations."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.urls import reverse

from pangting.compliance import services as compliance_services
from pangting.compliance.models import Finding
from pangting.observation.models import CrossObservation
from pangting.reports import charts, metrics
from pangting.reports.tests.test_dashboards import make_finding
from pangting.tests.builders import make_group, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(world: Any) -> list[Any]:
    """Units A and B, two more under the root and one under a second-level committee."""
    extra = [make_org("丙学院党委", world.root), make_org("丁学院党委", world.root)]
    middle = make_org("机关党委", world.root)
    extra.append(make_org("机关第一党委", middle))
    for unit in extra:
        make_group(unit)
    return [world.unit_a, world.unit_b, *extra]


def test_rule_colour_counts_agree_with_the_colour_of_each_rule(world, units):
    findings = [
        (units[0], "R-S4", "red"),
        (units[0], "R-S4", "amber"),  # red wins over amber for the same rule
        (units[0], "R-S11", "amber"),
        (units[0], "R-S11", "amber"),
        (units[1], "R-S3", "amber"),
        (units[2], "R-O8", "red"),
        (units[2], "R-O8", "red"),
        (units[2], "R-O9", "red"),
        (units[2], "R-S3", "amber"),
        (units[4], "R-S10", "amber"),
    ]
    for unit, rule_id, severity in findings:
        make_finding(unit, rule_id, severity=severity)
    resolved = make_finding(units[3], "R-S4", severity="red")
    Finding.objects.filter(pk=resolved.pk).update(resolved_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    make_finding(units[1], "R-S4", severity="red", year=2025)  # another year

    open_findings = Finding.objects.open().filter(year=2026)
    counted = compliance_services.rule_colour_counts(open_findings)

    recount = {}
    for unit_id, colours in compliance_services.rule_status(list(open_findings)).items():
        tally = Counter(colours.values())
        recount[unit_id] = (tally["red"], tally["amber"])
    assert counted == recount
    assert counted == {units[0].pk: (1, 1), units[1].pk: (0, 1), units[2].pk: (2, 1), units[4].pk: (0, 1)}


def test_the_dashboard_shows_the_recounted_colours(world, units, client_for):
    make_finding(units[2], "R-O8", severity="red")
    make_finding(units[2], "R-O8", severity="amber")
    make_finding(units[4], "R-S10", severity="amber")
    response = client_for(world.supervisor).get(reverse("reports:dashboard"), {"year": "2026"})
    rows = {r["unit"].pk: (r["red"], r["amber"], r["green"]) for r in response.context["unit_rows"]}
    total = response.context["rule_count"]
    assert rows[units[2].pk] == (1, 0, total - 1)
    assert rows[units[4].pk] == (0, 1, total - 1)
    assert rows[units[0].pk] == (0, 0, total)


def cross_world(units: list[Any]) -> list[metrics.CrossMatrix]:
    """Each unit hosts the next one in the autumn, the first one twice; one cancelled row aside."""
    for n, host in enumerate(units):
        visitor = units[(n + 1) % len(units)]
        CrossObservation.objects.create(
            year=2026, semester=2, host=host, visitor=visitor, status=CrossObservation.Status.ATTENDED
        )
    CrossObservation.objects.create(
        year=2026, semester=2, host=units[0], visitor=units[1], status=CrossObservation.Status.REPORTED
    )
    CrossObservation.objects.create(
        year=2026, semester=2, host=units[2], visitor=units[0], status=CrossObservation.Status.CANCELLED
    )
    return metrics.cross_matrices(units, 2026)


def _nonzero_cells(option: dict[str, Any]) -> dict[tuple[int, int], tuple[int, str]]:
    return {
        (item["value"][0], item["value"][1]): (item["value"][2], item["name"])
        for item in option["series"][0]["data"]
        if item["value"][2]
    }


def test_the_large_matrix_keeps_every_sitting_without_a_grid(world, units, monkeypatch):
    matrix = cross_world(units)[1]
    dense_option, dense_height = charts.cross_matrix_option(matrix.hosts, matrix.visitors, matrix.cells)
    dense_headers, dense_rows = charts._cross_table(matrix)
    assert len(dense_option["series"][0]["data"]) == len(matrix.hosts) * len(matrix.visitors)

    monkeypatch.setattr(charts, "DENSE_CELLS", 0)  # as a province of many units would be
    sparse_option, sparse_height = charts.cross_matrix_option(matrix.hosts, matrix.visitors, matrix.cells)
    headers, rows = charts._cross_table(matrix)
    assert len(headers) == 3

    # The heatmap: the same sittings in the same cells, the same axes; the empty cells left out.
    assert _nonzero_cells(sparse_option) == _nonzero_cells(dense_option)
    assert len(sparse_option["series"][0]["data"]) == len(_nonzero_cells(dense_option)) == len(units)
    assert sparse_option["yAxis"]["data"] == dense_option["yAxis"]["data"]
    assert sparse_option["xAxis"]["data"] == dense_option["xAxis"]["data"]
    assert sparse_height == dense_height
    # The table: one line per pair that sat in, with the grid's counts, hosts in the axis order.
    from_grid = {
        (row[0], visitor, count)
        for row in dense_rows
        for visitor, count in zip(dense_headers[1:], row[1:], strict=True)
        if count
    }
    assert {tuple(row) for row in rows} == from_grid
    assert len(rows) == len(from_grid)
    assert rows[0] == [units[0].display_name, units[1].display_name, 2]
    assert [row[0] for row in rows] == [u.display_name for u in units]


def test_chart_rows_write_what_the_template_loop_wrote():
    from decimal import Decimal

    from django.template import Context, Template
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    rows = [
        ["甲学院党委 <b>", 3, 0, 82.5, Decimal("75.0"), "—", None, gettext_lazy("已覆盖")],
        [mark_safe("<i>乙</i>"), 12345, -1, 0.1, True, "a & b", "", 7],
        [],
    ]
    loop = Template(
        '{% for row in rows %}<tr>{% for cell in row %}{% if forloop.first %}<th scope="row">{{ cell }}</th>'
        "{% else %}<td>{{ cell }}</td>{% endif %}{% endfor %}</tr>{% endfor %}"
    )
    tag = Template("{% load chart_tables %}{% chart_rows rows %}")
    for language in ("zh-hans", "en"):
        from django.utils import translation

        with translation.override(language):
            assert tag.render(Context({"rows": rows})) == loop.render(Context({"rows": rows}))


def test_the_dashboard_pages_its_unit_table(world, units, client_for, monkeypatch):
    from pangting.core import paging

    monkeypatch.setattr(paging, "PER_PAGE", 2)
    client = client_for(world.supervisor)
    first = client.get(reverse("reports:dashboard"), {"year": "2026"})
    third = client.get(reverse("reports:dashboard"), {"year": "2026", "unit_page": "3"})
    shown = [row["unit"] for row in first.context["unit_rows"]] + [row["unit"] for row in third.context["unit_rows"]]
    assert len(first.context["unit_rows"]) == 2 and first.context["unit_page"].paginator.count >= len(units)
    assert len(set(shown)) == len(shown)
    assert 'href="?year=2026&unit_page=2"' in first.content.decode()
    # The charts still cover every unit.
    coverage = next(c for c in first.context["charts"] if c.id == "coverage")
    assert {u.display_name for u in units} <= {row[0] for row in coverage.rows}


def recount_timeliness(units: list[Any], year: int, today: dt.date) -> dict[str, tuple[int, int, int, int]]:
    """Every record's deadline judged one by one with `classify`, as the dashboard once did."""
    from django.utils import timezone

    from pangting.observation.models import Rectification, State, Visit
    from pangting.study.models import SessionKind, StudySession
    from pangting.workdays.timeliness import classify

    ids = [u.pk for u in units]
    start, end = metrics.year_bounds(year)
    kinds = ("arrangement", "report", "reply", "record", "feedback", "cross_report", "rectification")
    tally: dict[str, Counter[str]] = {kind: Counter() for kind in kinds}

    def day(moment: Any) -> Any:
        return timezone.localdate(moment) if moment is not None else None

    def add(kind: str, outcome: str | None) -> None:
        if outcome is not None:
            tally[kind][outcome] += 1

    sessions = StudySession.objects.filter(
        organization_id__in=ids, kind=SessionKind.CENTER_GROUP, starts_at__gte=start, starts_at__lt=end
    ).exclude(status=StudySession.Status.CANCELLED)
    for s in sessions:
        add("arrangement", classify(day(s.arrangement_submitted_at), s.arrangement_due, today))
        add("report", classify(day(s.report_submitted_at), s.report_due, today))
    for v in Visit.objects.filter(unit_id__in=ids, year=year).exclude(state=State.CANCELLED):
        record = getattr(v, "record", None)
        feedback = getattr(v, "feedback", None)
        add("reply", classify(v.reply_received_on, v.reply_due, today))
        add("record", classify(day(record.filed_at) if record else None, v.record_due, today))
        add("feedback", classify(day(feedback.issued_at) if feedback else None, v.feedback_due, today))
    crosses = CrossObservation.objects.filter(visitor_id__in=ids, year=year).exclude(
        status=CrossObservation.Status.CANCELLED
    )
    for c in crosses:
        add("cross_report", classify(day(c.reported_at), c.report_due, today))
    done = (Rectification.Status.REPORTED, Rectification.Status.ACCEPTED)
    for item in Rectification.objects.filter(visit__unit_id__in=ids, visit__year=year):
        finished = day(item.reported_at or item.verified_at) if item.status in done else None
        add("rectification", classify(finished, item.deadline, today))
    order = ("on_time", "late", "overdue", "pending")
    return {kind: tuple(counts[o] for o in order) for kind, counts in tally.items()}  # type: ignore[misc]


def test_timeliness_counted_in_the_database_agrees_with_judging_each_record(world, units):
    from zoneinfo import ZoneInfo

    from pangting.observation.tests.scenes import walk
    from pangting.reports.tests.test_dashboards import grow
    from pangting.study.models import StudySession

    grow(world, 2)
    walk(world, "closed")
    cross = cross_world(units)  # attended, not reported: the visitors' reports are due or overdue
    assert cross[1].total
    CrossObservation.objects.filter(host=units[0]).update(
        report_due=dt.date(2026, 10, 12), reported_at=dt.datetime(2026, 10, 12, 3, tzinfo=dt.UTC)
    )
    CrossObservation.objects.filter(host=units[2]).update(report_due=dt.date(2026, 10, 12))
    # Submitted at 00:30 in Beijing the day after its due date: late by the local day (the UTC day is the due date).
    session = StudySession.objects.filter(organization=world.unit_a, arrangement_due__isnull=False).first()
    assert session is not None
    shanghai = ZoneInfo("Asia/Shanghai")
    after_midnight = dt.datetime.combine(session.arrangement_due + dt.timedelta(days=1), dt.time(0, 30), shanghai)
    StudySession.objects.filter(pk=session.pk).update(arrangement_submitted_at=after_midnight)

    for today in (dt.date(2026, 10, 1), dt.date(2026, 11, 5), dt.date(2026, 12, 31)):
        counted = {r.kind: (r.on_time, r.late, r.overdue, r.pending) for r in metrics.timeliness(units, 2026, today)}
        assert counted == recount_timeliness(units, 2026, today), today
        # Counted for several groups at once (the levels page), each group's figures are its own.
        halves = {u.pk: i % 2 for i, u in enumerate(units)}
        for half, rows in metrics.timeliness_by(halves, 2026, today).items():
            mine = [u for u in units if halves[u.pk] == half]
            assert {r.kind: (r.on_time, r.late, r.overdue, r.pending) for r in rows} == recount_timeliness(
                mine, 2026, today
            ), (today, half)
    assert counted["arrangement"][1] >= 1 and counted["cross_report"] != (0, 0, 0, 0)


def recount_sessions(units: list[Any], year: int) -> list[tuple[Any, ...]]:
    """Each center-group session read and judged one by one (`annotate_leaders`), as the dashboard once did."""
    from pangting.study.models import SessionKind, StudySession
    from pangting.study.services.facts import annotate_leaders

    start, end = metrics.year_bounds(year)
    found = list(
        StudySession.objects.filter(
            organization_id__in=[u.pk for u in units],
            kind=SessionKind.CENTER_GROUP,
            starts_at__gte=start,
            starts_at__lt=end,
        ).order_by("starts_at", "pk")
    )
    annotate_leaders(found)
    rows = {u.pk: [0, 0, 0, 0, 0, 0, []] for u in units}
    for s in found:
        row = rows[s.organization_id]
        count = s.reschedules.count()
        row[3] += 1
        row[4] += count == 1
        row[5] += count >= 2
        if count:
            row[6].append((s.pk, s.title, s.starts_at, count))
        if s.status == StudySession.Status.HELD:
            row[0] += 1
            row[1] += s.agenda_items.filter(kind="first_item").exists()
            row[2] += bool(s.led_by_id and s.led_by_id in s._group_leader_ids)
    return [(u.pk, *rows[u.pk][:6], rows[u.pk][6]) for u in units]


def test_session_counts_in_the_database_agree_with_reading_each_session(world, units):
    from pangting.reports.tests.test_dashboards import group_leader, grow, held_session
    from pangting.study.models import StudySession

    grow(world, 3)  # held sessions of unit A, rescheduled sessions of unit B
    leader = group_leader(world)
    led = held_session(world, world.unit_a, 20, present=2)
    StudySession.objects.filter(pk=led.pk).update(led_by=leader)
    not_leader = held_session(world, world.unit_a, 21, present=2)
    StudySession.objects.filter(pk=not_leader.pk).update(led_by=world.member_person)
    moved = StudySession.objects.filter(organization=world.unit_b).first()
    assert moved is not None
    from pangting.core.system import system_actor
    from pangting.study import services as study_services
    from pangting.study.tests.builders import at

    study_services.reschedule_session(
        moved, actor=system_actor(), starts_at=at(2026, 11, 27), ends_at=at(2026, 11, 27, 16), reason="再次冲突"
    )
    data = metrics.sessions(units, 2026)
    counted = [
        (r.unit.pk, r.held, r.first_item, r.secretary_led, r.scheduled, r.rescheduled_once,
         r.rescheduled_twice_or_more, [(p.pk, p.title, p.starts_at, p.reschedules) for p in r.postponed])
        for r in data.rows
    ]  # fmt: skip
    assert counted == recount_sessions(units, 2026)
    by_unit = {row[0]: row for row in counted}
    assert by_unit[world.unit_a.pk][3] == 1 and by_unit[world.unit_b.pk][6] >= 1  # led once; postponed twice
