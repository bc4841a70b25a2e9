"""Issue 15: the findings' stored counts (`FindingCount`) equal a recount after every run, and the
command proves it (the assessment sheet reads them, R-O14)."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from pangting.compliance import counts, services
from pangting.compliance.models import Finding, FindingCount
from pangting.core.system import system_actor

from .builders import good_session, travel

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def run(day: dt.date = TODAY, hour: int = 12, **kwargs):
    with travel(day, hour):
        return services.run_checks(2026, actor=system_actor(), **kwargs)


def stored() -> dict[counts.Key, counts.Counted]:
    return {
        (u, r, s): (t, o)
        for u, r, s, t, o in FindingCount.objects.values_list("unit_id", "rule_id", "severity", "total", "open")
    }


def test_each_run_leaves_the_counts_a_recount_gives(world):
    session = good_session(world, summary="", member_records=False)
    run()
    first = stored()
    assert first and first == counts.count(2026) and counts.check(2026) == []
    # R-S7: the session's summary is missing; writing it resolves the finding at the next run.
    key = next(k for k in first if k[0] == world.unit_a.pk and k[1] == "R-S7")
    assert first[key][1] >= 1
    session.summary = "形成学习小结。"
    session.save()
    run(hour=13)
    second = stored()
    assert second == counts.count(2026) and counts.check(2026) == []
    assert second[key][0] == first[key][0] and second[key][1] < first[key][1]  # kept, resolved
    assert Finding.objects.filter(rule_id="R-S7", unit=world.unit_a, resolved_at__isnull=False).exists()


def test_a_run_that_changes_nothing_rewrites_no_count(world):
    good_session(world, summary="", member_records=False)
    run()
    rows = set(FindingCount.objects.values_list("pk", "unit_id", "rule_id", "severity", "total", "open"))
    again = run(hour=13)
    assert again.counts["new"] == again.counts["resolved"] == 0 and again.counts["still"] > 0
    assert set(FindingCount.objects.values_list("pk", "unit_id", "rule_id", "severity", "total", "open")) == rows


def test_a_units_refresh_recounts_that_unit_only(world):
    session = good_session(world, summary="", member_records=False)
    run()
    others = set(FindingCount.objects.exclude(unit=world.unit_a).values_list("pk", "total", "open"))
    session.summary = "形成学习小结。"
    session.save()
    with travel(TODAY, 13):
        services.refresh_unit(world.unit_a, 2026, actor=system_actor())
    assert counts.check(2026) == []
    assert set(FindingCount.objects.exclude(unit=world.unit_a).values_list("pk", "total", "open")) == others


def test_the_command_checks_and_rebuilds_the_counts(world):
    good_session(world, summary="", member_records=False)
    run()
    out = StringIO()
    call_command("check_compliance", "--year", "2026", "--check-counts", stdout=out)
    assert "一致" in out.getvalue()
    row = FindingCount.objects.filter(unit=world.unit_a).first()
    FindingCount.objects.filter(pk=row.pk).update(open=row.open + 5)  # a stored count gone wrong
    out = StringIO()
    with pytest.raises(CommandError, match="1处与重新计数不一致"):
        call_command("check_compliance", "--year", "2026", "--check-counts", stdout=out)
    assert f"单位{row.unit_id} {row.rule_id} {row.severity}" in out.getvalue()
    out = StringIO()
    call_command("check_compliance", "--year", "2026", "--rebuild-counts", stdout=out)
    assert "已重新计算" in out.getvalue() and counts.check(2026) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: no two stores at once")
@pytest.mark.django_db(transaction=True)
def test_two_stores_of_one_unit_at_once_wait_for_each_other(world):
    # A run's parts reconcile at once in several processes, and a supervising organization can be
    # touched by two of them: the second store waits for the first, then recounts (no duplicate row).
    good_session(world, summary="", member_records=False)
    run()
    unit = world.unit_a.pk
    held, release = threading.Event(), threading.Event()
    done: list[str] = []
    failed: list[BaseException] = []

    def store(name: str, before: threading.Event | None, hold: bool) -> None:
        try:
            if before is not None:
                before.wait(10)
            with transaction.atomic():
                counts.store(2026, [unit])
                if hold:
                    held.set()
                    release.wait(10)
                done.append(name)
        except (IntegrityError, RuntimeError) as error:
            failed.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=store, args=("first", None, True))
    second = threading.Thread(target=store, args=("second", held, False))
    first.start()
    second.start()
    second.join(1.0)
    assert second.is_alive() and done == []  # waiting for the first's transaction
    release.set()
    first.join(10)
    second.join(10)
    assert not failed and done == ["first", "second"]
    assert counts.check(2026) == [] and stored() == counts.count(2026)


def test_a_lists_number_of_findings_from_the_counts_is_the_count_of_its_rows(world):
    """The findings page and API take their number from the stored counts (issue 15): under every
    filter and every persona's scope it is the number of findings the list holds."""
    import itertools

    from pangting.accounts import policy
    from pangting.compliance.listing import OPEN, RESOLVED, FindingFilter

    session = good_session(world, summary="", member_records=False)
    run()
    session.summary = "形成学习小结。"
    session.save()
    run(hour=13)  # some findings resolved, some still open
    assert Finding.objects.filter(resolved_at__isnull=False).exists() and Finding.objects.open().exists()
    rules = ["", *Finding.objects.values_list("rule_id", flat=True).distinct()[:3]]
    action = policy.Action.COMPLIANCE_VIEW
    for persona in ("supervisor", "secretary_a", "secretary_b", "outsider"):
        user = getattr(world, persona)
        findings, rows = Finding.objects.for_user(user, action), FindingCount.objects.for_user(user, action)
        for year, unit, rule_id, severity, status in itertools.product(
            (None, 2026, 2025), (None, world.unit_a, world.branch_a), rules, ("", "red"), ("", OPEN, RESOLVED)
        ):
            wanted = FindingFilter(year=year, unit=unit, rule_id=rule_id, severity=severity, status=status)
            assert wanted.count(rows) == wanted.findings(findings).count(), (persona, wanted)
        assert FindingFilter(nothing=True).count(rows) == 0
    assert FindingFilter(year=2026).count(FindingCount.objects.for_user(world.supervisor, action)) > 0
