"""The shared input validators: each refuses the exact input that gave a 500 (issue 14 item 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from pangting.core import inputs
from pangting.lib.inputs import strip_xml_illegal


@pytest.mark.parametrize(
    "value", [dt.date(9999, 1, 1), dt.date(1, 1, 1), dt.datetime(2101, 1, 1), dt.date(1899, 12, 31)]
)
def test_it_refuses_dates_outside_the_sane_years(value):
    with pytest.raises(ValidationError) as error:
        inputs.sane_date(value)
    assert "1900" in str(error.value.messages[0] % error.value.params)


def test_it_accepts_dates_at_both_ends_and_reads_the_range_from_settings(settings):
    inputs.sane_date(dt.date(1900, 1, 1))
    inputs.sane_date(dt.date(2100, 12, 31))
    settings.PANGTING_MAX_YEAR = 2050
    with pytest.raises(ValidationError):
        inputs.sane_date(dt.date(2051, 1, 1))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_it_refuses_numbers_that_are_not_finite(value):
    with pytest.raises(ValidationError, match="NaN"):
        inputs.finite_number(value)


def test_it_accepts_finite_numbers():
    for value in (0, -1.5, Decimal("3.25"), 10**30):
        inputs.finite_number(value)


@pytest.mark.parametrize(
    "text", ["标题\x00", "标题\x0b", "标\x1b题", "标题\x7f", "题\x85", "\ud800", "\uffff", "一\n二"]
)
def test_a_single_line_refuses_control_characters_and_newlines(text):
    with pytest.raises(ValidationError):
        inputs.clean_line(text)


def test_multi_line_text_keeps_tab_and_newlines_but_not_other_controls():
    inputs.clean_text("一\t二\r\n三")
    inputs.clean_line("一\t二")
    with pytest.raises(ValidationError):
        inputs.clean_text("一\x0c二")


@pytest.mark.parametrize(
    "name", ["长" * 121 + ".pdf", "a" * 400 + ".docx", "../etc/passwd", "a\\b.docx", "C:x.doc", "a\x00.pdf", ".."]
)
def test_it_refuses_unsafe_file_names(name):
    with pytest.raises(ValidationError):
        inputs.safe_file_name(name)


def test_it_checks_the_name_of_an_uploaded_file():
    with pytest.raises(ValidationError, match="120"):
        inputs.safe_file_name(SimpleUploadedFile("a" * 400 + ".docx", b"x"))


def test_it_accepts_a_120_character_file_name():
    inputs.safe_file_name("长" * 115 + ".docx")


def test_study_hours_are_non_negative_and_bounded():
    check = inputs.NonNegativeMax(24)
    check(0)
    check(Decimal("2.5"))
    for bad in (-5, 25, float("nan")):
        with pytest.raises(ValidationError):
            check(bad)


def test_stored_control_characters_are_stripped_for_documents():
    assert strip_xml_illegal("学\x00习\x0b会\t议\n") == "学习会\t议\n"


def test_import_limits_come_from_settings(settings):
    assert inputs.import_limits().max_rows == 20_000
    settings.PANGTING_IMPORT_MAX_ROWS = 10
    assert inputs.import_limits().max_rows == 10
