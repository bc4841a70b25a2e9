"""Issue 16: the cross-observation matrix shows every unit's name at 20 units and at 60 (R-O13).

Checked through the ECharts instance in a real browser: row and column labels at interval 0,
each row band tall enough for its label, the chart as tall as its rows, and a horizontal
dataZoom once the columns no longer fit."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import World
from pangting.observation.models import CrossObservation
from pangting.tests.builders import PASSWORD, make_group, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

MEASURE = """(el) => {
  const chart = echarts.getInstanceByDom(el);
  const option = chart.getOption();
  const y = option.yAxis[0], x = option.xAxis[0];
  const at = (i) => chart.convertToPixel({yAxisIndex: 0}, y.data[i]);
  return {
    rows: y.data.length, yInterval: y.axisLabel.interval, xInterval: x.axisLabel.interval,
    band: Math.abs(at(1) - at(0)), top: Math.min(at(0), at(y.data.length - 1)),
    bottom: Math.max(at(0), at(y.data.length - 1)), height: el.clientHeight,
    zoom: (option.dataZoom || []).length,
  };
}"""


def units_observing_each_other(world, count):
    units = [make_org(f"第{n:02d}学院党委", world.root) for n in range(1, count + 1)]
    for unit in units:
        make_group(unit)  # a unit has a center group (`orgs.units`)
    for n, host in enumerate(units):
        CrossObservation.objects.create(
            year=2026, semester=2, host=host, visitor=units[(n + 1) % count], status=CrossObservation.Status.ATTENDED
        )
    return units


# 58 + the world's units A and B = 60, the most units the page draws one by one (`groups.LIMIT`);
# past it the matrix shows groups or the laggards (issue 15, `test_dashboard_cross_groups`).
@pytest.mark.parametrize("count", [18, 58])
def test_the_matrix_shows_every_row_label(browser, live_server, transactional_db, count):
    ARTIFACTS.mkdir(exist_ok=True)
    world = World()
    units_observing_each_other(world, count)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "supervisor")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/reports/?year=2026&semester=2")
        chart = page.locator('[data-chart="cross_2"]')
        chart.wait_for()
        page.wait_for_selector('[data-chart="cross_2"][data-rendered="true"]')
        m = chart.evaluate(MEASURE)
        rows = count + 2  # the world's units A and B are on the axes too
        assert m["rows"] == rows and m["yInterval"] == 0 and m["xInterval"] == 0
        assert m["band"] >= 18, m  # each row's name has its own band (12 px labels)
        assert m["bottom"] < m["height"] and m["top"] > 0, m  # every row inside the chart
        assert m["zoom"] == (2 if count > 24 else 0)
        # Every row's name is drawn (SVG text), the last one too.
        assert chart.locator("text", has_text=f"第{count:02d}学院党委").count() >= 1
        chart.screenshot(path=str(ARTIFACTS / f"cross-matrix-{count}.png"))
    finally:
        context.close()
