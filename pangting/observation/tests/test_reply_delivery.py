"""R-O4: the unit's reply to a notice letter is a delivery the liaison or the study secretary sends.

Dates follow `scenes`: the letter is delivered on 2026-09-28, so the reply is due 2026-10-13
(7 working days); the session is on 2026-09-30. The reply goes to the team leader and the
supervising department, each signs for it; on time or late counts from the send time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from rest_framework.test import APIClient

from pangting.accounts.models import Role
from pangting.core import deliveries
from pangting.core.deliveries import Delivery
from pangting.core.system import system_actor
from pangting.core.todos import collect_todos
from pangting.observation import services
from pangting.observation.models import State
from pangting.orgs import services as org_services
from pangting.study.services import deliveries as study_deliveries
from pangting.tests.builders import make_person, make_user

from .scenes import session_on, travel, walk

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def liaison_of_unit_b(world):
    person = make_person("周联络", world.unit_b, post="党政办主任")
    org_services.assign_liaison(person, world.unit_b, actor=system_actor(), valid_from=dt.date(2020, 1, 1))
    return make_user("liaison_b", (Role.LIAISON, world.unit_b), person=person)


def notified(world):
    return walk(world, State.NOTIFIED)  # letter delivered 2026-09-28, reply due 2026-10-13


def sent(world, actor, day="2026-09-29", **kwargs):
    visit = notified(world)
    with travel(day, "10:00"):
        session = session_on(world)
        return services.send_reply(visit, session, actor=actor, notes="下午两点半，三楼会议室", **kwargs)


# --- who sends (R-O4) ----------------------------------------------------------------------------


def test_the_liaison_sends_the_reply_to_the_team_leader_and_the_supervising_department(world):
    """R-O4 passing case: the unit's liaison replies within 7 working days; the step is the visit's transition."""
    visit = sent(world, world.liaison)
    assert visit.state == State.SCHEDULED
    delivery = services.reply_delivery(visit)
    assert (delivery.rule, delivery.kind, delivery.sender_id, delivery.sender_label) == (
        "R-O4", services.REPLY, world.liaison.pk, "联络员",
    )  # fmt: skip
    assert delivery.due == dt.date(2026, 10, 13) == visit.reply_due
    assert delivery.due_basis == visit.reply_due_basis
    receipts = {(r.addressee_person_id, r.addressee_org_id, r.sign_action) for r in delivery.receipts.all()}
    assert receipts == {
        (world.leader_person.pk, None, ""),
        (None, visit.supervisor_org_id, "observation.manage"),
    }
    assert visit.reply_received_on == dt.date(2026, 9, 29) and not visit.reply_late
    assert study_deliveries.timeliness_of(delivery, dt.date(2026, 11, 1)) == "on_time"
    last = visit.transitions.last()
    assert (last.from_state, last.to_state, last.actor_id) == (State.NOTIFIED, State.SCHEDULED, world.liaison.pk)


def test_the_study_secretary_sends_it_too(world):
    visit = sent(world, world.secretary_a)
    delivery = services.reply_delivery(visit)
    assert delivery.sender_label == "学习秘书" and visit.state == State.SCHEDULED


def test_an_unrelated_units_liaison_cannot_reply(world):
    """R-O4 failing case: the liaison of unit B may not reply for unit A (404, nothing sent)."""
    outsider = liaison_of_unit_b(world)
    visit = notified(world)
    with travel("2026-09-29"):
        session = session_on(world)
        assert services.visit_steps(visit, outsider) == []
        with pytest.raises(Http404):
            services.send_reply(visit, session, actor=outsider)
        response = client_for(outsider).post(
            f"/observation/{visit.pk}/do/reply/", {"session": session.pk, "version": visit.version}
        )
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.state == State.NOTIFIED and services.reply_delivery(visit) is None


def test_a_member_of_the_supervising_side_cannot_send_the_units_reply(world):
    visit = notified(world)
    with travel("2026-09-29"):
        session = session_on(world)
        for user in (world.supervisor, world.leader):
            with pytest.raises(Http404):
                services.send_reply(visit, session, actor=user)


def test_a_late_reply_is_sent_and_flagged_late_from_the_send_time(world):
    """R-O4 failing case: sent after the due date, the reply is accepted and shown late; the check finds it."""
    from pangting.compliance.tests.builders import findings

    visit = sent(world, world.liaison, day="2026-10-15")
    delivery = services.reply_delivery(visit)
    assert visit.state == State.SCHEDULED and visit.reply_late
    assert study_deliveries.timeliness_of(delivery, dt.date(2026, 10, 20)) == "late"
    assert "逾期" in visit.transitions.last().reason
    [finding] = findings("R-O4", today=dt.date(2026, 10, 20))
    assert finding.key == f"reply:{visit.pk}" and finding.measured["done"] == "2026-10-15"


def test_the_check_reads_the_send_day_not_a_typed_date(world):
    """R-O4: the check counts from the delivery's send day, whatever the visit's date field says."""
    from pangting.compliance.tests.builders import findings, signed

    visit = sent(world, world.liaison, day="2026-10-09")
    with travel("2026-10-09", "23:00"):
        signed(services.reply_delivery(visit))  # its addressees signed (a receipt never signed is an R-O4 finding too)
    assert findings("R-O4", today=dt.date(2026, 10, 20)) == []
    type(visit).objects.filter(pk=visit.pk).update(reply_received_on=dt.date(2026, 10, 30))
    assert findings("R-O4", today=dt.date(2026, 11, 2)) == []  # the delivery was on time
    Delivery.objects.filter(pk=services.reply_delivery(visit).pk).update(
        sent_at=dt.datetime(2026, 10, 16, 10, tzinfo=dt.UTC)
    )
    [finding] = findings("R-O4", today=dt.date(2026, 11, 2))
    assert finding.measured["done"] == "2026-10-16"


def test_bad_input_is_refused_in_chinese(world):
    visit = notified(world)
    with travel("2026-09-29"):
        with pytest.raises(ValidationError, match="请选择学习会"):
            services.send_reply(visit, None, actor=world.liaison)
        session = session_on(world)
        bad = SimpleUploadedFile("方案.exe", b"MZ", content_type="application/octet-stream")
        with pytest.raises(ValidationError, match="不支持的文件类型"):
            services.send_reply(visit, session, actor=world.liaison, plan_file=bad)
        with pytest.raises(ValidationError, match="报送时间不能晚于当前时间"):
            services.send_reply(visit, session, actor=system_actor(), at=dt.datetime(2026, 10, 2, tzinfo=dt.UTC))
    visit.refresh_from_db()
    assert visit.state == State.NOTIFIED and services.reply_delivery(visit) is None


# --- receipts (签收) -------------------------------------------------------------------------------


def test_the_supervisor_and_the_team_leader_sign_for_the_reply_in_one_tap(world):
    visit = sent(world, world.liaison)
    delivery = services.reply_delivery(visit)
    by_org = delivery.receipts.get(addressee_org__isnull=False)
    by_leader = delivery.receipts.get(addressee_person=world.leader_person)
    with travel("2026-09-29", "15:00"):
        assert client_for(world.secretary_b).post(f"/observation/receipts/{by_org.pk}/sign/").status_code == 404
        assert client_for(world.leader).post(f"/observation/receipts/{by_org.pk}/sign/").status_code == 404
        response = client_for(world.supervisor).post(f"/observation/receipts/{by_org.pk}/sign/")
        assert response.status_code == 302
        client_for(world.leader).post(f"/observation/receipts/{by_leader.pk}/sign/")
    by_org.refresh_from_db()
    by_leader.refresh_from_db()
    assert by_org.signed_by_id == world.supervisor.pk and by_org.signed_at.date() == dt.date(2026, 9, 29)
    assert by_leader.signed_by_id == world.leader.pk
    with travel("2026-09-29", "16:00"):
        page = client_for(world.supervisor).get(f"/observation/{visit.pk}/").content.decode()
    assert 'data-testid="reply-delivery"' in page and page.count('data-testid="signed"') == 2
    assert 'data-testid="delivery-on-time"' in page


def test_the_api_sends_and_signs_the_reply(world):
    visit = notified(world)
    with travel("2026-09-29"):
        session = session_on(world)
        body = {"session": session.pk, "notes": "三楼会议室", "version": visit.version}
        assert api(world.secretary_b).post(f"/api/v1/observation/visits/{visit.pk}/reply/", body).status_code == 404
        response = api(world.liaison).post(f"/api/v1/observation/visits/{visit.pk}/reply/", body, format="json")
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["state"] == "scheduled" and data["reply_delivery"]["timeliness"] == "on_time"
        assert data["reply_delivery"]["sender_label"] == "联络员"
        assert api(world.secretary_a).post(f"/api/v1/observation/visits/{visit.pk}/sign_reply/").status_code == 404
        signed = api(world.supervisor).post(f"/api/v1/observation/visits/{visit.pk}/sign_reply/")
        assert signed.status_code == 200
        again = api(world.supervisor).post(f"/api/v1/observation/visits/{visit.pk}/sign_reply/")
        assert again.status_code == 400 and "无需重复签收" in again.content.decode()
    receipts = signed.json()["reply_delivery"]["receipts"]
    assert [r["signed_at"] is not None for r in receipts].count(True) == 1


# --- to-dos and the page ----------------------------------------------------------------------------


def reply_todos(user):
    return [t for t in collect_todos(user) if "回复巡听旁听函" in t.title]


def test_the_liaison_and_the_secretary_see_the_reply_to_do_until_it_is_sent(world):
    visit = notified(world)
    with travel("2026-10-09"):
        for user in (world.liaison, world.secretary_a):
            [todo] = reply_todos(user)
            assert todo.due == dt.date(2026, 10, 13)
            home = client_for(user).get("/").content.decode()
            assert "2026年10月13日" in home  # the due date in Chinese format
            page = client_for(user).get(f"/observation/{visit.pk}/").content.decode()
            assert 'data-testid="submit-reply"' in page  # the same button for both
        assert reply_todos(world.secretary_b) == [] and reply_todos(liaison_of_unit_b(world)) == []
        services.send_reply(visit, session_on(world), actor=world.liaison)
        assert reply_todos(world.liaison) == [] and reply_todos(world.secretary_a) == []


def test_the_supervisor_sees_the_replies_waiting_for_his_signature(world):
    visit = sent(world, world.secretary_a)

    def waiting(user):
        return [t for t in collect_todos(user) if "签收" in t.title and "学习会方案" in t.title]

    with travel("2026-09-29", "11:00"):
        [todo] = waiting(world.supervisor)
        assert todo.url == f"/observation/{visit.pk}/"
        assert len(waiting(world.leader)) == 1 and waiting(world.secretary_b) == []
        receipt = services.reply_delivery(visit).receipts.get(addressee_org__isnull=False)
        services.sign_reply_receipt(receipt, actor=world.supervisor)
        assert waiting(world.supervisor) == []


# --- the session plan (学习会方案) ------------------------------------------------------------------


def test_the_session_plan_is_rendered_from_the_session_or_is_the_uploaded_file(world):
    import io

    import docx

    visit = sent(world, world.liaison)
    with travel("2026-09-29", "11:00"):
        response = client_for(world.supervisor).get(f"/observation/{visit.pk}/documents/session_plan.docx")
    assert response.status_code == 200
    text = "\n".join(
        cell.text for table in docx.Document(io.BytesIO(response.content)).tables for row in table.rows
        for cell in row.cells
    )  # fmt: skip
    assert visit.session.title in text and visit.session.place in text

    other = walk(world, State.NOTIFIED)
    upload = SimpleUploadedFile("学习会方案.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    with travel("2026-10-09"):
        session = session_on(world, "2026-10-20")
        other = services.send_reply(other, session, actor=world.secretary_a, plan_file=upload)
        response = client_for(world.leader).get(f"/observation/{other.pk}/documents/session_plan.docx")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 plan"


def test_a_reply_not_signed_for_in_time_is_an_r_o4_finding_and_a_reminder(world):
    """R-O4: the team leader and the supervising department sign within `receipt_days` working days
    (`core.deliveries.receipt_overdue`); past them the check names who has not signed and the
    addressees are reminded. Sent Friday 9 October 2026: the three working days are Saturday the 10th
    (a make-up working day, 调休), Monday 12 and Tuesday 13."""
    from pangting.compliance.tests.builders import findings
    from pangting.observation import reminders

    def receipt_findings(day):
        return sorted(f.measured["addressee"] for f in findings("R-O4", today=day) if f.key.startswith("receipt:"))

    visit = sent(world, world.liaison, day="2026-10-09")
    assert receipt_findings(dt.date(2026, 10, 13)) == []
    assert receipt_findings(dt.date(2026, 10, 14)) == sorted([world.leader_person.name, world.root.name])
    owed = [r for r in reminders.due_reminders(dt.date(2026, 10, 14)) if r.key.startswith("reply_receipt:")]
    assert {u.pk for r in owed for u in r.recipients} >= {world.leader.pk, world.supervisor.pk}
    with travel("2026-10-15", "12:00"):
        for receipt in services.reply_delivery(visit).receipts.all():
            deliveries.sign(receipt, actor=system_actor())
    assert receipt_findings(dt.date(2026, 10, 15)) == []
    assert not [r for r in reminders.due_reminders(dt.date(2026, 10, 15)) if r.key.startswith("reply_receipt:")]


def test_the_visit_page_marks_a_reply_receipt_past_its_last_day(world):
    """R-O4 on the page: sent Friday 9 October 2026, last day to sign Tuesday the 13th (the 10th is a 调休 workday)."""
    visit = sent(world, world.liaison, day="2026-10-09")
    with travel("2026-10-13", "12:00"):
        page = client_for(world.supervisor).get(f"/observation/{visit.pk}/").content.decode()
    assert "未签收" in page and 'data-testid="receipt-overdue"' not in page
    with travel("2026-10-14", "12:00"):
        page = client_for(world.supervisor).get(f"/observation/{visit.pk}/").content.decode()
    assert page.count('data-testid="receipt-overdue"') == 2 and "签收期限2026年10月13日" in page
