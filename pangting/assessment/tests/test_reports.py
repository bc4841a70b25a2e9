"""Leaders' study reports (述学): who files, who sees, who rates; the checks on what is filed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pangting.assessment import services
from pangting.assessment.models import StudyReport
from pangting.assessment.tests.builders import make_report
from pangting.tests.builders import make_person


def form_data(w, **changes):
    data = {
        "organization": str(w.unit_a.pk),
        "person": str(w.member_person.pk),
        "year": "2026",
        "title": "2026年度个人述学",
        "delivered_on": "2026-06-01",
        "summary": "学习情况。",
    }
    data.update(changes)
    return data


def test_the_unit_secretary_files_a_report_with_material(world, client_for):
    upload = SimpleUploadedFile("述学.pdf", b"%PDF-1.4 text")
    response = client_for(world.secretary_a).post(
        reverse("assessment:report_create"), {**form_data(world), "file": upload}
    )
    assert response.status_code == 302
    report = StudyReport.objects.get()
    assert (report.person, report.organization, report.original_name) == (world.member_person, world.unit_a, "述学.pdf")
    download = client_for(world.member).get(reverse("assessment:report_file", args=[report.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 text"


def test_the_secretary_of_unit_b_neither_sees_nor_files_unit_as_reports(world, client_for):
    report = make_report(world, "A")
    client = client_for(world.secretary_b)
    assert client.get(reverse("assessment:report_detail", args=[report.pk])).status_code == 404
    assert report.title not in client.get(reverse("assessment:report_list")).content.decode()
    response = client.post(reverse("assessment:report_create"), form_data(world))
    assert response.status_code == 200
    assert StudyReport.objects.count() == 1


def test_the_list_filters_by_year_unit_rating_and_name(world, client_for):
    make_report(world, "A", year=2025, title="甲二〇二五")
    make_report(world, "A", title="甲二〇二六", rating="excellent")
    make_report(world, "B", title="乙二〇二六")
    client = client_for(world.supervisor)

    def titles(**params):
        page = client.get(reverse("assessment:report_list"), params).content.decode()
        return [t for t in ("甲二〇二五", "甲二〇二六", "乙二〇二六") if t in page]

    assert titles() == ["甲二〇二五", "甲二〇二六", "乙二〇二六"]
    assert titles(year="2026") == ["甲二〇二六", "乙二〇二六"]
    assert titles(unit=str(world.unit_b.pk)) == ["乙二〇二六"]
    assert titles(rating="excellent") == ["甲二〇二六"]
    assert titles(rating="none") == ["甲二〇二五", "乙二〇二六"]
    assert titles(q="周成员") == ["乙二〇二六"]
    assert titles(year="abc", unit="²") == ["甲二〇二五", "甲二〇二六", "乙二〇二六"]


def test_the_list_shows_an_empty_state(world, client_for):
    assert "暂无述学报告" in client_for(world.member).get(reverse("assessment:report_list")).content.decode()


def test_only_the_supervisor_rates_a_report(world):
    report = make_report(world, "A")
    with pytest.raises(ValidationError, match="只有宣传部可以评议"):
        services.record_study_report(
            actor=world.secretary_a,
            report=report,
            person=report.person,
            organization=report.organization,
            year=2026,
            title=report.title,
            delivered_on=report.delivered_on,
            summary=report.summary,
            rating="excellent",
        )
    rated = services.record_study_report(
        actor=world.supervisor,
        report=report,
        person=report.person,
        organization=report.organization,
        year=2026,
        title=report.title,
        delivered_on=report.delivered_on,
        summary=report.summary,
        rating="good",
        rating_note="联系实际较好",
    )
    assert (rated.rating, rated.rated_by) == ("good", world.supervisor)


def test_the_secretarys_form_has_no_rating_and_editing_keeps_the_rating(world, client_for):
    report = make_report(world, "A", rating="excellent")
    client = client_for(world.secretary_a)
    page = client.get(reverse("assessment:report_edit", args=[report.pk])).content.decode()
    assert 'name="rating"' not in page
    client.post(reverse("assessment:report_edit", args=[report.pk]), form_data(world, title="改过的题目"))
    report.refresh_from_db()
    assert (report.title, report.rating) == ("改过的题目", "excellent")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"person": "B"}, "person", "不属于甲学院党委"),
        ({"delivered_on": dt.date(2025, 12, 30)}, "delivered_on", "应在2026年内"),
        ({"delivered_on": dt.date(2026, 12, 30)}, "delivered_on", "不能晚于今天"),
        ({"rating": "best"}, "rating", "评议等次“best”无效"),
    ],
)
@time_machine.travel("2026-12-04 10:00 +0800", tick=False)  # "later than today" holds on any day
def test_it_refuses_what_cannot_be_filed(world, changes, field, message):
    values = {
        "person": world.member_person,
        "organization": world.unit_a,
        "year": 2026,
        "title": "述学",
        "delivered_on": dt.date(2026, 6, 1),
        "summary": "摘要",
    }
    values.update(changes)
    if values["person"] == "B":
        values["person"] = world.member_b_person
    with pytest.raises(ValidationError) as caught:
        services.record_study_report(actor=world.supervisor, **values)
    assert message in caught.value.message_dict[field][0]


def test_it_refuses_a_file_whose_content_does_not_match_its_extension(world):
    with pytest.raises(ValidationError, match=r"内容与扩展名“\.pdf”不符"):
        make_report(world, "A", upload=SimpleUploadedFile("述学.pdf", b"MZ not a pdf"))


def test_a_school_leader_reports_at_the_committee_and_only_committee_readers_see_it(world, client_for):
    leader = make_person("孙书记", world.root, post="党委书记", is_school_leader=True)
    report = make_report(world, "A", person=leader, organization=world.root)
    assert client_for(world.viewer).get(reverse("assessment:report_detail", args=[report.pk])).status_code == 200
    assert client_for(world.secretary_a).get(reverse("assessment:report_detail", args=[report.pk])).status_code == 404


def test_deleting_is_soft(world, client_for):
    report = make_report(world, "A")
    response = client_for(world.secretary_a).post(reverse("assessment:report_delete", args=[report.pk]))
    assert response.status_code == 302
    assert not StudyReport.objects.exists()
    assert StudyReport.all_objects.get().is_deleted


LIST_QUERIES = 6  # issue 15: the unit filter is searched, no longer a query for every unit


@pytest.mark.parametrize("count", [1, 12])
def test_the_list_runs_a_fixed_number_of_queries_whatever_the_data_size(
    world, client_for, django_assert_num_queries, count
):
    for number in range(count):
        make_report(world, "AB"[number % 2], title=f"述学{number}")
    client = client_for(world.supervisor)
    client.get(reverse("home"))  # first request after sign-in: its one-off writes and lookups
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("assessment:report_list"), {"year": "2026"})
    assert response.content.decode().count("/assessment/reports/") >= count


def test_the_report_form_searches_its_unit_and_person_and_refuses_what_is_outside(world, client_for):
    """Issue 15: no <select> of every unit and person; the form takes an id or a typed name among
    where the secretary files 述学 and who delivers it (R-O22), and refuses the rest in Chinese."""
    client = client_for(world.secretary_a)
    url = reverse("assessment:report_create")
    page = client.get(url).content.decode()
    for name in ("organization", "person"):
        assert f'name="{name}_text"' in page and f'<select name="{name}"' not in page, name
    assert world.member_b_person.name not in page and world.unit_b.name not in page
    data = form_data(world)
    outside_unit = client.post(url, {**data, "organization": str(world.unit_b.pk)}).content.decode()
    assert "所选党组织不存在或不在您的查看范围内" in outside_unit
    outside_person = client.post(url, {**data, "person": "", "person_text": world.member_b_person.name})
    assert f"没有姓名或工号为“{world.member_b_person.name}”的人员" in outside_person.content.decode()
    namesake = make_person("陈成员", world.branch_a, post="组织委员", staff_no="S-CHEN9")
    ambiguous = client.post(url, {**data, "person": "", "person_text": "陈成员"}).content.decode()
    assert "有多名人员与“陈成员”相符" in ambiguous
    assert not StudyReport.objects.exists()
    typed = {**data, "organization": "", "organization_text": "甲学院党委", "person": "", "person_text": "S-CHEN9"}
    assert client.post(url, typed).status_code == 302  # no JavaScript: exact name, staff number
    assert (StudyReport.objects.get().organization, StudyReport.objects.get().person) == (world.unit_a, namesake)
    search = client.get(
        reverse("orgs:person_search"),
        {"scope": "directory.view", "report": "1", "field": "person_text", "person_text": "成员"},
    )
    assert {person.pk for person, _label in search.context["matches"]} == {world.member_person.pk, namesake.pk}
