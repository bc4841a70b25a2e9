"""R-S14: the archive page and the one-click export of a unit's year (a zip with an index)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from pangting.compliance.tests.builders import good_session, travel
from pangting.study.models import Attachment

pytestmark = pytest.mark.django_db


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_it_exports_a_units_year_as_a_zip_with_chinese_names_and_an_index(world, client_for):
    session = good_session(world, summary="")
    Attachment.objects.create(
        session=session, kind=Attachment.Kind.PHOTO, file=ContentFile(b"jpeg", name="p.jpg"),
        original_name="现场照片.jpg", size=4,
    )  # fmt: skip
    with travel(dt.date(2026, 12, 1)):
        response = client_for(world.secretary_a).get(reverse("study:archive_export", args=[world.unit_a.pk, 2026]))
    assert response.status_code == 200
    assert "2026%E5%B9%B4" in response["Content-Disposition"]  # 2026年…学习档案.zip
    archive = _zip(response)
    names = archive.namelist()
    root = "甲学院党委2026年学习档案"
    assert f"{root}/00目录.xlsx" in names
    assert any(n.startswith(f"{root}/01年度学习计划/") and n.endswith(".xlsx") for n in names)
    folder = f"{root}/02学习会/01_20261015_深入学习贯彻党的二十届四中全会精神"
    for name in ("学习会方案.docx", "学习安排报送表.docx", "签到考勤表.xlsx", "附件/现场照片.jpg"):
        assert f"{folder}/{name}" in names
    assert archive.read(f"{folder}/附件/现场照片.jpg") == b"jpeg"
    index = openpyxl.load_workbook(io.BytesIO(archive.read(f"{root}/00目录.xlsx")))
    listed = [row[1] for row in index["目录"].iter_rows(min_row=2, values_only=True)]
    assert len(listed) == len(names) - 1
    assert f"{folder[len(root) + 1 :]}/学习会方案.docx" in listed
    gaps = list(index["缺项（R-S14）"].iter_rows(min_row=2, values_only=True))
    assert [g[2] for g in gaps] == ["会议记录/纪要"]  # the R-S14 gap is in the index


def test_it_refuses_another_units_archive_as_not_found(world, client_for):
    good_session(world)
    url = reverse("study:archive_export", args=[world.unit_a.pk, 2026])
    assert client_for(world.secretary_b).get(url).status_code == 404
    assert client_for(world.outsider).get(url).status_code in (403, 404)
    assert client_for(world.supervisor).get(url).status_code == 200


def test_it_refuses_an_impossible_year(world, client_for):
    url = reverse("study:archive_export", args=[world.unit_a.pk, 1800])
    assert client_for(world.secretary_a).get(url).status_code == 404


def test_the_archive_page_lists_each_units_gaps_in_scope(world, client_for):
    good_session(world, summary="")
    with travel(dt.date(2026, 12, 1)):
        page = client_for(world.supervisor).get(reverse("study:archive_overview") + "?year=2026")
        own = client_for(world.secretary_b).get(reverse("study:archive_overview") + "?year=2026")
    text = page.content.decode()
    assert "甲学院党委" in text and "乙学院党委" in text and "会议记录/纪要" in text
    assert "甲学院党委" not in own.content.decode()
    bad = client_for(world.supervisor).get(reverse("study:archive_overview") + "?year=abc")
    assert bad.status_code == 200


def test_the_gaps_of_all_units_cost_the_same_few_queries_whatever_the_sessions(world, django_assert_num_queries):
    from pangting.study.archive import archive_gaps

    good_session(world, dt.date(2026, 9, 15), summary="")
    units = [world.unit_a, world.unit_b]
    with travel(dt.date(2026, 12, 1)):
        with django_assert_num_queries(4):  # the two rules' parameters, the plans, the sessions with what they keep
            few = archive_gaps(units, 2026)
        good_session(world, dt.date(2026, 10, 15), summary="")
        with django_assert_num_queries(4):
            more = archive_gaps(units, 2026)
    assert len(few[0].gaps) == 1 and len(more[0].gaps) == 2
