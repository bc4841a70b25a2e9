"""Dates, periods and rule codes as people read them (issue 16): `core.dates`, `core.rule_labels`, the filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from pangting.core import dates, rule_labels
from pangting.core.templatetags.display import label_rule_codes

# 22:21 UTC on 4 December is already 5 December in Beijing: the day users live in.
LATE_UTC = dt.datetime(2026, 12, 4, 22, 21, 33, tzinfo=dt.UTC)


def render(source: str, **context: object) -> str:
    return Template("{% load display %}" + source).render(Context(context))


def test_it_writes_a_day_in_chinese_without_padding():
    assert dates.format_date(dt.date(2026, 3, 8)) == "2026年3月8日"


def test_it_shows_a_moment_on_its_beijing_day_and_time():
    assert dates.format_date(LATE_UTC) == "2026年12月5日"
    assert dates.format_datetime(LATE_UTC) == "2026年12月5日 06:21"
    assert dates.format_datetime(LATE_UTC, seconds=True) == "2026年12月5日 06:21:33"


def test_it_writes_readable_english_dates_in_english_mode():
    with translation.override("en"):
        assert dates.format_date(dt.date(2026, 12, 18)) == "18 Dec 2026"
        assert dates.format_datetime(LATE_UTC) == "5 Dec 2026 06:21"
        assert dates.format_period("2026-Q3") == "Q3 2026"
        # Stored Chinese text stays Chinese whoever triggers it.
        assert dates.chinese_date(dt.date(2026, 12, 18)) == "2026年12月18日"


def test_it_names_the_periods_of_findings():
    assert dates.format_period("2026") == "2026年"
    assert dates.format_period("2026-H1") == "2026年春季学期"
    assert dates.format_period("2026-H2") == "2026年秋季学期"
    assert dates.format_period("2026-Q3") == "2026年第三季度"
    assert dates.format_period("2026-03") == "2026年3月"
    assert dates.format_period("unknown") == "unknown"


def test_it_rewrites_iso_dates_in_stored_text():
    text = dates.humanize_iso("截止2026-12-18；提交于2026-12-04T22:21:33+00:00；编号12026-12-181")
    assert text == "截止2026年12月18日；提交于2026年12月5日 06:21；编号12026-12-181"


def test_the_filters_render_nothing_for_a_missing_value():
    assert render("[{{ d|cn_date }}][{{ d|cn_datetime }}]", d=None) == "[][]"
    assert render("{{ d|cn_date|default:'—' }}", d=None) == "—"


def test_the_filters_render_days_moments_and_periods():
    out = render(
        "{{ day|cn_date }} {{ at|cn_datetime }} {{ p|cn_period }}", day=dt.date(2026, 1, 2), at=LATE_UTC, p="2026-Q1"
    )
    assert out == "2026年1月2日 2026年12月5日 06:21 2026年第一季度"


def test_a_checked_rule_shows_the_title_it_registered_with_the_code_in_a_tooltip():
    # R-S3 is registered by study (parameters) and compliance (its check): one title, reused.
    from pangting.core import parameters

    assert rule_labels.rule_title("R-S3") == parameters.TITLES["R-S3"]
    html = render('{{ "R-S3"|rule_label }}')
    assert html == f'<abbr class="rule" title="R-S3">{parameters.TITLES["R-S3"]}</abbr>'


def test_a_rule_without_a_check_has_a_label_too():
    assert rule_labels.rule_title("R-O3") == "联系领导带队旁听"
    assert rule_labels.rule_title("R-X1") == "R-X1"


@pytest.mark.parametrize("rule_id", ["R-S13", "R-O2", "R-O14", "R-O16", "R-B6"])
def test_every_rule_cited_in_pages_has_a_label(rule_id):
    assert rule_labels.rule_title(rule_id) != rule_id


def test_codes_in_text_become_labels_but_attributes_and_form_values_stay():
    html = '<p title="R-S3">参学率（R-S3）</p><textarea name="n">R-S4</textarea><script>var r = "R-S5";</script>'
    out = label_rule_codes(html)
    assert '<p title="R-S3">参学率（<abbr class="rule" title="R-S3">' in out
    assert '<textarea name="n">R-S4</textarea>' in out
    assert '<script>var r = "R-S5";</script>' in out


def test_the_block_escapes_what_it_labels():
    out = render("{% rule_labels %}{{ text }}{% endrule_labels %}", text="<b>R-S4</b>")
    assert out.startswith("&lt;b&gt;<abbr")
    assert "<b>" not in out


def test_the_text_filter_labels_codes_and_escapes_the_rest():
    out = render("{{ text|rule_labels_in }}", text="<i>见R-S4</i>")
    assert out.startswith('&lt;i&gt;见<abbr class="rule" title="R-S4">')


def test_the_base_template_labels_codes_in_messages_and_content():
    from django.template.loader import render_to_string

    html = render_to_string("base.html", {"messages": ["王校领导须回避机电工程学院，不能带队旁听（R-O3）。"]})
    assert '（<abbr class="rule" title="R-O3">联系领导带队旁听</abbr>）' in html


def test_a_problem_moves_its_rule_citation_to_the_tooltip():
    text, cited = rule_labels.split_citation("1名发言人无书面发言材料（R-S6）")
    assert text == "1名发言人无书面发言材料"
    assert cited == "R-S6 发言人有书面发言材料"
    assert rule_labels.split_citation("无问题") == ("无问题", "")
    out = render('<span title="{{ p|citation }}">{{ p|cited_text }}</span>', p="未安排“第一议题”（R-S4）")
    assert out == '<span title="R-S4 学习第一议题">未安排“第一议题”</span>'


def test_a_day_with_the_zone_read_once_is_the_day_localdate_gives():
    # Issue 15: a run of the checks reads the time zone once; the days it makes do not change.
    from django.utils import timezone

    moments = [LATE_UTC, LATE_UTC.replace(hour=15, minute=59), LATE_UTC.replace(hour=16, minute=0)]
    expected = [timezone.localdate(m) for m in moments]
    assert expected[0] == dt.date(2026, 12, 5) and expected[1] != expected[2]
    with dates.zone_read_once():
        assert [dates.local_day(m) for m in moments] == expected
        with timezone.override("UTC"):  # read on entry: a later switch is not seen inside
            assert [dates.local_day(m) for m in moments] == expected
    assert [dates.local_day(m) for m in moments] == expected
    with pytest.raises(ValueError):
        dates.local_day(dt.datetime(2026, 12, 4, 22))  # a naive moment is refused as localdate does
