"""The R-S8 judgement with its explanation on the session page, the observation record and the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from pangting.study.models import AgendaItem
from pangting.study.tests.builders import make_session

pytestmark = pytest.mark.django_db
K = AgendaItem.Kind
DISGUISED = [
    {"kind": K.FIRST_ITEM, "title": "传达上级文件精神"},
    {"kind": K.THEORY, "title": "部署招生与就业工作"},
]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_session_page_shows_each_item_judged_with_the_words_that_decided(world, client_for):
    session = make_session(world.unit_a, agenda=DISGUISED)
    page = client_for(world.secretary_a).get(f"/study/sessions/{session.pk}/").content.decode()
    assert 'data-testid="substitution"' in page
    assert "议程中没有理论学习内容，疑似以工作会议代替学习" in page
    assert "传达文件" in page and "工作部署" in page
    assert "传达、文件" in page and "部署、招生、就业" in page


def test_the_session_page_passes_a_study_session(world, client_for):
    session = make_session(world.unit_a)  # the builders' standard agenda: 第一议题, study, discussion
    page = client_for(world.secretary_a).get(f"/study/sessions/{session.pk}/").content.decode()
    assert "理论学习内容占比" in page and "疑似" not in page


def test_the_session_page_says_an_empty_agenda_cannot_be_judged(world, client_for):
    session = make_session(world.unit_a, agenda=[])
    page = client_for(world.secretary_a).get(f"/study/sessions/{session.pk}/").content.decode()
    assert "未填写议程，无法判断学习内容" in page


def test_the_api_answers_the_judgement_with_its_explanation(world):
    session = make_session(world.unit_a, agenda=DISGUISED)
    response = api(world.secretary_a).get(f"/api/v1/analysis/substitution/{session.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["flagged"] is True and data["study_items"] == 0 and data["empty_agenda"] is False
    items = [i for i in data["items"] if not i["is_title"]]
    assert [(i["label"], i["declared_kind"]) for i in items] == [
        ("document_relay", "第一议题"),
        ("work_deployment", "理论学习"),
    ]
    assert items[1]["terms"][:3] == ["部署", "招生", "就业"]
    assert items[1]["explanation"].startswith("「部署招生与就业工作」判为工作部署")


def test_the_api_passes_a_study_session_and_hides_another_units_session(world):
    session = make_session(world.unit_a)
    data = api(world.secretary_a).get(f"/api/v1/analysis/substitution/{session.pk}/").json()
    assert data["flagged"] is False and data["study_share"] == 1.0
    assert api(world.secretary_b).get(f"/api/v1/analysis/substitution/{session.pk}/").status_code == 404
    for bad in ("abc", "²", str(2**64)):
        assert api(world.secretary_a).get(f"/api/v1/analysis/substitution/{bad}/").status_code == 404


def test_the_observation_record_form_shows_the_judgement_of_the_observed_session(world, client_for):
    """The observer fills the record beside what the agenda really was (R-S8)."""
    from pangting.observation.tests.scenes import session_on, travel, walk

    with travel("2026-09-20"):
        session = session_on(world, agenda=DISGUISED)
    visit = walk(world, "observed", session=session)
    with travel("2026-10-01"):
        page = client_for(world.liaison).get(f"/observation/{visit.pk}/record/").content.decode()
    assert 'data-testid="substitution"' in page and "议程中没有理论学习内容" in page


def test_the_session_page_names_configured_terms_it_had_to_ignore(world, client_for):
    from pangting.core import parameters
    from pangting.core.system import system_actor

    parameters.set_value("R-S8", "extra_terms", "读书班=theory_study:3，读书会", actor=system_actor())
    session = make_session(world.unit_a)
    page = client_for(world.secretary_a).get(f"/study/sessions/{session.pk}/").content.decode()
    assert 'data-testid="invalid-terms"' in page and "读书会" in page and "读书班=theory_study:3" not in page
