"""The exact inputs that gave a 500 or were wrongly accepted (issue 14 item 5 and "Lesser"),
each answered with a Chinese message and nothing saved; Word exports survive old bad text.
"""

from __future__ import annotations

import io
from decimal import Decimal

import docx
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pangting.core.system import system_actor
from pangting.lib.formula import FormulaError, compile_formula
from pangting.observation.services.records import active_rubric, composite_score, validate_rubric_items
from pangting.orgs import services as org_services
from pangting.orgs.models import Organization, OrganizationKind
from pangting.study.models import SelfStudyRecord, StudySession
from pangting.study.tests.builders import at, make_session

NOW = at(2026, 11, 20, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def session_data(w, **changes):
    data = {
        "organization": w.unit_a.pk, "kind": "center_group", "title": "学习", "place": "301",
        "starts_at": "2026-11-27T14:30", "ends_at": "2026-11-27T16:30",
        "agenda-TOTAL_FORMS": "0", "agenda-INITIAL_FORMS": "0",
        "speakers-TOTAL_FORMS": "0", "speakers-INITIAL_FORMS": "0",
    }  # fmt: skip
    return {**data, **changes}


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("9999-12-31T14:30", "9999-12-31T16:30"),
        ("0001-01-01T00:00", "0001-01-01T02:00"),
        ("1899-12-31T14:30", "1899-12-31T16:30"),
    ],
    ids=["year-9999", "year-0001", "year-1899"],
)
def test_a_session_in_a_far_year_is_refused_in_chinese_not_a_500(scoped_world, starts_at, ends_at):
    response = scoped_world.client("secretary_a").post(
        reverse("study:session_create"), session_data(scoped_world, starts_at=starts_at, ends_at=ends_at)
    )
    assert response.status_code == 200
    assert "年份应在1900年至2100年之间" in response.content.decode()
    assert not StudySession.objects.filter(title="学习").exists()


@pytest.mark.parametrize("year", [9999, 1])
def test_the_session_service_refuses_far_years_too_for_the_api(scoped_world, year):
    import datetime as dt

    from pangting.study.services import create_session

    starts = dt.datetime(year, 6, 1, 8, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as error:
        create_session(
            actor=scoped_world.secretary_a, organization=scoped_world.unit_a, starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2), title="学习", place="301",
        )  # fmt: skip
    assert "starts_at" in error.value.message_dict


@pytest.mark.parametrize("title", ["学习\x0b会", "学\x1b[31m习", "学习\x7f", "学\x85习"])
def test_control_characters_in_a_title_are_refused_at_input(scoped_world, title):
    response = scoped_world.client("secretary_a").post(
        reverse("study:session_create"), session_data(scoped_world, title=title)
    )
    assert response.status_code == 200
    assert "不可见的控制字符" in response.content.decode()
    assert not StudySession.objects.filter(place="301").exists()


def test_a_nul_character_is_refused_before_any_form_sees_it(scoped_world):
    response = scoped_world.client("secretary_a").post(
        reverse("study:session_create"), session_data(scoped_world, title="学习\x00会")
    )
    assert response.status_code == 400
    assert not StudySession.objects.filter(place="301").exists()


def test_a_title_stored_with_control_characters_still_exports_to_word(scoped_world):
    session = make_session(scoped_world.unit_a, starts_at=at(2026, 11, 25))
    # As stored before input refused them (no full_clean on a queryset update). No NUL here:
    # PostgreSQL never stores one, and the request middleware answers 400 to any.
    StudySession.objects.filter(pk=session.pk).update(title="学习\x0b四中\x0c全会\x1f精神", place="301\x08室")
    client = scoped_world.client("secretary_a")
    for kind in ("plan", "arrangement"):
        response = client.get(reverse("study:session_document", args=[session.pk, kind]))
        assert response.status_code == 200
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
        tables = "\n".join(
            c.text for t in docx.Document(io.BytesIO(response.content)).tables for r in t.rows for c in r.cells
        )
        assert "学习四中全会精神" in text + tables


@pytest.mark.parametrize("value", ["NaN", "nan", "sNaN", "Infinity", "-inf"])
def test_a_score_of_nan_is_refused_as_not_a_number(db, value):
    rubric = active_rubric()
    items = validate_rubric_items(rubric.items)
    scores = {item["key"]: 90 for item in items} | {items[0]["key"]: value}
    with pytest.raises(ValidationError, match="得分不是数字"):
        composite_score(rubric, scores)
    assert composite_score(rubric, {item["key"]: 90 for item in items}) == Decimal("90.0")


@pytest.mark.parametrize("source", ["9" * 999, "x + " + "9" * 400, "1" + "0" * 400 + " / x"])
def test_a_formula_with_a_999_digit_number_is_refused_with_a_message(source):
    with pytest.raises(FormulaError, match="数值超出范围"):
        compile_formula(source, variables=["x"])


def test_an_attachment_with_a_400_character_name_is_refused_in_chinese(scoped_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session = make_session(scoped_world.unit_a, starts_at=at(2026, 11, 25))
    upload = SimpleUploadedFile("a" * 396 + ".pdf", b"%PDF-1.4 test")
    response = scoped_world.client("secretary_a").post(
        reverse("study:attachment_upload", args=[session.pk]), {"kind": "minutes", "file": upload}, follow=True
    )
    assert response.status_code == 200
    assert "文件名太长" in response.content.decode()
    assert not session.attachments.exists()


@pytest.mark.parametrize("hours", ["-5", "-0.5", "25", "NaN"])
def test_negative_or_absurd_study_hours_are_refused_by_the_api(scoped_world, hours):
    response = scoped_world.client("member", api=True).post(
        "/api/v1/self-study-records/",
        {"studied_on": "2026-11-19", "material": "党章", "hours": hours},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert not SelfStudyRecord.objects.filter(material="党章").exists()


def test_sane_study_hours_are_still_accepted(scoped_world):
    response = scoped_world.client("member", api=True).post(
        "/api/v1/self-study-records/",
        {"studied_on": "2026-11-19", "material": "党章", "hours": "1.5"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_a_branch_cannot_be_created_under_a_party_group(scoped_world):
    w = scoped_world
    group = org_services.create_organization(
        actor=system_actor(), parent=w.branch_a, name="第一党小组", code="UA1G", kind=OrganizationKind.PARTY_GROUP
    )
    response = w.client("supervisor").post(
        reverse("orgs:organization_create"),
        {"name": "小组下的支部", "code": "BAD1", "kind": OrganizationKind.BRANCH, "parent": group.pk, "sort_order": 0},
    )
    assert response.status_code == 200
    assert "党支部不能设在党小组之下" in response.content.decode()
    assert not Organization.objects.filter(code="BAD1").exists()


@pytest.mark.parametrize(
    ("kind", "parent_kind", "allowed"),
    [
        (OrganizationKind.BRANCH, OrganizationKind.PARTY_GROUP, False),
        (OrganizationKind.PARTY_GROUP, OrganizationKind.PARTY_GROUP, False),
        (OrganizationKind.GENERAL_BRANCH, OrganizationKind.BRANCH, False),
        (OrganizationKind.PARTY_COMMITTEE, OrganizationKind.BRANCH, False),
        (OrganizationKind.PARTY_GROUP, None, False),
        (OrganizationKind.BRANCH, OrganizationKind.GENERAL_BRANCH, True),
        (OrganizationKind.PARTY_GROUP, OrganizationKind.BRANCH, True),
        (OrganizationKind.PARTY_COMMITTEE, OrganizationKind.PARTY_COMMITTEE, True),
        (OrganizationKind.PARTY_COMMITTEE, None, True),
    ],
)
def test_the_tree_has_one_table_of_allowed_parent_kinds(kind, parent_kind, allowed):
    from pangting.orgs.models import parent_kind_allowed

    assert parent_kind_allowed(kind, parent_kind) is allowed


def test_a_branch_with_party_groups_cannot_become_a_party_group(scoped_world):
    w, actor = scoped_world, system_actor()
    general = org_services.create_organization(
        actor=actor, parent=w.unit_a, name="党总支", code="UAG", kind=OrganizationKind.GENERAL_BRANCH
    )
    branch = org_services.create_organization(
        actor=actor, parent=general, name="党支部", code="UAG1", kind=OrganizationKind.BRANCH
    )
    org_services.create_organization(
        actor=actor, parent=branch, name="党小组", code="UAG1G", kind=OrganizationKind.PARTY_GROUP
    )
    with pytest.raises(ValidationError, match="下级有党小组，不能改为党小组"):
        org_services.update_organization(branch, actor=actor, kind=OrganizationKind.PARTY_GROUP)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": "9999-12-31T14:30:00+08:00", "ends_at": "9999-12-31T16:30:00+08:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T08:30:00+08:00", "ends_at": "0001-01-01T10:30:00+08:00"}, "starts_at"),
        ({"title": "学习\x0b四中全会"}, "title"),
    ],
    ids=["year-9999", "year-0001", "control-character"],
)
def test_the_session_api_refuses_the_same_input_with_a_400(scoped_world, changes, field):
    payload = {
        "organization": scoped_world.unit_a.pk, "kind": "center_group", "title": "学习", "place": "301",
        "starts_at": "2026-11-25T14:30:00+08:00", "ends_at": "2026-11-25T16:30:00+08:00", **changes,
    }  # fmt: skip
    response = scoped_world.client("secretary_a", api=True).post(
        "/api/v1/study-sessions/", payload, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    # A field error, or the parser's refusal of a control character, which names the field.
    body = response.json()
    assert field in body or field in body.get("detail", ""), body
    assert not StudySession.objects.filter(place="301").exists()
