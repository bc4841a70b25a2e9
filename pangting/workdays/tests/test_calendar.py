"""The project's calendar: seeded from the library, extended by an administrator, never guessed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from pangting.core.models import AuditEvent
from pangting.workdays import services
from pangting.workdays.models import CalendarYear

D = dt.date

HOLIDAYS_2027 = {D(2027, 1, 1): "元旦", **{D(2027, 2, 5) + dt.timedelta(days=i): "春节" for i in range(7)}}
MAKEUP_2027 = {D(2027, 2, 14): "春节调休"}


def test_it_holds_every_year_the_library_knows(db):
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))


def test_it_computes_the_reply_deadline_over_national_day(db):
    # R-O4: 7 working days after 2026-09-28 is 2026-10-13 (the 10-10 make-up Saturday counts).
    deadline = services.compute_deadline(D(2026, 9, 28), 7, services.DayUnit.WORKING)
    assert deadline.due == D(2026, 10, 13)
    assert deadline.as_basis()["calendar_revisions"] == {"2026": 1}
    assert deadline.describe() == "自2026年9月28日起7个工作日，截止2026年10月13日"


def test_it_refuses_a_working_day_deadline_in_2027_until_it_is_entered(db, world):
    with pytest.raises(services.UnknownCalendarYear):
        services.compute_deadline(D(2026, 12, 28), 7, services.DayUnit.WORKING)
    services.enter_year(2027, holidays=HOLIDAYS_2027, makeup_workdays=MAKEUP_2027, actor=world.sysadmin)
    # 12-29, 12-30, 12-31, (1-1 holiday), 1-4, 1-5, 1-6, 1-7
    assert services.compute_deadline(D(2026, 12, 28), 7, services.DayUnit.WORKING).due == D(2027, 1, 7)
    assert AuditEvent.objects.filter(action="calendar.enter_year", target="2027").exists()


def test_it_never_needs_the_calendar_for_calendar_days(db):
    assert services.compute_deadline(D(2027, 5, 1), 3, services.DayUnit.CALENDAR).due == D(2027, 5, 4)


def test_it_refuses_a_makeup_day_on_a_weekday_or_outside_the_year(db, world):
    with pytest.raises(ValidationError) as excinfo:
        services.enter_year(
            2027, holidays=HOLIDAYS_2027, makeup_workdays={D(2027, 2, 15): "", D(2028, 1, 1): ""}, actor=world.sysadmin
        )
    messages = " ".join(excinfo.value.messages)
    assert "本就是工作日" in messages and "不属于2027年" in messages
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_it_counts_revisions_when_a_year_is_corrected(db, world):
    services.enter_year(2027, holidays=HOLIDAYS_2027, makeup_workdays={}, actor=world.sysadmin)
    services.enter_year(2027, holidays=HOLIDAYS_2027, makeup_workdays=MAKEUP_2027, actor=world.sysadmin)
    year = CalendarYear.objects.get(year=2027)
    assert year.revision == 2 and year.history.count() == 2


def test_it_parses_ranges_and_names_and_explains_bad_lines():
    days = services.parse_day_lines("2027-02-05~2027-02-07 春节\n\n2027-01-01 元旦", field="法定节假日")
    assert days == {D(2027, 2, 5): "春节", D(2027, 2, 6): "春节", D(2027, 2, 7): "春节", D(2027, 1, 1): "元旦"}
    with pytest.raises(ValidationError) as excinfo:
        services.parse_day_lines("2027-13-01 不存在", field="法定节假日")
    assert "法定节假日第1行" in excinfo.value.messages[0]


def test_it_shows_the_refusal_on_the_calculator_page(client_for, world):
    response = client_for(world.member).get(
        reverse("workdays:calendar"), {"start": "2026-12-28", "amount": 7, "unit": "working"}
    )
    assert response.status_code == 200
    assert "2027年的节假日安排尚未录入" in response.content.decode()


def test_it_lets_only_the_system_administrator_enter_a_year(client_for, world):
    url = reverse("workdays:year_form", args=[2027])
    assert client_for(world.supervisor).get(url).status_code == 404
    response = client_for(world.sysadmin).post(
        url, {"holidays": "2027-01-01 元旦\n2027-02-05~2027-02-11 春节", "makeup_workdays": "2027-02-14 春节调休"}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).days.count() == 9


def test_it_answers_bad_lines_in_the_form_with_a_chinese_message(client_for, world):
    response = client_for(world.sysadmin).post(
        reverse("workdays:year_form", args=[2027]), {"holidays": "明年元旦", "makeup_workdays": ""}
    )
    assert response.status_code == 200
    assert "不是有效日期" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


@time_machine.travel(dt.datetime(2026, 10, 8, 9, 0, tzinfo=dt.UTC))
def test_it_reminds_the_administrator_from_october(client_for, world):
    response = client_for(world.sysadmin).get(reverse("home"))
    assert "录入2027年节假日安排" in response.content.decode()
    assert "录入2027年节假日安排" not in client_for(world.supervisor).get(reverse("home")).content.decode()


def test_it_serves_deadlines_over_the_api(client_for, world):
    client = client_for(world.member)
    ok = client.get("/api/v1/calendar/deadline", {"start": "2026-09-30", "amount": 10, "unit": "working"})
    assert ok.status_code == 200 and ok.json()["due"] == "2026-10-20"
    refused = client.get("/api/v1/calendar/deadline", {"start": "2026-12-28", "amount": 7, "unit": "working"})
    assert refused.status_code == 400 and refused.json()["unknown_year"] == 2027
