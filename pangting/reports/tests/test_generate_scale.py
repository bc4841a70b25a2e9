"""The province generator (issue 15 item 1): tree shape, proportional counts, determinism,
refusals, and pages that answer for the generated accounts."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from pangting.accounts.models import User
from pangting.compliance.models import Finding
from pangting.observation.models import Feedback, ObservationRecord, State, Visit
from pangting.orgs.models import Organization, OrganizationKind, StudyGroup
from pangting.orgs.units import supervisor_org_for, units
from pangting.reports import scale
from pangting.study.models import Attendance, SessionKind, StudySession

# A fixed day late in the year: most sessions of the year have been held, a few are ahead.
TODAY = "2026-11-20 09:00 +0800"
UNITS = 12


def generate(n: int, seed: int = 7, *, checks: bool = False) -> scale.Result:
    with time_machine.travel(TODAY, tick=False), override_settings(DEBUG=True):
        return scale.generate(units=n, seed=seed, checks=checks, report=lambda _line: None)


def rolled_back(n: int, seed: int, *, checks: bool = False) -> tuple[str, dict[str, int]]:
    """(digest, counts) of a province made in a transaction that is rolled back afterwards."""
    with transaction.atomic():
        rows = generate(n, seed=seed, checks=checks).rows
        digest = scale.dataset_digest()
        transaction.set_rollback(True)
    return digest, rows


@pytest.fixture(scope="class")
def shared_province(django_db_setup, django_db_blocker) -> Iterator[scale.Result]:
    """One generated province (with the compliance run) per class, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield generate(UNITS, checks=True)
        transaction.set_rollback(True)


@pytest.fixture
def province(shared_province: scale.Result, db) -> scale.Result:
    return shared_province


class TestOneProvince:
    """Read-only tests over one generated province."""

    def test_the_tree_is_province_cities_units_branches(self, province):
        root = Organization.objects.get(parent__isnull=True)
        cities = list(Organization.objects.filter(parent=root))
        assert len(cities) == 2 and all(c.has_supervisor for c in cities)  # R-O23: a city supervises its units
        generated_units = list(units())
        assert len(generated_units) == UNITS  # the cities are units of the province too
        ordinary = [u for u in generated_units if u.parent_id != root.pk]
        assert {supervisor_org_for(u).pk for u in ordinary} == {c.pk for c in cities}
        for unit in generated_units:
            assert unit.path.startswith(unit.parent.path) and unit.depth == unit.parent.depth + 1
            branch = Organization.objects.get(parent=unit, kind=OrganizationKind.BRANCH)
            assert not StudyGroup.objects.filter(organization=branch).exists()  # a branch is not a unit
        assert StudyGroup.objects.get(organization=ordinary[0]).current_members().count() == 14

    def test_each_unit_has_about_fifteen_sessions_with_their_attendance(self, province):
        assert Attendance.objects.count() == province.rows["study.Attendance"]
        sessions = StudySession.objects.filter(kind=SessionKind.CENTER_GROUP).count()
        assert UNITS * 12 <= sessions <= UNITS * 17
        assert 12 <= province.rows["study.Attendance"] / sessions <= 13  # 13 expected people per session
        assert Finding.objects.count() == province.rows["compliance.Finding"] > 0  # the engine's own checks ran

    def test_every_units_dashboard_figures_are_stored_as_a_recount_gives_them(self, province):
        from pangting.reports import study_figures
        from pangting.reports.models import StudyFigures
        from pangting.study.parameters import get_parameters

        rows = StudyFigures.objects.filter(year=2026).values_list("unit_id", *study_figures.FIELDS)
        stored = {row[0]: study_figures.Counts(*row[1:]) for row in rows}
        assert set(stored) == set(units().values_list("pk", flat=True)) and len(stored) == UNITS
        assert stored == study_figures.count(sorted(stored), 2026, get_parameters().participation_threshold)
        assert all(c.held and c.expected for c in stored.values())

    def test_the_runs_per_city_find_what_one_run_over_every_unit_finds(self, province):
        from pangting.compliance.services import compute

        stored = set(Finding.objects.values_list("rule_id", "unit_id", "period", "key"))
        with time_machine.travel(TODAY, tick=False):
            found = {(rule.id, f.unit_id, f.period, f.key) for rule, f in compute(2026, units=list(units()))}
        assert stored == found

    def test_visits_carry_the_states_their_steps_would_have_written(self, province):
        visits = list(Visit.objects.all())
        assert visits
        for visit in visits:
            if visit.state != State.PLANNED:
                assert visit.letter_number and visit.letter_issued_at  # R-O4
            if visit.state in (State.RECORDED, State.FEEDBACK_ISSUED, State.RECTIFYING, State.CLOSED):
                assert ObservationRecord.objects.get(visit=visit).filed_at  # R-O8
                assert visit.record_due and visit.feedback_due
        numbers = list(Visit.objects.exclude(letter_seq=None).values_list("supervisor_org", "letter_seq"))
        numbers += list(Feedback.objects.values_list("visit__supervisor_org", "seq"))
        by_org: dict[int, list[int]] = {}
        for org, seq in numbers:
            by_org.setdefault(org, []).append(seq)
        for seqs in by_org.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1))  # one series, without gaps

    def test_generated_accounts_open_the_dashboard_and_a_unit_page(self, province):
        assert {"scale_supervisor", "scale_city01", "scale_secretary1"} <= set(province.usernames)
        with time_machine.travel(TODAY, tick=False):
            unit = units().exclude(parent__parent__isnull=True).first()
            for username in ("scale_supervisor", "scale_city01"):
                client = Client()
                client.force_login(User.objects.get(username=username))
                assert client.get(reverse("reports:dashboard")).status_code == 200, username
                assert client.get(reverse("reports:unit", args=[unit.pk])).status_code == 200, username
            secretary = User.objects.get(username="scale_secretary1")
            client = Client()
            client.force_login(secretary)
            own = secretary.person.organization
            assert client.get(reverse("reports:unit", args=[own.pk])).status_code == 200

    def test_refuses_to_generate_twice_even_with_force(self, province):
        with pytest.raises(CommandError, match="已有生成的数据"):
            call_command("generate_scale", "--units", "6", "--force", stdout=io.StringIO())


def test_counts_double_when_the_units_double(db):
    rows_6 = rolled_back(6, seed=1)[1]
    rows_12 = rolled_back(12, seed=1)[1]
    for label in ("orgs.Person", "study.StudySession", "study.Attendance", "study.AgendaItem"):
        assert 1.7 <= rows_12[label] / rows_6[label] <= 2.3, label


def test_the_same_seed_gives_the_same_rows(db):
    first = rolled_back(6, seed=11, checks=True)[0]
    assert rolled_back(6, seed=11, checks=True)[0] == first
    assert rolled_back(6, seed=12)[0] != rolled_back(6, seed=11)[0]


def test_refuses_a_database_with_other_data(db, settings):
    settings.DEBUG = True
    Organization.objects.create(name="某单位", code="REAL", kind=OrganizationKind.PARTY_COMMITTEE)
    with pytest.raises(CommandError, match="已有非生成的数据"):
        call_command("generate_scale", "--units", "6", stdout=io.StringIO())
    assert not Organization.objects.filter(code__startswith=scale.CODE_PREFIX).exists()


def test_refuses_production_settings_without_force(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="生产设置"):
        call_command("generate_scale", "--units", "6", stdout=io.StringIO())


def test_the_command_prints_progress_and_the_accounts(db, settings):
    settings.DEBUG = True
    out = io.StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("generate_scale", "--units", "4", "--seed", "3", "--no-checks", stdout=out)
    text = out.getvalue()
    assert "rows/s" in text and "scale_supervisor" in text and "scale_secretary1" in text
