"""The one definition of semester bounds (`pangting.core.semesters`) and everything that reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from pangting.compliance.checks.observation import semester_end as check_semester_end
from pangting.core import semesters
from pangting.observation.services import semester_of as observation_semester_of
from pangting.reports.figures import period_bounds
from pangting.reports.ledgers import Period
from pangting.study.rules import periods_of_year


def _every_copy(year: int, semester: int) -> set[tuple[dt.date, dt.date]]:
    """The semester's (first, last) day as the bulletin, the ledger, the study rules and the checks see it."""
    ledger_first, ledger_after = Period(year, semester).bounds()
    study = periods_of_year(year, "semester")[semester - 1]
    first, _last = semesters.semester_bounds(year, semester)
    return {
        period_bounds(year, semester),
        (ledger_first, ledger_after - dt.timedelta(days=1)),
        (study.start, study.end),
        (first, check_semester_end(year, semester)),
    }


def test_it_bounds_semesters_feb_to_aug_and_sep_to_jan_by_default():
    assert semesters.semester_bounds(2026, semesters.SPRING) == (dt.date(2026, 2, 1), dt.date(2026, 8, 31))
    assert semesters.semester_bounds(2026, semesters.AUTUMN) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    assert semesters.semester_of(dt.date(2027, 1, 15)) == (2026, semesters.AUTUMN)
    assert semesters.semester_of(dt.date(2026, 2, 1)) == (2026, semesters.SPRING)
    assert semesters.semester_of(dt.date(2026, 9, 1)) == (2026, semesters.AUTUMN)
    assert observation_semester_of is semesters.semester_of
    for semester in semesters.SEMESTERS:
        assert _every_copy(2026, semester) == {semesters.semester_bounds(2026, semester)}


def test_it_moves_every_copy_when_the_setting_changes(settings):
    settings.PANGTING_SEMESTER_START_MONTHS = (3, 9)

    assert semesters.semester_bounds(2026, semesters.SPRING) == (dt.date(2026, 3, 1), dt.date(2026, 8, 31))
    assert semesters.semester_bounds(2026, semesters.AUTUMN) == (dt.date(2026, 9, 1), dt.date(2027, 2, 28))
    assert semesters.semester_of(dt.date(2027, 2, 20)) == (2026, semesters.AUTUMN)
    for semester in semesters.SEMESTERS:
        assert _every_copy(2026, semester) == {semesters.semester_bounds(2026, semester)}

    settings.PANGTING_SEMESTER_START_MONTHS = (1, 7)  # calendar halves: autumn ends in December
    assert semesters.semester_bounds(2026, semesters.AUTUMN) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize("bad", [(9, 2), (0, 9), ("x", 9), (2,)])
def test_it_refuses_a_malformed_setting(settings, bad):
    settings.PANGTING_SEMESTER_START_MONTHS = bad
    with pytest.raises(ImproperlyConfigured):
        semesters.semester_bounds(2026, semesters.SPRING)
