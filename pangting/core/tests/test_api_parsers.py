"""The API refuses control characters and non-finite numbers while parsing, for every operation (issue 14, item 5)."""

from __future__ import annotations

import pytest

from pangting.core.api_parsers import first_problem
from pangting.tests.builders import PASSWORD


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"title": "学习会\x0b"}, "title"),
        ({"title": "ok", "agenda": [{"topic": "a\x00b"}]}, "agenda[0].topic"),
        ({"score": float("nan")}, "score"),
        ({"score": float("inf")}, "score"),
        ({"bad\x01key": "x"}, "bad\x01key"),
        ({"text": "lone \ud800 half"}, "text"),
        ({"title": "第一行\n第二行\t缩进\r"}, None),  # tab and line breaks are text
        ({"score": 1.5, "n": 3, "flag": True, "none": None}, None),
    ],
)
def test_it_finds_the_first_unsafe_value(data, where):
    assert first_problem(data) == where


def test_a_control_character_in_a_json_body_answers_400_naming_the_field(world, client):
    client.force_login(world.supervisor)
    body = '{"name": "新组织\\u0007", "parent": ' + str(world.unit_a.pk) + ', "kind": "branch"}'
    response = client.post("/api/v1/organizations/", body, content_type="application/json")
    assert response.status_code == 400 and "name" in response.json()["detail"]


def test_an_infinite_number_in_a_json_body_answers_400(world, client):
    client.force_login(world.supervisor)
    response = client.post("/api/v1/organizations/", '{"name": 1e999}', content_type="application/json")
    assert response.status_code == 400


def test_a_control_character_in_a_form_body_answers_400(world, client):
    response = client.post("/api/v1/auth/token", {"username": "supervisor\x01", "password": PASSWORD})
    assert response.status_code == 400 and "username" in response.json()["detail"]
