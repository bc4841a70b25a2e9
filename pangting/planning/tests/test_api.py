"""Planning API: draws (the published record, seed only after the draw, R-O2), plan runs, unavailability.

Only who manages observation at the supervising organization reaches them (the supervisor);
everyone else gets empty lists and 404, like a missing record.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from pangting.lib import draw as drawlib
from pangting.planning import services

from .builders import make_draw

pytestmark = pytest.mark.django_db

BASE = "/api/v1/planning"
OTHERS = ("leader", "liaison", "secretary_a", "secretary_b", "member", "viewer", "sysadmin", "outsider")


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def make_run(w: Any, year: int = 2027) -> Any:
    return services.create_run(actor=w.supervisor, supervisor_org=w.root, year=year, time_limit=2)


def make_unavailability(w: Any, year: int = 2027, person: Any = None) -> Any:
    return services.create_unavailability(
        actor=w.supervisor, supervisor_org=w.root, person=person or w.leader_person, year=year, first_month=5,
        last_month=6, reason="赴省委党校学习",
    )  # fmt: skip


def test_it_shows_draws_only_to_who_manages_observation(world):
    """R-O2: the viewer sees observation but does not manage it, so a draw is 404 to it as to an outsider."""
    draw = make_draw(world)
    assert ids(api(world.supervisor).get(f"{BASE}/draws/")) == {draw.pk}
    for persona in OTHERS:
        client = api(getattr(world, persona))
        assert ids(client.get(f"{BASE}/draws/")) == set(), persona
        assert client.get(f"{BASE}/draws/{draw.pk}/").status_code == 404, persona
    assert api(world.supervisor).get(f"{BASE}/draws/{draw.pk + 1000}/").status_code == 404


def test_it_keeps_the_seed_secret_until_the_draw(world):
    """R-O2: before the draw the record carries the commitment but neither the seed nor picks."""
    draw = make_draw(world)
    data = api(world.supervisor).get(f"{BASE}/draws/{draw.pk}/").json()
    assert data["status"] == "committed" and data["picks"] == []
    record = data["record"]
    assert record["seed_hex"] is None and record["public_value"] is None and record["picks"] == []
    assert record["seed_commitment"] == draw.seed_commitment and record["candidate_hash"] == draw.candidate_hash
    assert draw.seed_hex not in str(data)


def test_it_publishes_a_drawn_record_that_verifies(world):
    """R-O2: after the draw the record has the revealed seed, the picks and the digest, and verifies."""
    draw = make_draw(world, drawn=True)
    data = api(world.supervisor).get(f"{BASE}/draws/{draw.pk}/").json()
    record = data["record"]
    assert data["status"] == "drawn" and record["seed_hex"] == draw.seed_hex
    assert record["public_value"] == "3267.58" and record["result_digest"] == draw.result_digest
    assert record == draw.to_record().to_dict()
    assert [p["id"] for p in data["picks"]] == record["picks"] and data["picks"][0]["name"] in (
        world.unit_a.name,
        world.unit_b.name,
    )
    assert {c["name"] for c in record["candidates"]} == {world.unit_a.name, world.unit_b.name}
    assert drawlib.verify(drawlib.DrawRecord.from_dict(record)).ok


def test_it_shows_a_superseded_draw_with_its_redraw(world):
    """R-O2: a re-draw is a new record pointing at the old one; the old one says it was superseded."""
    old = make_draw(world, drawn=True)
    new = make_draw(world, redraw_of=old, redraw_reason="公开随机值来源当日休市，改用次日收盘点位")
    client = api(world.supervisor)
    data = client.get(f"{BASE}/draws/{old.pk}/").json()
    assert (data["superseded_by"], data["redraws"], data["visits"]) == (new.pk, [new.pk], [])
    newer = client.get(f"{BASE}/draws/{new.pk}/").json()
    assert (newer["redraw_of"], newer["redraw_reason"], newer["superseded_by"]) == (
        old.pk,
        "公开随机值来源当日休市，改用次日收盘点位",
        None,
    )


def test_it_shows_the_visits_made_from_a_draw(world):
    draw = make_draw(world, candidates=[world.unit_a], exclusions=[(world.unit_b, "本学期已旁听")], drawn=True)
    (visit,) = services.create_visits_from_draw(draw, actor=world.supervisor, semester=2)
    data = api(world.supervisor).get(f"{BASE}/draws/{draw.pk}/").json()
    assert data["visits"] == [
        {"id": visit.pk, "unit": world.unit_a.pk, "unit_name": world.unit_a.name, "semester": 2, "state": visit.state}
    ]
    assert data["record"]["exclusions"] == [
        {"id": str(world.unit_b.pk), "name": world.unit_b.name, "reason": "本学期已旁听"}
    ]


def test_it_filters_draws_by_year(world):
    this_year, next_year = make_draw(world), make_draw(world, year=2027)
    client = api(world.supervisor)
    assert ids(client.get(f"{BASE}/draws/", {"year": 2027})) == {next_year.pk}
    assert ids(client.get(f"{BASE}/draws/", {"year": 2026})) == {this_year.pk}


def test_it_lists_draws_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = api(world.supervisor)
    make_draw(world, drawn=True)
    with django_assert_max_num_queries(6) as few:
        assert len(ids(client.get(f"{BASE}/draws/"))) == 1
    for _ in range(5):
        make_draw(world, drawn=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(client.get(f"{BASE}/draws/"))) == 6


def test_it_shows_plan_runs_with_status_and_progress_to_managers_only(world):
    run = make_run(world)
    data = api(world.supervisor).get(f"{BASE}/runs/{run.pk}/").json()
    assert data["status"] == "queued" and data["progress"] == 0 and data["finished"] is False
    assert data["year"] == 2027 and "draft" in data
    listed = api(world.supervisor).get(f"{BASE}/runs/").json()["results"]
    assert [r["id"] for r in listed] == [run.pk] and "draft" not in listed[0]
    for persona in OTHERS:
        client = api(getattr(world, persona))
        assert ids(client.get(f"{BASE}/runs/")) == set(), persona
        assert client.get(f"{BASE}/runs/{run.pk}/").status_code == 404, persona


def test_it_filters_plan_runs_by_year_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = api(world.supervisor)
    first = make_run(world, 2027)
    with django_assert_max_num_queries(6) as few:
        assert ids(client.get(f"{BASE}/runs/")) == {first.pk}
    later = {make_run(world, 2028).pk for _ in range(4)}
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert ids(client.get(f"{BASE}/runs/", {"year": 2028})) == later


def test_it_lists_unavailability_to_managers_only_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    row = make_unavailability(world)
    client = api(world.supervisor)
    with django_assert_max_num_queries(6) as few:
        data = client.get(f"{BASE}/unavailability/").json()["results"]
    assert [(r["id"], r["person_name"], r["months_label"]) for r in data] == [
        (row.pk, world.leader_person.name, "5月至6月")
    ]
    make_unavailability(world, person=world.liaison_person)
    make_unavailability(world, year=2028)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(client.get(f"{BASE}/unavailability/"))) == 3
    assert len(ids(client.get(f"{BASE}/unavailability/", {"year": 2028}))) == 1
    for persona in OTHERS:
        assert ids(api(getattr(world, persona)).get(f"{BASE}/unavailability/")) == set(), persona
    assert client.get(f"{BASE}/unavailability/{row.pk}/").status_code == 404  # list only: no detail route
