"""Random draws (R-O2 random mode, 双随机一公开; conventions.md "Random selection")."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, models
from django.urls import reverse

from pangting.accounts.models import Role
from pangting.core.system import system_actor
from pangting.lib import draw as drawlib
from pangting.observation.models import Mode, State, TeamMember, Visit
from pangting.orgs import services as org_services
from pangting.planning import services
from pangting.planning.models import Draw
from pangting.planning.tests.builders import make_draw
from pangting.tests.builders import make_org, make_user

VERIFIER = Path(settings.BASE_DIR) / "tools" / "verify_draw.py"


def run_verifier(tmp_path: Path, record_json: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "record.json"
    path.write_text(record_json, encoding="utf-8")
    return subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, timeout=30)


def tamper(draw: Draw, column: str, value: object) -> Draw:
    """Change a stored column behind the application's back, as someone with database access could."""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE planning_draw SET {column} = %s WHERE id = %s", [value, draw.pk])  # noqa: S608
    return Draw.objects.get(pk=draw.pk)


def changing(draw: Draw, field: str, base: str) -> str:
    """A new value for a MACed input that changes the picks.

    With few candidates, some other values lead to the same picks by chance; such a change
    alters nothing that was decided, and re-derivation cannot (and need not) notice it.
    """
    from dataclasses import replace

    for n in range(100):
        value = f"{base}{n}"
        if not drawlib.verify(replace(draw.to_record(), **{field: value})).ok:
            return value
    raise AssertionError("no value changes the picks")


# --- commit, draw, verify -----------------------------------------------------------------


def test_it_publishes_the_commitment_before_the_draw_and_keeps_the_seed_secret(world):
    draw = make_draw(world)
    assert draw.status == Draw.Status.COMMITTED
    assert draw.seed_commitment == hashlib.sha256(bytes.fromhex(draw.seed_hex)).hexdigest()
    record = draw.to_record().to_dict()
    assert record["seed_hex"] is None and record["picks"] == [] and record["public_value"] is None
    assert record["candidate_hash"] == drawlib.candidate_snapshot_hash(
        draw.to_record().candidates, draw.to_record().exclusions
    )
    page = world_client(world).get(reverse("planning:draw_detail", args=[draw.pk])).content.decode()
    assert draw.seed_commitment in page and draw.candidate_hash in page and "上证指数" in page
    assert draw.seed_hex not in page


def world_client(world, user=None):
    from django.test import Client

    client = Client()
    client.force_login(user or world.supervisor)
    return client


def test_it_verifies_with_the_library_the_command_and_the_stand_alone_verifier(world, tmp_path, capsys):
    draw = make_draw(world, drawn=True)
    assert draw.status == Draw.Status.DRAWN and len(draw.picks) == 1
    assert draw.picks[0] in {str(world.unit_a.pk), str(world.unit_b.pk)}
    assert services.verify_draw(draw).ok
    assert drawlib.verify(draw.to_record()).ok

    response = world_client(world).get(reverse("planning:draw_record", args=[draw.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    published = response.content.decode()
    assert json.loads(published)["seed_hex"] == draw.seed_hex
    result = run_verifier(tmp_path, published)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "验证结果：通过" in result.stdout

    call_command("verify_draw", str(draw.pk))
    assert "验证结果：通过" in capsys.readouterr().out


def test_it_repeats_the_same_picks_for_the_same_inputs(world):
    """The picks are a pure function of the published record: re-deriving gives the same order."""
    draw = make_draw(world, count=2, drawn=True)
    assert services.verify_draw(draw).derived_picks == draw.picks
    assert sorted(draw.picks) == sorted([str(world.unit_a.pk), str(world.unit_b.pk)])


@pytest.mark.parametrize(
    ("column", "change"),
    [
        ("candidates", lambda d, w: [{"id": str(w.unit_a.pk), "name": "甲学院党委（改）"}, *d.candidates[1:]]),
        ("exclusions", lambda d, w: [{"id": "999", "name": "丙学院党委", "reason": "本学期已旁听"}]),
        ("public_value", lambda d, w: changing(d, "public_value", "3267.5")),
        ("seed_hex", lambda d, w: "00" * 32),
        ("picks", lambda d, w: [c["id"] for c in d.candidates if c["id"] not in d.picks][:1]),
        ("count", lambda d, w: 2),
        ("purpose", lambda d, w: changing(d, "purpose", "另一事由")),
    ],
)
def test_it_fails_verification_when_a_recorded_input_is_altered(world, tmp_path, capsys, column, change):
    draw = make_draw(world, drawn=True, exclusions=[])
    altered = tamper(draw, column, change(draw, world))
    result = services.verify_draw(altered)
    assert not result.ok and result.errors
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in error) for error in result.errors), "errors are in Chinese"

    stand_alone = run_verifier(tmp_path, altered.to_record().to_json())
    assert stand_alone.returncode == 1 and "未通过" in stand_alone.stdout

    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_draw", str(draw.pk))
    assert exit_info.value.code == 1
    assert "验证结果：未通过" in capsys.readouterr().out


def test_it_refuses_to_change_a_published_draw(world):
    draw = make_draw(world, drawn=True)
    draw.public_value = "1.00"
    with pytest.raises(ValidationError, match="不能修改"):
        draw.save()
    with pytest.raises(PermissionError):
        Draw.objects.filter(pk=draw.pk).update(picks=[])
    draw = Draw.objects.get(pk=draw.pk)
    with pytest.raises(ValidationError, match="已经完成"):
        services.perform_draw(draw, "9999.99", actor=world.supervisor)


def test_it_keeps_the_old_draw_on_a_redraw(world):
    old = make_draw(world, drawn=True)
    snapshot = old.to_record().to_json()
    with pytest.raises(ValidationError, match="说明原因"):
        make_draw(world, redraw_of=old)
    new = make_draw(world, redraw_of=old, redraw_reason="公开随机值来源当日休市，改用次日收盘点位")
    assert new.pk != old.pk and new.redraw_of == old and new.draw_id != old.draw_id
    old.refresh_from_db()
    assert old.to_record().to_json() == snapshot and services.verify_draw(old).ok
    assert services.superseded_by(old) == new
    with pytest.raises(ValidationError, match="取代"):
        services.create_visits_from_draw(old, actor=world.supervisor, semester=2)


# --- bad input: a clear Chinese message, nothing saved --------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"candidates": []}, "候选名单为空"),
        ({"count": 3}, "超过候选数量"),
        ({"count": 0}, "至少为1"),
        ({"public_value_source": "  "}, "公开随机值来源"),
        ({"purpose": ""}, "抽取事由"),
        ({"candidates": [], "exclusions": [], "count": 1}, "候选名单为空"),
    ],
)
def test_it_refuses_a_draw_that_cannot_be_fair(world, fields, message):
    options = {"count": 1, **fields}
    with pytest.raises(ValidationError, match=message):
        make_draw(world, **options)
    assert Draw.all_objects.count() == 0


def test_it_requires_a_reason_for_each_exclusion(world):
    with pytest.raises(ValidationError, match="排除须注明理由"):
        make_draw(world, candidates=[world.unit_a], exclusions=[(world.unit_b, " ")])
    assert Draw.all_objects.count() == 0


def test_it_refuses_a_missing_public_value(world):
    draw = make_draw(world)
    with pytest.raises(ValidationError, match="请填写公开随机值"):
        services.perform_draw(draw, "  ", actor=world.supervisor)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.COMMITTED and draw.picks == [] and draw.public_value == ""


def test_it_refuses_units_outside_the_supervisors_tree(world):
    other_root = make_org("中共另一大学委员会", code="OTHER")
    other_unit = make_org("丙学院党委", other_root, code="OC")
    with pytest.raises(ValidationError, match="不在本督导组织"):
        make_draw(world, candidates=[world.unit_a, other_unit])


# --- visits from the picks (R-O2 random mode, R-O3 teams) ---------------------------------------


def test_it_creates_random_visits_with_teams_from_the_links(world):
    draw = make_draw(world, candidates=[world.unit_a], exclusions=[(world.unit_b, "本学期已旁听")], drawn=True)
    visits = services.create_visits_from_draw(draw, actor=world.supervisor, semester=2)
    assert len(visits) == 1
    visit = visits[0]
    assert (visit.unit, visit.mode, visit.draw_ref, visit.year, visit.semester) == (
        world.unit_a, Mode.RANDOM, draw.draw_id, 2026, 2,
    )  # fmt: skip
    team = {(m.person, m.role) for m in visit.team()}
    assert team == {(world.leader_person, TeamMember.Role.LEADER), (world.liaison_person, TeamMember.Role.LIAISON)}
    with pytest.raises(ValidationError, match="已根据此次抽取"):
        services.create_visits_from_draw(draw, actor=world.supervisor, semester=2)


def test_it_explains_units_whose_leaders_are_all_in_conflict_and_creates_nothing(world):
    org_services.record_conflict(world.leader_person, world.unit_a, actor=system_actor(), reason="曾任甲学院院长")
    draw = make_draw(world, count=2, drawn=True)
    with pytest.raises(ValidationError) as error:
        services.create_visits_from_draw(draw, actor=world.supervisor, semester=2)
    text = " ".join(error.value.messages)
    assert "甲学院党委：联系该单位的领导均须回避——王校领导（曾任甲学院院长）" in text
    assert "乙学院党委：没有联系领导" in text  # unit B has no linked leader in the world
    assert not Visit.objects.filter(draw_ref=draw.draw_id).exists()


def test_it_refuses_visits_from_a_draw_that_does_not_verify(world):
    draw = tamper(make_draw(world, drawn=True), "seed_hex", "00" * 32)
    with pytest.raises(ValidationError, match="验证未通过"):
        services.create_visits_from_draw(draw, actor=world.supervisor, semester=2)
    assert not Visit.objects.exists()


def test_it_refuses_a_redraw_once_visits_were_made(world):
    draw = make_draw(world, candidates=[world.unit_a], exclusions=[(world.unit_b, "本学期已旁听")], drawn=True)
    visit = services.create_visits_from_draw(draw, actor=world.supervisor, semester=2)[0]
    with pytest.raises(ValidationError, match="先取消"):
        make_draw(world, candidates=[world.unit_a], redraw_of=draw, redraw_reason="重抽")
    from pangting.observation import services as observation_services

    observation_services.cancel_visit(visit, actor=world.supervisor, reason="改为重新抽取")
    assert visit.state == State.CANCELLED
    assert make_draw(world, candidates=[world.unit_a], redraw_of=draw, redraw_reason="重抽").redraw_of == draw


# --- pages ---------------------------------------------------------------------------------


def test_it_creates_a_draw_from_the_candidate_form(world):
    client = world_client(world)
    page = client.get(reverse("planning:draw_create"))
    assert page.status_code == 200 and "甲学院党委" in page.content.decode()
    data = {
        "purpose": "秋季学期随机旁听",
        "year": "2026",
        "count": "1",
        "public_value_source": "2026年12月1日上证指数收盘点位",
        f"include_{world.unit_a.pk}": "on",
        f"reason_{world.unit_b.pk}": "本学期已旁听",
    }
    response = client.post(reverse("planning:draw_create"), data)
    draw = Draw.objects.get()
    assert response.status_code == 302 and response.url == reverse("planning:draw_detail", args=[draw.pk])
    assert draw.candidates == [{"id": str(world.unit_a.pk), "name": "甲学院党委"}]
    assert draw.exclusions == [{"id": str(world.unit_b.pk), "name": "乙学院党委", "reason": "本学期已旁听"}]


def test_it_shows_the_reason_and_saves_nothing_for_a_bad_form(world):
    client = world_client(world)
    data = {"purpose": "随机旁听", "year": "2026", "count": "1", "public_value_source": "上证指数"}
    response = client.post(reverse("planning:draw_create"), data)
    assert response.status_code == 200
    assert "候选名单为空" in response.content.decode()
    assert not Draw.all_objects.exists()


def test_it_draws_and_makes_visits_through_the_pages(world):
    draw = make_draw(world, candidates=[world.unit_a], exclusions=[(world.unit_b, "本学期已旁听")])
    client = world_client(world)
    assert client.post(reverse("planning:draw_perform", args=[draw.pk]), {"public_value": "3267.58"}).status_code == 302
    draw.refresh_from_db()
    assert draw.is_drawn and draw.picks == [str(world.unit_a.pk)]
    verify_page = client.get(reverse("planning:draw_verify", args=[draw.pk])).content.decode()
    assert "验证通过" in verify_page
    client.post(reverse("planning:draw_visits", args=[draw.pk]), {"semester": "2"})
    assert Visit.objects.get(draw_ref=draw.draw_id).mode == Mode.RANDOM
    detail = client.get(reverse("planning:draw_detail", args=[draw.pk])).content.decode()
    assert draw.seed_hex in detail and "已据此安排的巡听旁听" in detail


def test_it_renders_the_projector_page_for_witnesses(world):
    draw = make_draw(world, drawn=True)
    page = world_client(world).get(reverse("planning:draw_detail", args=[draw.pk]), {"projector": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="projector"' in html and draw.candidate_name(draw.picks[0]) in html
    assert draw.seed_commitment in html and draw.public_value_source in html
    assert "style=" not in html.replace('rel="stylesheet"', ""), "the CSP refuses inline styles"
    assert 'hx-trigger="every' not in html, "a finished draw stops polling"
    committed = make_draw(world)
    html = world_client(world).get(reverse("planning:draw_detail", args=[committed.pk]), {"projector": "1"})
    assert 'hx-trigger="every 5s"' in html.content.decode()


# --- access: only who manages observation in the supervisor's tree (R-O2) -------------------


def test_it_hides_draws_from_everyone_but_the_managing_supervisor(world):
    draw = make_draw(world, drawn=True)
    other_root = make_org("中共另一大学委员会", code="OTHER")
    other_supervisor = make_user("other_supervisor", (Role.SUPERVISOR, other_root))
    for user in [other_supervisor, world.viewer, world.leader, world.secretary_a, world.outsider]:
        client = world_client(world, user)
        for name in ["planning:draw_detail", "planning:draw_record", "planning:draw_verify"]:
            assert client.get(reverse(name, args=[draw.pk])).status_code == 404, (user, name)
    listed = world_client(world, other_supervisor).get(reverse("planning:draw_list"))
    assert listed.status_code == 200 and draw.draw_id not in listed.content.decode()
    with pytest.raises(ValidationError, match="无权"):
        services.perform_draw(make_draw(world), "1", actor=other_supervisor)


def test_it_refuses_get_on_post_only_views(world):
    draw = make_draw(world, drawn=True)
    run = services.create_run(actor=world.supervisor, supervisor_org=world.root, year=2027, time_limit=2)
    c = world_client(world)
    for name, pk in [
        ("draw_perform", draw.pk),
        ("draw_visits", draw.pk),
        ("run_approve", run.pk),
        ("run_create", None),
    ]:
        url = reverse(f"planning:{name}", args=[pk] if pk else [])
        assert c.get(url).status_code == 405, name


def test_it_redraws_from_the_form_with_a_reason(world):
    old = make_draw(world, candidates=[world.unit_a], exclusions=[(world.unit_b, "本学期已旁听")], drawn=True)
    c = world_client(world)
    page = c.get(reverse("planning:draw_create"), {"redraw_of": old.pk}).content.decode()
    assert old.draw_id in page and "本学期已旁听" in page and "重抽原因" in page
    data = {
        "redraw_of": str(old.pk),
        "purpose": old.purpose,
        "year": "2026",
        "count": "1",
        "public_value_source": "2026年12月2日上证指数收盘点位",
        f"include_{world.unit_a.pk}": "on",
        f"reason_{world.unit_b.pk}": "本学期已旁听",
    }
    assert "说明原因" in c.post(reverse("planning:draw_create"), data, follow=True).content.decode()
    response = c.post(reverse("planning:draw_create"), {**data, "redraw_reason": "原定公开值当日休市"})
    new = Draw.objects.exclude(pk=old.pk).get()
    assert response.status_code == 302 and new.redraw_of == old and new.redraw_reason == "原定公开值当日休市"
    assert services.verify_draw(Draw.objects.get(pk=old.pk)).ok


def test_a_draw_stores_and_shows_the_digest_of_its_result_and_old_draws_without_one_still_verify(world, client_for):
    drawn = make_draw(world, drawn=True)
    assert drawn.result_digest == drawlib.result_digest(drawn.draw_id, drawn.picks)
    assert services.verify_draw(drawn).ok
    page = client_for(world.supervisor).get(reverse("planning:draw_detail", args=[drawn.pk])).content.decode()
    assert drawn.result_digest in page
    # A draw stored before the digest existed (bypassing the append-only save, as a migration would).
    old = make_draw(world, drawn=True)
    old.result_digest = ""
    models.Model.save(old, update_fields=["result_digest"])
    old.refresh_from_db()
    assert old.result_digest == "" and old.to_record().result_digest is None
    assert services.verify_draw(old).ok


# --- a public value dated in the future is refused (issue 16; conventions.md "auditable draws") ---


def test_it_refuses_a_public_value_whose_source_day_has_not_come(world):
    import time_machine

    from pangting.observation.tests.scenes import at

    with time_machine.travel(at("2026-11-28"), tick=False):
        draw = make_draw(world)  # source: 2026年12月1日上证指数收盘点位
    with time_machine.travel(at("2026-11-30"), tick=False), pytest.raises(ValidationError, match="晚于今天"):
        services.perform_draw(draw, "3267.58", actor=world.supervisor)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.COMMITTED and draw.picks == []
    with time_machine.travel(at("2026-12-01", "16:00"), tick=False):
        assert services.perform_draw(draw, "3267.58", actor=world.supervisor).is_drawn


def test_it_refuses_on_the_page_a_public_value_dated_after_today(world):
    import time_machine

    from pangting.observation.tests.scenes import at

    with time_machine.travel(at("2026-12-02"), tick=False):
        draw = make_draw(world)
        url = reverse("planning:draw_perform", args=[draw.pk])
        client = world_client(world)
        page = client.post(url, {"public_value": "3267.58", "published_on": "2026-12-09"}, follow=True)
        assert "公开随机值的日期（2026年12月9日）晚于今天（2026年12月2日）" in page.content.decode()
        page = client.post(url, {"public_value": "3267.58", "published_on": "2026-11-20"}, follow=True)
        assert "早于本次抽取公布种子承诺的日期" in page.content.decode()
        draw.refresh_from_db()
        assert not draw.is_drawn
        client.post(url, {"public_value": "3267.58", "published_on": "2026-12-02"})
    draw.refresh_from_db()
    assert draw.is_drawn
