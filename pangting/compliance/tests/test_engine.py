"""The engine: parameters, runs that reconcile and resolve, stable output, the command, query counts."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from pangting.compliance import services
from pangting.compliance.models import ComplianceRun, Finding
from pangting.compliance.registry import ordered_rules, rule_sort_key
from pangting.core.models import RuleParameter
from pangting.core.system import system_actor
from pangting.study.models import StudySession
from pangting.workdays.services import get_calendar

from .builders import findings, good_session, travel

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
LISTED = (
    [f"R-S{n}" for n in range(1, 22)]
    + ["R-O1", "R-O4", *(f"R-O{n}" for n in range(8, 14)), "R-O15"]
    + [f"R-B{n}" for n in range(1, 9)]
)


def command(*args, hour=12):
    out = StringIO()
    with travel(TODAY, hour):
        call_command("check_compliance", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_registers_one_check_for_every_rule_listed_in_the_issue():
    assert [r.id for r in ordered_rules()] == sorted(LISTED, key=lambda i: ("SOB".index(i[2]), int(i[3:])))


def test_it_changes_the_outcome_when_a_parameter_is_overridden(world):
    """R-S11: two postponements pass once two are allowed."""
    good_session(world, summary="", member_records=False)
    services.set_rule_parameter("R-S7", "per_member", "否", actor=world.supervisor)  # the session's summary only
    assert len(findings("R-S7", today=TODAY, unit=world.unit_a)) == 1
    services.set_rule_parameter("R-S7", "summary_days", "60", actor=world.supervisor)
    assert findings("R-S7", today=TODAY, unit=world.unit_a) == []
    assert RuleParameter.objects.get(rule_id="R-S7", name="summary_days").value == 60
    services.set_rule_parameter("R-S7", "summary_days", "7", actor=world.supervisor)  # back to the default
    assert not RuleParameter.objects.filter(rule_id="R-S7", name="summary_days").exists()


@pytest.mark.parametrize(
    ("rule", "name", "value"),
    [("R-S3", "min_rate", "120"), ("R-S3", "min_rate", "九十"), ("R-S7", "summary_days", "-1"), ("R-S9", "x", "1")],
)
def test_it_refuses_a_bad_parameter_value_in_chinese(world, rule, name, value):
    with pytest.raises(ValidationError) as refusal:
        services.set_rule_parameter(rule, name, value, actor=world.supervisor)
    assert "参数" in refusal.value.messages[0]


def test_it_prints_the_same_json_twice_and_resolves_a_fixed_finding(world):
    session = good_session(world, summary="", member_records=False)
    services.set_rule_parameter("R-S7", "per_member", "否", actor=world.supervisor)  # the session's summary only
    first = command("--year", "2026", "--format", "json")
    assert first == command("--year", "2026", "--format", "json")
    rows = json.loads(first)
    assert {"rule": "R-S7", "unit": "UA", "period": "2026-10", "key": f"session:{session.pk}"}.items() <= next(
        r for r in rows if r["rule"] == "R-S7"
    ).items()
    assert rows == sorted(rows, key=lambda r: (rule_sort_key(r["rule"]), r["unit"], r["period"], r["key"]))
    StudySession.objects.filter(pk=session.pk).update(summary="补写的学习小结")
    after = json.loads(command("--year", "2026", "--format", "json"))
    assert not [r for r in after if r["rule"] == "R-S7"]
    finding = Finding.objects.get(rule_id="R-S7")
    assert finding.resolved_at is not None and ComplianceRun.objects.count() == 3


def _stored_content(finding):
    return {name: getattr(finding, name) for name in services.CONTENT_FIELDS}


def test_a_run_rewrites_a_finding_whose_content_moved_by_its_digest(world):
    session = good_session(world, summary="", member_records=False)
    services.set_rule_parameter("R-S7", "per_member", "否", actor=world.supervisor)
    with travel(TODAY, 12):
        services.run_checks(2026, actor=system_actor())
    finding = Finding.objects.get(rule_id="R-S7")
    # The digest of the content as read back (JSON decoded, keys in the database's order) is the
    # one the run stored: equal contents have one digest on both databases.
    assert finding.digest == services.content_digest(_stored_content(finding))
    old_digest = finding.digest

    # Same identity, new content (the evidence names the session's title): rewritten.
    StudySession.objects.filter(pk=session.pk).update(title="学习新修订的条例")
    with travel(TODAY, 13):
        services.run_checks(2026, actor=system_actor())
    finding.refresh_from_db()
    assert "学习新修订的条例" in finding.evidence[0]["label"] and finding.resolved_at is None
    assert finding.digest != old_digest
    assert finding.digest == services.content_digest(_stored_content(finding))

    # A row stored before digests (none) is rewritten once, whatever its columns hold.
    Finding.objects.filter(pk=finding.pk).update(digest="", message="旧文本")
    with travel(TODAY, 14):
        services.run_checks(2026, actor=system_actor())
    finding.refresh_from_db()
    assert finding.message != "旧文本" and finding.digest == services.content_digest(_stored_content(finding))


def _finding_updates() -> tuple[int, int]:
    """Rows of the finding table this transaction updated, and how many of them in place (HOT)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            [Finding._meta.db_table] * 2,
        )
        return cursor.fetchone()


def test_a_run_marks_the_findings_it_sees_again_in_place(world):
    # Issue 15: every run rewrites `last_seen` of each open finding it sees again (a province's,
    # every night). On PostgreSQL the row is updated in place, on its own page, with no index
    # entry (a HOT update): the column is not indexed and the table leaves room (migration 0006).
    good_session(world, summary="", member_records=False)
    with travel(TODAY, 12):
        first = services.run_checks(2026, actor=system_actor())
    open_ = Finding.objects.filter(resolved_at__isnull=True)
    assert open_.count() >= 5 and set(open_.values_list("last_seen", flat=True)) == {first.pk}
    pg = connection.vendor == "postgresql"
    before = _finding_updates() if pg else (0, 0)
    with travel(TODAY, 13):
        second = services.run_checks(2026, actor=system_actor())
    assert set(open_.values_list("first_seen", "last_seen")) == {(first.pk, second.pk)}
    assert second.counts["still"] == open_.count() and second.counts["new"] == 0
    if pg:
        updated, in_place = (after - was for after, was in zip(_finding_updates(), before, strict=True))
        assert updated == open_.count() and in_place == updated
    # Nor is the reference checked again for every finding when the run commits.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Finding._meta.db_table).values()
    assert [c["columns"] for c in constraints if c["foreign_key"] or c["index"]].count(["last_seen_id"]) == 0


def test_it_refuses_unknown_units_and_rules_in_chinese(world):
    with pytest.raises(CommandError, match="未找到"):
        command("--year", "2026", "--unit", "NOPE")
    with pytest.raises(CommandError, match="未知的规则"):
        command("--year", "2026", "--rule", "R-Z1")


def test_it_rechecks_only_changed_units_and_tells_when_a_unit_is_stale(world):
    good_session(world)
    with travel(TODAY, 12):
        services.run_checks(2026, actor=system_actor())
    assert services.changed_units(2026) == []
    assert not services.is_stale(world.unit_a, 2026)
    with travel(TODAY, 13):
        StudySession.objects.get(organization=world.unit_a).save()
    assert services.changed_units(2026) == [world.unit_a]
    assert services.is_stale(world.unit_a, 2026) and not services.is_stale(world.unit_b, 2026)
    command("--year", "2026", "--changed", hour=14)
    run = ComplianceRun.objects.order_by("-pk").first()
    assert run.trigger == "schedule" and run.counts["units"] == [world.unit_a.pk]
    assert services.changed_units(2026) == []
    with travel(TODAY, 15):
        services.refresh_unit(world.unit_b, 2026, actor=world.supervisor)
    assert not services.is_stale(world.unit_b, 2026)


@pytest.mark.parametrize("sessions", [1, 4])
def test_it_runs_a_fixed_number_of_queries_whatever_the_data_size(world, django_assert_num_queries, sessions):
    for month in range(7, 7 + sessions):
        good_session(world, dt.date(2026, month, 15))
    # The working-day calendar is cached per process (receipts never signed, issue 11): warm it,
    # so that the count does not depend on which test ran first.
    get_calendar()
    with travel(TODAY, 12), django_assert_num_queries(QUERIES):
        services.compute(2026)


QUERIES = 45  # measured: the same for one session or four (every rule of issues 11, 12 and 13 included);
# the rules' parameters are read once per run (issue 15), no longer again by the study services; R-O10
# reads the rectification ids from its items instead of asking for them again; the branch checks read the
# units under the scope once (a branch is its nearest unit's); R-S1, R-S10 and R-O4 read their unsigned
# receipts in one query, R-S2 and the branch checks one frequency report, and R-S1, R-S14, R-S16 and
# R-S17 the units' center-group plans once


def test_it_refuses_a_run_without_a_named_actor_and_records_who_ran_it(world):
    """Issue 10, one write path: a run names its actor (a page's user, or the system actor of a command)."""
    from pangting.core.system import MissingActor, is_system

    good_session(world)
    with travel(TODAY, 12), pytest.raises(MissingActor):
        services.run_checks(2026, actor=None)
    with pytest.raises(MissingActor):
        services.refresh_unit(world.unit_a, 2026, actor=None)
    assert not ComplianceRun.objects.exists()  # refused before anything was written
    with travel(TODAY, 12):
        services.refresh_unit(world.unit_a, 2026, actor=world.supervisor)
    assert ComplianceRun.objects.get().actor == world.supervisor
    command("--year", "2026")
    assert is_system(ComplianceRun.objects.order_by("-pk").first().actor)


def test_a_run_checks_with_the_collector_paused_and_restores_it(world):
    """Issue 15: the checks run with the cyclic garbage collector paused (`pangting.lib.collector`)."""
    import gc

    good_session(world)
    seen: list[bool] = []
    enabled = gc.isenabled()
    gc.enable()
    try:
        with travel(TODAY):
            services.compute(TODAY.year, progress=lambda done, total, rule_id: seen.append(gc.isenabled()))
        assert seen and not any(seen)
        assert gc.isenabled()
    finally:
        (gc.enable if enabled else gc.disable)()
