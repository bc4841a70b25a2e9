"""Calendar subscriptions: a per-user secret ICS URL a calendar app fetches without logging in,
with the user's sessions, visits and his own deadlines (R-O4 reply, R-O8 record, R-O10 rectification)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from pangting.core.models import AuditEvent
from pangting.observation import services as observation
from pangting.observation.models import Rectification, State
from pangting.study import services as study
from pangting.study.services.feeds import issue_calendar_feed, revoke_calendar_feed
from pangting.tests.test_i18n import english_catalog  # noqa: F401  (fixture)

from .scenes import session_on, travel, walk

pytestmark = pytest.mark.django_db


def feed_url(user):
    return reverse("study:calendar_feed", args=[issue_calendar_feed(user)])


def fetch(url, day="2026-10-15"):
    with travel(day):
        return Client().get(url)


def events(body):
    """UID → the VEVENT's unfolded lines."""
    body = body.replace("\r\n ", "")
    found = {}
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", body, re.S):
        lines = block.strip().split("\r\n")
        uid = next(line[4:] for line in lines if line.startswith("UID:"))
        found[uid.split("@")[0]] = lines
    return found


def test_it_serves_the_members_sessions_to_a_calendar_app_without_a_login(world):
    session = session_on(world, "2026-10-20")
    response = fetch(feed_url(world.member))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    event = events(body)[f"study-session-{session.pk}"]
    assert "DTSTART:20261020T063000Z" in event  # 14:30 in Shanghai, written in UTC
    assert any(line.startswith("LAST-MODIFIED:") for line in event)
    assert AuditEvent.objects.filter(actor=world.member, action="calendar.feed_fetched").count() == 1


def test_it_adds_the_visit_and_the_record_deadline_for_the_liaison_on_the_team(world):
    visit = walk(world, State.OBSERVED)
    found = events(fetch(feed_url(world.liaison), "2026-10-01").content.decode())
    assert "DTSTART:20260930T063000Z" in found[f"observation-visit-{visit.pk}"]
    deadline = found[f"observation-deadline-{visit.pk}-record"]
    assert "DTSTART;VALUE=DATE:20261003" in deadline  # R-O8: 3 days after the session
    assert any("填报列席旁听记录" in line for line in deadline)


def test_it_gives_the_secretary_the_reply_deadline_and_the_rectification_due_date(world):
    notified = walk(world, State.NOTIFIED)
    found = events(fetch(feed_url(world.secretary_a), "2026-10-01").content.decode())
    assert "DTSTART;VALUE=DATE:20261013" in found[f"observation-deadline-{notified.pk}-reply"]  # R-O4

    rectifying = walk(world, State.RECTIFYING)
    item = Rectification.objects.get(visit=rectifying)
    with travel("2026-10-20"):
        observation.plan_rectification(
            item, actor=world.secretary_a, measure="制定清单", owner=world.member_person, deadline=dt.date(2026, 11, 30)
        )
    found = events(fetch(feed_url(world.secretary_a), "2026-10-21").content.decode())
    assert "DTSTART;VALUE=DATE:20261130" in found[f"observation-rectification-{item.pk}-rectify"]  # R-O10
    # The office's own deadline (feedback) is not the secretary's.
    assert not [uid for uid in found if uid.endswith("-feedback")]


def test_it_never_shows_another_users_events(world):
    visit = walk(world, State.OBSERVED)
    session_on(world, "2026-10-20")
    found = events(fetch(feed_url(world.secretary_b), "2026-10-01").content.decode())
    assert found == {}
    assert f"observation-visit-{visit.pk}" not in events(fetch(feed_url(world.member), "2026-10-01").content.decode())


def test_it_answers_404_for_a_revoked_or_replaced_url(world):
    first = feed_url(world.member)
    second = feed_url(world.member)  # issuing again revokes the first
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200
    revoke_calendar_feed(world.member)
    assert fetch(second).status_code == 404
    assert fetch(reverse("study:calendar_feed", args=["not-a-key"])).status_code == 404


def test_it_shows_a_change_in_the_next_fetch(world):
    session = session_on(world, "2026-10-20")
    url = feed_url(world.member)
    before = events(fetch(url).content.decode())[f"study-session-{session.pk}"]
    new_start = session.starts_at + dt.timedelta(days=1)
    with travel("2026-10-16"):
        study.reschedule_session(
            session,
            actor=world.secretary_a,
            starts_at=new_start,
            ends_at=new_start + dt.timedelta(hours=2),
            reason="冲突",
        )
    after = events(fetch(url, "2026-10-17").content.decode())[f"study-session-{session.pk}"]
    assert "DTSTART:20261021T063000Z" in after and "SEQUENCE:1" in after
    modified = [line for line in after if line.startswith("LAST-MODIFIED:")]
    assert modified != [line for line in before if line.startswith("LAST-MODIFIED:")]


def test_it_shows_the_url_once_on_the_profile_page_with_a_copy_button(world, client_for):
    client = client_for(world.member)
    assert "生成订阅地址" in client.get(reverse("accounts:profile")).content.decode()
    page = client.post(reverse("study:calendar_feed_issue"), follow=True).content.decode()
    url = re.search(
        r'data-testid="calendar-feed-url" value="([^"]+)"|value="([^"]+)"[^>]*data-testid="calendar-feed-url"', page
    )
    assert url is not None
    shown = url.group(1) or url.group(2)
    assert "/study/feed/" in shown and "data-copy-target" in page
    assert Client().get(shown.split("testserver", 1)[1]).status_code == 200
    again = client.get(reverse("accounts:profile")).content.decode()
    assert shown not in again and "订阅已启用" in again
    client.post(reverse("study:calendar_feed_revoke"))
    assert Client().get(shown.split("testserver", 1)[1]).status_code == 404


def test_it_builds_the_feed_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    walk(world, State.RECORDED)
    walk(world, State.RECORDED)
    walk(world, State.RECTIFYING)  # its item has no deadline yet: nothing to show
    url = feed_url(world.supervisor)
    with travel("2026-10-15"), django_assert_max_num_queries(14):
        body = Client().get(url).content.decode()
    assert body.count("BEGIN:VEVENT") == 2  # the feedback each recorded visit owes (R-O9)


def test_the_feed_is_in_the_site_language_unless_the_url_asks_for_english(world, english_catalog):  # noqa: F811
    """Issue 16: calendar apps send no language, so the feed uses LANGUAGE_CODE; `?lang=en` asks for English."""
    session = session_on(world, "2026-10-20")
    url = feed_url(world.member)

    with travel("2026-10-15"):
        chinese = Client(headers={"accept-language": "en"}).get(url).content.decode().replace("\r\n ", "")
        english = Client().get(url, {"lang": "en"}).content.decode().replace("\r\n ", "")
        unknown = Client().get(url, {"lang": "xx"})

    name = session.organization.display_name
    assert "X-WR-CALNAME:旁听：我的日历" in chinese and f"SUMMARY:{name}：{session.title}" in chinese
    assert "X-WR-CALNAME:Observation: my calendar" in english
    assert f"SUMMARY:{name}: {session.title}" in english
    assert unknown.status_code == 200 and "旁听：我的日历" in unknown.content.decode().replace("\r\n ", "")
