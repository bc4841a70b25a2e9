"""Offline on-site record (issue 16): the record is saved exactly once per submission key, the
version it was typed over decides conflicts, and the page script's sending answers in JSON.

The browser side (keystrokes kept in IndexedDB, the network switched off) is in
test_browser_offline.py.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.urls import reverse

from pangting.core.models import StaleRecord
from pangting.observation import services
from pangting.observation.models import ObservationRecord, RecordSubmission, State, Visit

from .scenes import FINDINGS, SCORES, travel, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def observed(world) -> Visit:
    """A visit whose session took place: the liaison may fill the record (R-O8)."""
    return walk(world, State.OBSERVED)


def send(visit, actor, key, *, version=0, submit=False, **changes):
    with travel("2026-10-01"):
        return services.submit_record_once(
            visit, actor=actor, key=key, data={**FINDINGS, **changes}, scores=SCORES, submit=submit,
            expected_version=version,
        )  # fmt: skip


# --- the service: exactly once, and the version check -------------------------------------------


def test_it_saves_a_repeated_submission_key_once_and_answers_the_same(world, observed):
    key = uuid.uuid4()
    first, replayed_first = send(observed, world.liaison, key, submit=True)
    again, replayed_again = send(observed, world.liaison, key, submit=True)  # the phone lost the answer
    assert (replayed_first, replayed_again) == (False, True)
    assert again.pk == first.pk and (again.version, again.filed) == (1, True)
    record = ObservationRecord.objects.get(visit=observed)
    assert record.version == 1
    assert record.history.count() == 1, "one save, one history row"
    assert RecordSubmission.objects.filter(record=record).count() == 1
    # The visit stepped to RECORDED once (R-O8), not twice.
    assert [t.to_state for t in Visit.objects.get(pk=observed.pk).transitions.all()].count(State.RECORDED) == 1


def test_it_answers_a_replayed_key_even_after_the_record_moved_on(world, observed):
    """The replay is recognized by its key before the version is checked: no false conflict."""
    key = uuid.uuid4()
    send(observed, world.liaison, key)
    send(observed, world.liaison, uuid.uuid4(), version=1, problems="又补充了一条")
    submission, replayed = send(observed, world.liaison, key)  # version 0 is stale now
    assert replayed and submission.version == 1
    assert ObservationRecord.objects.get(visit=observed).problems == "又补充了一条"


def test_it_refuses_a_save_over_a_newer_version_and_changes_nothing(world, observed):
    send(observed, world.liaison, uuid.uuid4())
    send(observed, world.leader, uuid.uuid4(), version=1, effect_findings="组长改过的")
    stale_key = uuid.uuid4()
    with pytest.raises(StaleRecord):
        send(observed, world.liaison, stale_key, version=1, effect_findings="手机上离线写的")
    record = ObservationRecord.objects.get(visit=observed)
    assert (record.version, record.effect_findings) == (2, "组长改过的")
    # The refused sending keeps no key: after choosing, the phone sends it again over version 2.
    assert not RecordSubmission.objects.filter(key=stale_key).exists()
    submission, replayed = send(observed, world.liaison, stale_key, version=2, effect_findings="手机上离线写的")
    assert not replayed and submission.version == 3


def test_it_refuses_a_first_record_typed_over_one_that_was_made_meanwhile(world, observed):
    send(observed, world.leader, uuid.uuid4())
    with pytest.raises(StaleRecord):
        send(observed, world.liaison, uuid.uuid4(), version=0)


def test_it_refuses_a_key_used_by_someone_else(world, observed):
    key = uuid.uuid4()
    send(observed, world.liaison, key)
    with pytest.raises(ValidationError) as error:
        send(observed, world.leader, key, version=1)
    assert "提交编号无效" in " ".join(error.value.messages)
    assert ObservationRecord.objects.get(visit=observed).version == 1


def test_it_keeps_no_key_for_a_sending_the_rules_refused(world, observed):
    key = uuid.uuid4()
    with pytest.raises(ValidationError):
        send(observed, world.liaison, key, submit=True, content_findings="")  # R-O8: all four areas
    assert not RecordSubmission.objects.filter(key=key).exists()
    assert not ObservationRecord.objects.filter(visit=observed).exists()


# --- the page script's sending address ------------------------------------------------------------


def form_data(key, version=0, intent="save", **changes):
    data = {**FINDINGS, **{f"score_{k}": v for k, v in SCORES.items()}, **changes}
    return {**data, "submission_key": str(key), "version": str(version), "intent": intent}


def test_it_answers_the_page_script_sent_then_replayed(world, observed, client_for):
    liaison = client_for(world.liaison)
    url = reverse("observation:record_sync", args=[observed.pk])
    key = uuid.uuid4()
    with travel("2026-10-01"):
        first = liaison.post(url, form_data(key, intent="submit"))
        again = liaison.post(url, form_data(key, intent="submit"))
    assert first.status_code == again.status_code == 200
    assert first.json() | {"replayed": True} == again.json()
    assert first.json()["status"] == "sent" and first.json()["filed"] is True
    assert ObservationRecord.objects.get(visit=observed).history.count() == 1


def test_it_answers_a_conflict_with_the_server_version(world, observed, client_for):
    url = reverse("observation:record_sync", args=[observed.pk])
    send(observed, world.leader, uuid.uuid4(), problems="组长写的问题")
    with travel("2026-10-01"):
        answer = client_for(world.liaison).post(url, form_data(uuid.uuid4(), version=0, problems="联络员写的问题"))
    assert answer.status_code == 409
    body = answer.json()
    assert body["status"] == "conflict" and body["version"] == 1
    assert body["server"]["problems"] == "组长写的问题"
    assert body["server"]["score_organization"] == "90"
    assert "此记录已被他人修改" in body["errors"][0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"submission_key": "not-a-uuid"}, "提交编号无效"),
        ({"score_content": "120"}, "学习内容得分"),
        ({"intent": "submit", "method_findings": ""}, "请填写：学习方式"),
    ],
)
def test_it_answers_bad_input_with_a_chinese_message_not_a_500(world, observed, client_for, changes, message):
    url = reverse("observation:record_sync", args=[observed.pk])
    with travel("2026-10-01"):
        answer = client_for(world.liaison).post(url, {**form_data(uuid.uuid4()), **changes})
    assert answer.status_code == 400
    assert message in " ".join(answer.json()["errors"])
    assert not ObservationRecord.objects.filter(visit=observed).exists()


def test_it_renders_the_form_with_the_version_and_a_key(world, observed, client_for):
    send(observed, world.liaison, uuid.uuid4())
    with travel("2026-10-01"):
        page = client_for(world.liaison).get(reverse("observation:record_edit", args=[observed.pk])).content.decode()
    assert '<input type="hidden" name="version" value="1">' in page
    assert 'name="submission_key" value="' in page
    assert f'data-draft-id="record:{observed.pk}:{world.liaison.pk}"' in page
    assert 'id="offline-messages"' in page and "data-offline-state" in page


def test_it_saves_a_plain_form_posted_twice_once(world, observed, client_for):
    """Without script (or a double tap) the form's own key still counts the sending once."""
    liaison = client_for(world.liaison)
    url = reverse("observation:record_edit", args=[observed.pk])
    data = form_data(uuid.uuid4())
    data.pop("intent")
    with travel("2026-10-01"):
        assert liaison.post(url, {**data, "submit": ""}).status_code == 302
        assert liaison.post(url, {**data, "submit": ""}).status_code == 302
    record = ObservationRecord.objects.get(visit=observed)
    assert record.version == 1 and record.history.count() == 1


def test_it_refuses_a_plain_form_from_a_stale_page(world, observed, client_for):
    send(observed, world.leader, uuid.uuid4(), problems="组长写的问题")
    data = form_data(uuid.uuid4(), version=0, problems="旧页面")
    data.pop("intent")
    with travel("2026-10-01"):
        page = client_for(world.liaison).post(reverse("observation:record_edit", args=[observed.pk]), data)
    assert page.status_code == 200 and "此记录已被他人修改" in page.content.decode()
    assert ObservationRecord.objects.get(visit=observed).problems == "组长写的问题"


# --- the web app: worker and manifest --------------------------------------------------------------


def test_it_serves_the_service_worker_for_the_whole_site(client):
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    assert answer["Cache-Control"] == "no-cache"
    first_line, script = answer.content.decode().split("\n", 1)
    settings = json.loads(first_line.removeprefix("self.PANGTING_WORKER = ").removesuffix(";"))
    assert settings["storeJs"] == "/static/js/offline-store.js"
    assert {"/static/css/pangting.css", "/static/js/offline-record.js"} <= set(settings["shellFiles"])
    assert all(finders.find(url.removeprefix("/static/")) for url in settings["shellFiles"])
    assert "importScripts(CONFIG.storeJs)" in script


def test_it_serves_the_manifest_with_local_icons(client):
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["scope"] == "/" and manifest["display"] == "standalone"
    assert manifest["name"].startswith("旁听")
    assert all(icon["src"].startswith("/static/icons/") for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), f"{icon['src']} is not in the app's static files"
