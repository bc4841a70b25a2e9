"""Issue 16, offline on-site record, in a real browser: the network goes away in the middle of
the session and comes back; no keystroke is lost and exactly one record arrives (R-O8).

The live server is on localhost, a secure context, so the service worker is there too: both
the page and the worker's Background Sync may send the queued form when the network returns,
and the idempotency key makes the server save it once.
"""

from __future__ import annotations

import uuid

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import World
from pangting.observation import services
from pangting.observation.models import ObservationRecord, RecordSubmission, State, Visit
from pangting.tests.builders import PASSWORD

from .scenes import FINDINGS, SCORES, at, walk

# Live-server tests commit their rows, and the flush that follows would also empty what the
# migrations seeded (the calendar, the frequency rules) for every later test: restore it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
# The online event sends at once; the periodic retry is every 15 s. Generous: two test workers
# share a loaded machine in CI, and a page that sends late still proves nothing was lost.
SENT_WITHIN_MS = 45_000


@pytest.fixture
def scene(transactional_db):
    """A visit to unit A whose session took place on 2026-09-30; the next morning, the liaison writes."""
    world = World()
    world.visit = walk(world, State.OBSERVED)
    traveller = time_machine.travel(at("2026-10-01"), tick=True)
    traveller.start()
    yield world
    traveller.stop()


# Every text the state line shows, in order, even once the page has gone on to the visit's page.
WATCH_STATE = """
new MutationObserver(() => {
  const line = document.querySelector("[data-offline-state]");
  if (line && line.textContent !== window.__lastState) {
    window.__lastState = line.textContent;
    window.stateShown(line.textContent);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture
def worker() -> str:
    """ "allow": the live server is localhost, a secure context, so the service worker runs."""
    return "allow"


@pytest.fixture
def phone(browser, live_server, worker):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", service_workers=worker
    )
    states: list[str] = []
    context.expose_function("stateShown", lambda text: states.append(text))
    context.add_init_script(WATCH_STATE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "liaison")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield context, page, states
    context.close()


def open_record(page, base: str, visit: Visit) -> None:
    page.goto(f"{base}/observation/{visit.pk}/record/")
    page.wait_for_function("window.PangtingOffline !== undefined")


def wait_until_queued(page, visit: Visit, user) -> dict:
    """The pressed button's form is in IndexedDB, queued. The state line alone cannot say so: it
    already reads 离线… from the moment the network went, before the press was written down."""
    draft_id = f"record:{visit.pk}:{user.pk}"
    page.wait_for_function(
        "id => PangtingOffline.get(id).then(d => Boolean(d && d.queued))", arg=draft_id, timeout=10_000
    )
    return page.evaluate("id => PangtingOffline.get(id).then(d => d.values)", draft_id)


def type_into(page, name: str, text: str) -> None:
    """Key by key, as a person types on a phone (each keystroke is an input event)."""
    page.locator(f"[name={name}]").press_sequentially(text)


def test_it_loses_no_keystroke_and_saves_one_record_when_the_network_drops_midway(scene, phone, live_server):
    context, page, states = phone
    open_record(page, live_server.url, scene.visit)
    state = page.get_by_test_id("offline-state")

    # Online: the first two areas, kept on the phone as typed.
    type_into(page, "organization_findings", FINDINGS["organization_findings"])
    type_into(page, "content_findings", FINDINGS["content_findings"])
    expect(state).to_contain_text("已保存在本机")

    # The network goes away in the middle of the session; typing goes on.
    context.set_offline(True)
    expect(state).to_have_text("离线，恢复网络后自动发送")
    for name in ("method_findings", "effect_findings", "problems", "suggestions"):
        type_into(page, name, FINDINGS[name])
    for key, value in SCORES.items():
        type_into(page, f"score_{key}", value)
    page.get_by_test_id("submit-record").click()
    queued = wait_until_queued(page, scene.visit, scene.liaison)
    expect(state).to_have_text("离线，恢复网络后自动发送")
    assert not ObservationRecord.objects.filter(visit=scene.visit).exists(), "nothing can have arrived offline"
    assert queued["suggestions"] == FINDINGS["suggestions"], "the queued form is in IndexedDB"

    # The network returns: sent once, without reloading anything; then on to the visit's page.
    context.set_offline(False)
    page.wait_for_url(f"{live_server.url}/observation/{scene.visit.pk}/", timeout=SENT_WITHIN_MS)
    assert "已发送，记录已填报" in states
    expect(page.locator(".messages")).to_contain_text("记录已填报")
    page.wait_for_timeout(1500)  # let a second sender (the worker's Background Sync) have its go too

    records = ObservationRecord.objects.filter(visit=scene.visit)
    assert records.count() == 1
    record = records.get()
    assert {name: getattr(record, name) for name in FINDINGS} == FINDINGS  # every keystroke
    assert record.scores == SCORES and record.filed_at is not None
    assert record.history.count() == 1 and record.version == 1, "saved once"
    assert RecordSubmission.objects.filter(record=record).count() == 1
    assert Visit.objects.get(pk=scene.visit.pk).state == State.RECORDED
    drafts = page.evaluate(
        """() => new Promise(done => {
             const open = indexedDB.open("pangting-offline");
             open.onsuccess = () => {
               const all = open.result.transaction("drafts").objectStore("drafts").getAll();
               all.onsuccess = () => done(all.result.length);
             };
           })"""
    )
    assert drafts == 0, "the phone's draft is cleared once the server has it"


def test_it_goes_on_to_the_visit_page_once_when_the_page_and_the_worker_both_send(scene, phone, live_server):
    """Online with the service worker active, a press is sent by the page and by the worker's
    Background Sync; both hear "sent". The page went to the visit page twice, and the second
    navigation aborted the first (a browser test of the edit forms failed on it now and then)."""
    _context, page, _states = phone
    visit_url = f"{live_server.url}/observation/{scene.visit.pk}/"
    arrivals: list[str] = []
    page.on(
        "request",
        lambda request: (
            arrivals.append(request.url) if request.is_navigation_request() and request.url == visit_url else None
        ),
    )
    open_record(page, live_server.url, scene.visit)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")  # the worker is active
    for name, text in FINDINGS.items():
        type_into(page, name, text)
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(visit_url, timeout=SENT_WITHIN_MS)
    page.wait_for_timeout(3000)  # a second sender's leave would come within LEAVE_AFTER_MS of the first

    assert arrivals == [visit_url]
    record = ObservationRecord.objects.get(visit=scene.visit)
    assert record.version == 1 and record.history.count() == 1


def test_it_shows_both_versions_on_a_conflict_and_sends_what_the_user_picked(scene, phone, live_server):
    context, page, states = phone
    open_record(page, live_server.url, scene.visit)
    state = page.get_by_test_id("offline-state")
    context.set_offline(True)
    for name, text in FINDINGS.items():
        type_into(page, name, text)
    for key, value in SCORES.items():
        type_into(page, f"score_{key}", value)
    type_into(page, "problems", "（联络员补充）")
    page.get_by_role("button", name="保存草稿").click()
    wait_until_queued(page, scene.visit, scene.liaison)
    expect(state).to_have_text("离线，恢复网络后自动发送")

    # Meanwhile the team leader saved the record from the office.
    leader_text = {**FINDINGS, "problems": "组长：成果转化不够，缺少清单。", "effect_findings": "组长：联系实际一般。"}
    services.submit_record_once(
        scene.visit, actor=scene.leader, key=uuid.uuid4(), data=leader_text, scores=SCORES, expected_version=0
    )

    context.set_offline(False)
    expect(state).to_contain_text("已被他人修改", timeout=SENT_WITHIN_MS)
    conflict = page.get_by_test_id("offline-conflict")
    expect(conflict).to_be_visible()
    rows = conflict.locator("tbody tr")
    expect(rows).to_have_count(2)  # only the fields that differ
    problems = conflict.locator("tr[data-field=problems]")
    expect(problems).to_contain_text(FINDINGS["problems"] + "（联络员补充）")
    expect(problems).to_contain_text("组长：成果转化不够，缺少清单。")

    # Keep the leader's effect, the liaison's problems; send over the leader's version.
    conflict.locator("tr[data-field=effect_findings] input[value=server]").check()
    page.get_by_test_id("resolve-conflict").click()
    page.wait_for_url(f"{live_server.url}/observation/{scene.visit.pk}/", timeout=SENT_WITHIN_MS)
    assert states[-1] == "已发送"

    record = ObservationRecord.objects.get(visit=scene.visit)
    assert record.version == 2
    assert record.effect_findings == "组长：联系实际一般。"
    assert record.problems == FINDINGS["problems"] + "（联络员补充）"
    assert record.filed_at is None, "a draft save stays a draft"


def test_it_opens_the_record_page_with_no_network_once_the_visit_was_opened(scene, phone, live_server):
    """HTTPS (here: localhost) gives the service worker: the visit page kept the record page,
    with its session facts and rubric, so the room without network can still open it."""
    context, page, _states = phone
    base = live_server.url
    page.goto(f"{base}/observation/{scene.visit.pk}/")
    record_path = f"/observation/{scene.visit.pk}/record/"
    for _ in range(50):  # the worker installs, then fetches the record page into its cache
        if page.evaluate("p => caches.match(p).then(hit => !!hit)", record_path):
            break
        page.wait_for_timeout(200)
    else:
        pytest.fail("the worker did not keep the record page")

    context.set_offline(True)
    page.goto(f"{base}{record_path}")
    expect(page.get_by_test_id("facts")).to_contain_text("已落实")  # session facts: first agenda item (R-S4)
    expect(page.locator("[name=organization_findings]")).to_be_visible()
    type_into(page, "organization_findings", "离线打开后填写")
    expect(page.get_by_test_id("offline-state")).to_contain_text("已保存在本机")


def test_it_offers_a_local_draft_newer_than_the_server_when_the_page_is_opened_again(scene, phone, live_server):
    _context, page, _states = phone
    open_record(page, live_server.url, scene.visit)
    type_into(page, "organization_findings", "只保存在手机上的文字")
    expect(page.get_by_test_id("offline-state")).to_contain_text("已保存在本机")

    page.reload()
    page.wait_for_function("window.PangtingOffline !== undefined")
    offer = page.get_by_test_id("offline-offer")
    expect(offer).to_be_visible()
    assert page.locator("[name=organization_findings]").input_value() == ""  # the server has nothing yet
    offer.get_by_role("button", name="恢复本机草稿").click()
    assert page.locator("[name=organization_findings]").input_value() == "只保存在手机上的文字"
    expect(offer).to_be_hidden()


@pytest.mark.parametrize("worker", ["block"])
def test_it_sends_a_form_queued_offline_when_the_page_is_reopened_even_without_a_worker_r_o8(scene, phone, live_server):
    """Plain HTTP gives no service worker (blocked here): IndexedDB alone keeps the queued form,
    and the page sends it when it is opened again with network."""
    context, page, _states = phone
    open_record(page, live_server.url, scene.visit)
    context.set_offline(True)
    for name, text in FINDINGS.items():
        type_into(page, name, text)
    for key, value in SCORES.items():
        type_into(page, f"score_{key}", value)
    page.get_by_test_id("submit-record").click()
    wait_until_queued(page, scene.visit, scene.liaison)
    expect(page.get_by_test_id("offline-state")).to_have_text("离线，恢复网络后自动发送")

    page.close()  # the phone's browser was closed in the room
    context.set_offline(False)
    page = context.new_page()
    open_record(page, live_server.url, scene.visit)
    page.wait_for_url(f"{live_server.url}/observation/{scene.visit.pk}/", timeout=SENT_WITHIN_MS)
    record = ObservationRecord.objects.get(visit=scene.visit)
    assert {name: getattr(record, name) for name in FINDINGS} == FINDINGS
    assert record.history.count() == 1 and record.filed_at is not None
