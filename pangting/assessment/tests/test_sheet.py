"""The score sheet (R-O14): exact numbers on builder data, ranking, Excel, a fixed query count."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pangting.assessment import services
from pangting.assessment.tests.builders import make_findings, make_report
from pangting.observation.models import ObservationRecord
from pangting.observation.tests.scenes import walk
from pangting.orgs.models import Organization
from pangting.tests.builders import make_group, make_org


def units(w):
    return [w.unit_a, w.unit_b]


@pytest.fixture
def scored(world):
    """Unit A observed once with a filed record; findings for A; unit B not observed."""
    walk(world, "recorded")
    make_findings(
        world.unit_a,
        2026,
        ("R-S2", "red", True),
        ("R-S3", "amber", True),
        ("R-O9", "red", False),  # resolved: counts in findings(), not in red()
        ("R-B1", "amber", True),
    )
    make_findings(world.unit_a, 2025, ("R-S2", "red", True))  # another year: never counted
    make_report(world, "A")
    return world


def by_unit(sheet):
    return {row.unit.pk: row for row in sheet.rows}


def test_it_computes_the_inputs_of_each_unit(scored):
    record = ObservationRecord.objects.get()
    assert record.composite_score == Decimal("82.5")
    rows = by_unit(services.compute_sheet(2026, units(scored)))
    a, b = rows[scored.unit_a.pk], rows[scored.unit_b.pk]
    assert (a.obs_score, a.visits, a.records, a.reports) == (82.5, 1, 1, 1)
    assert a.red == {"S": 1, "O": 0, "B": 0}
    assert a.amber == {"S": 1, "O": 0, "B": 1}
    assert (b.obs_score, b.visits, b.records, b.reports) == (None, 0, 0, 0)


def test_it_scores_with_the_default_formula_and_ranks_the_units(scored):
    rows = by_unit(services.compute_sheet(2026, units(scored)))
    # A: 60 + 0.4 * 82.5 - 3 * 1 red - 1 * 2 amber - 5 * 1 red R-S2 = 83
    assert rows[scored.unit_a.pk].score == 83
    # B, not observed: 60 + 0.4 * 80 (the coalesce default) = 92
    assert rows[scored.unit_b.pk].score == 92
    assert (rows[scored.unit_b.pk].rank, rows[scored.unit_a.pk].rank) == (1, 2)


def test_it_scores_with_the_years_scheme(scored):
    scheme = services.save_scheme(
        organization=scored.root,
        year=2026,
        formula='50 + 10 * observed + visits + records + 2 * reports - findings("*") - findings("R-O*")',
        actor=scored.supervisor,
    )
    rows = by_unit(services.compute_sheet(2026, units(scored), scheme=scheme))
    # A: 50 + 10 + 1 + 1 + 2 - 4 findings (one resolved) - 1 of group O = 59
    assert rows[scored.unit_a.pk].score == 59
    assert rows[scored.unit_b.pk].score == 50


def test_it_gives_equal_scores_the_same_rank(world):
    sheet = services.compute_sheet(2026, units(world))
    assert [row.rank for row in sheet.rows] == [1, 1]


def test_a_unit_whose_score_cannot_be_computed_has_the_reason_and_no_rank(scored):
    scheme = services.save_scheme(
        organization=scored.root, year=2026, formula="100 / (1 - observed) ", actor=scored.supervisor
    )
    rows = by_unit(services.compute_sheet(2026, units(scored), scheme=scheme))
    assert rows[scored.unit_a.pk].score is None
    assert "除数为零" in rows[scored.unit_a.pk].error
    assert rows[scored.unit_a.pk].rank is None
    assert rows[scored.unit_b.pk].rank == 1


def test_the_page_shows_the_scores_to_the_leadership_viewer(scored, client_for):
    page = client_for(scored.viewer).get(reverse("assessment:sheet"), {"year": "2026"}).content.decode()
    assert "83.0" in page
    assert "92" in page
    assert "未被旁听" in page
    assert services.DEFAULT_FORMULA.replace('"', "&quot;") in page


def test_the_page_shows_an_empty_state_for_a_committee_without_units(world, client_for):
    Organization.objects.filter(pk__in=[world.unit_a.pk, world.unit_b.pk]).update(deleted_at="2026-01-01T00:00Z")
    page = client_for(world.supervisor).get(reverse("assessment:sheet")).content.decode()
    assert "没有可考核的单位" in page


def test_the_excel_has_a_header_a_row_per_unit_and_the_formula(scored, client_for):
    response = client_for(scored.supervisor).get(reverse("assessment:sheet_export"), {"year": "2026"})
    assert response.status_code == 200
    assert "2026%E5%B9%B4" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    scores, basis = workbook.worksheets
    rows = list(scores.iter_rows(values_only=True))
    assert rows[0][:5] == ("排名", "单位", "实际旁听次数", "旁听记录份数", "综合评分均分")
    assert rows[0][-3:] == ("述学报告份数", "考核得分", "说明")
    assert [r[:2] for r in rows[1:]] == [(1, "乙学院党委"), (2, "甲学院党委")]
    assert rows[1][-3:] == (0, 92, "本年度未被旁听")
    assert rows[2][2:5] == (1, 1, 82.5)
    assert rows[2][5:11] == (1, 0, 0, 1, 0, 1)
    assert rows[2][-2] == 83
    facts = {r[0]: r[1] for r in basis.iter_rows(min_row=2, values_only=True)}
    assert facts["计算公式"] == services.DEFAULT_FORMULA
    assert facts["方案状态"] == "未保存方案，使用默认公式"
    assert "变量 obs_score" in facts


def grow(w, extra: int) -> None:
    """More units, each with a center group, findings and a 述学 report."""
    for number in range(extra):
        unit = make_org(f"丙{number}学院党委", w.root, code=f"UC{number}")
        make_group(unit)
        make_findings(unit, 2026, ("R-S2", "red", True), ("R-O9", "amber", True))
    make_report(w, "B")


SHEET_QUERIES = 15  # 9, and R-O18 calibration (visits, leaders, observer scores, 2 parameters), R-O22 tally


@pytest.mark.parametrize("extra", [0, 6])
def test_the_sheet_runs_a_fixed_number_of_queries_whatever_the_data_size(
    scored, client_for, django_assert_num_queries, extra
):
    grow(scored, extra)
    client = client_for(scored.supervisor)
    client.get(reverse("home"))  # first request after sign-in: its one-off writes and lookups
    with django_assert_num_queries(SHEET_QUERIES):
        response = client.get(reverse("assessment:sheet"), {"year": "2026"})
    assert response.content.decode().count("data-unit=") == 2 + extra


def test_the_page_ranks_every_unit_and_shows_them_a_page_at_a_time(scored, client_for, monkeypatch):
    """R-O14's ranks are over all units; the page lists `PER_PAGE` of them (the export has all)."""
    monkeypatch.setattr("pangting.core.paging.PER_PAGE", 3)
    grow(scored, 4)  # six units: two pages
    client = client_for(scored.supervisor)
    first = client.get(reverse("assessment:sheet"), {"year": "2026"}).content.decode()
    second = client.get(reverse("assessment:sheet"), {"year": "2026", "page": "2"}).content.decode()
    shown = [page.split('data-testid="score-sheet"')[1].count("data-unit=") for page in (first, second)]
    assert shown == [3, 3]
    assert "第 1 / 2 页，共 6 条" in first and "?year=2026&page=2" in first
    codes = {part.split('"')[0] for page in (first, second) for part in page.split('data-unit="')[1:]}
    assert codes == {scored.unit_a.code, scored.unit_b.code, "UC0", "UC1", "UC2", "UC3"}  # each unit once
    ranks = [int(cell) for cell in re.findall(r'<tr data-unit="[^"]+">\s*<td>(\d+)</td>', second)]
    assert ranks and min(ranks) >= max(int(c) for c in re.findall(r'<tr data-unit="[^"]+">\s*<td>(\d+)</td>', first))
