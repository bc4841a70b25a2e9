"""The session and training forms search their organization and people (issue 15): no <select>
of every unit and person in reach; without JavaScript the typed name or staff number is matched
within the same scope, and a namesake or an outside name is refused in Chinese."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from pangting.study.models import SecretaryTraining, StudySession
from pangting.study.tests.builders import at
from pangting.tests.builders import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        yield


def _session(**fields):
    return {
        "organization_text": "甲学院党委", "kind": "center_group", "title": "学习四中全会精神",
        "starts_at": "2026-11-27T14:30", "ends_at": "2026-11-27T16:30", "place": "301会议室",
        "agenda-TOTAL_FORMS": "0", "agenda-INITIAL_FORMS": "0",
        "speakers-TOTAL_FORMS": "1", "speakers-INITIAL_FORMS": "0", "speakers-0-speaker_name": "",
        **fields,
    }  # fmt: skip


def test_the_session_form_searches_its_organization_and_people(world, client_for):
    client = client_for(world.secretary_a)
    page = client.get(reverse("study:session_create"), {"org": world.unit_a.pk}).content.decode()
    for name in ("organization", "host", "led_by", "lecturer_person", "speakers-0-person"):
        assert f'name="{name}_text"' in page and f'<select name="{name}"' not in page, name
    assert "scope=study.change" in page
    assert 'value="甲学院党委"' in page  # the `?org=` link's unit, by name
    assert "周成员" not in page and "赵秘书" not in page  # unit B's people are not listed


def test_without_javascript_typed_names_fill_the_session_and_its_speaker(world, client_for):
    client = client_for(world.secretary_a)
    staff_no = world.secretary_a_person.staff_no
    typed = {"host_text": "陈成员", "led_by_text": staff_no, "speakers-0-person_text": "陈成员"}
    response = client.post(reverse("study:session_create"), _session(**typed))
    assert response.status_code == 302, response.content.decode()[:2000]
    session = StudySession.objects.get(title="学习四中全会精神")
    assert (session.organization, session.host, session.led_by) == (
        world.unit_a,
        world.member_person,
        world.secretary_a_person,
    )
    assert session.speeches.get().person == world.member_person


def test_the_session_form_refuses_an_outside_person_and_a_namesake_in_chinese(world, client_for):
    client = client_for(world.secretary_a)
    page = client.post(reverse("study:session_create"), _session(host_text="周成员")).content.decode()
    assert "没有姓名或工号为“周成员”的人员（或不在您的查看范围内）。" in page  # unit B's member
    make_person("陈成员", world.branch_a, post="支部书记")
    page = client.post(reverse("study:session_create"), _session(host_text="陈成员")).content.decode()
    assert "有多名人员与“陈成员”相符，请从搜索结果中选择，或输入工号。" in page
    page = client.post(reverse("study:session_create"), _session(organization_text="乙学院党委")).content.decode()
    assert "没有名称或编码为“乙学院党委”的党组织（或不在您的查看范围内）。" in page
    assert not StudySession.objects.filter(title="学习四中全会精神").exists()


def test_adding_a_row_without_javascript_keeps_the_typed_and_chosen_people(world, client_for):
    client = client_for(world.secretary_a)
    body = _session(host=str(world.member_person.pk), host_text="陈成员", led_by_text="张", add_row="speakers")
    page = client.post(reverse("study:session_create"), body).content.decode()
    assert f'name="host" value="{world.member_person.pk}"' in page
    assert 'name="led_by_text" value="张"' in page and 'name="speakers-1-person_text"' in page


TRAINING = {"organization_text": "UA", "held_on": "2026-05-20", "title": "书记培训", "hours": "2", "audience": "branch"}


def test_the_training_form_searches_its_unit_and_trainees(world, client_for):
    client = client_for(world.secretary_a)
    page = client.get(reverse("study:training_list")).content.decode()
    assert 'name="organization_text"' in page and 'name="trainees_text"' in page
    assert 'type="checkbox" name="trainees"' not in page  # nobody listed until chosen
    assert "陈成员" not in page


def test_trainees_are_typed_several_at_once_or_ticked_and_an_outside_one_is_refused(world, client_for):
    client = client_for(world.secretary_a)
    url = reverse("study:training_list")
    typed = f"张秘书、{world.member_person.staff_no}"
    assert client.post(url, {**TRAINING, "trainees_text": typed}).status_code == 302
    training = SecretaryTraining.objects.get()
    assert set(training.trainees.all()) == {world.secretary_a_person, world.member_person}
    ticked = {**TRAINING, "title": "再培训", "trainees": [str(world.liaison_person.pk)], "trainees_text": "陈成员"}
    assert client.post(url, ticked).status_code == 302
    again = SecretaryTraining.objects.get(title="再培训")
    assert set(again.trainees.all()) == {world.liaison_person, world.member_person}
    outside = client.post(url, {**TRAINING, "title": "越界", "trainees": [str(world.member_b_person.pk)]})
    assert "所选人员不存在或不在您的查看范围内。" in outside.content.decode()
    typed_outside = client.post(url, {**TRAINING, "title": "越界", "trainees_text": "张秘书，周成员"})
    page = typed_outside.content.decode()
    assert "没有姓名或工号为“周成员”的人员（或不在您的查看范围内）。" in page
    assert 'name="trainees_text" value="张秘书，周成员"' in page  # kept as typed, to correct
    assert not SecretaryTraining.objects.filter(title="越界").exists()


def test_a_ticked_trainee_stays_ticked_when_the_form_comes_back_with_an_error(world, client_for):
    client = client_for(world.secretary_a)
    body = {**TRAINING, "title": "", "trainees": [str(world.member_person.pk)]}
    page = client.post(reverse("study:training_list"), body).content.decode()
    assert f'type="checkbox" name="trainees" value="{world.member_person.pk}" checked' in page
    assert "陈成员" in page
