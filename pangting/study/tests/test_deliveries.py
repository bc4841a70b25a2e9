"""R-S10 as deliveries with receipts: the unit sends the arrangement form to its liaison, the liaison
passes it on to the linked leader, the copy goes to the supervisor after the session; each addressee
signs for his copy, and lateness counts from the send time."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from pangting.core import deliveries
from pangting.core.models import Delivery, Receipt
from pangting.core.system import system_actor
from pangting.study import documents, services
from pangting.study.services import deliveries as study_deliveries
from pangting.study.tests.builders import approved, at, make_session
from pangting.study.todos import study_todos

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 10, 0)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _titles(user) -> list[str]:
    return [todo.title for todo in study_todos(user)]


def test_it_sends_the_form_through_the_liaison_to_the_leader_and_counts_it_on_time(world):
    # R-S10: due 2 days before the session (2026-11-23 for the 25th); sent on the 20th.
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    first = services.send_arrangement(session, actor=world.secretary_a)
    [to_liaison] = first.receipts.all()
    assert to_liaison.addressee_person == world.liaison_person and to_liaison.signed_at is None
    assert any("签收并转报联系校领导" in title for title in _titles(world.liaison))
    assert session.arrangement_submitted_at is None  # not yet with the leader

    forwarded = services.forward_arrangement(session, actor=world.liaison)
    to_liaison.refresh_from_db()
    assert to_liaison.signed_by == world.liaison  # the liaison's own copy is signed as he passes it on
    [to_leader] = forwarded.receipts.all()
    assert to_leader.addressee_person == world.leader_person and forwarded.forwards == first
    session.refresh_from_db()
    assert session.arrangement_submitted_at == forwarded.sent_at == NOW
    assert study_deliveries.timeliness_of(forwarded) == "on_time"
    assert not services.session_facts(session).arrangement_submitted_late
    assert any(title.startswith("签收：") for title in _titles(world.leader))

    services.sign_receipt(to_leader, actor=world.leader)
    to_leader.refresh_from_db()
    assert to_leader.signed_at == NOW and to_leader.signed_by == world.leader
    assert not any(title.startswith("签收：") for title in _titles(world.leader))
    assert to_leader.history.count() == 2  # created, signed: history kept


def test_it_counts_lateness_from_the_send_time_not_the_receipt(world):
    # R-S10 (failing case): sent on the 20th for a session on the 21st: due the 19th, late.
    session = make_session(world.unit_a, starts_at=at(2026, 11, 21))
    services.send_arrangement(session, actor=world.secretary_a, at=at(2026, 11, 18, 9))
    forwarded = services.forward_arrangement(session, actor=world.liaison)
    assert forwarded.due == dt.date(2026, 11, 19)
    assert study_deliveries.timeliness_of(forwarded) == "late"
    session.refresh_from_db()
    assert services.session_facts(session).arrangement_submitted_late


def test_only_the_liaison_forwards_and_only_the_addressee_signs(world):
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    with pytest.raises(ValidationError, match="尚未报送"):
        services.forward_arrangement(session, actor=world.liaison)
    services.send_arrangement(session, actor=world.secretary_a)
    with pytest.raises(Http404):  # the secretary of unit B reaches nothing of unit A
        services.send_arrangement(session, actor=world.secretary_b)
    with pytest.raises(ValidationError, match="联络员转报"):  # the secretary is not the liaison
        services.forward_arrangement(session, actor=world.secretary_a)
    with pytest.raises(ValidationError, match=r"已于\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d报送，不能重复报送"):
        services.send_arrangement(session, actor=world.secretary_a)  # the time in Chinese, not ISO
    forwarded = services.forward_arrangement(session, actor=world.liaison)
    [to_leader] = forwarded.receipts.all()
    for stranger in (world.liaison, world.secretary_a, world.supervisor, world.member):
        with pytest.raises(Http404):
            services.sign_receipt(to_leader, actor=stranger)
    services.sign_receipt(to_leader, actor=world.leader)
    with pytest.raises(ValidationError, match="无需重复签收"):
        services.sign_receipt(to_leader, actor=world.leader)


def test_the_copy_goes_to_the_supervisor_after_the_session_and_any_supervisor_signs(world):
    # R-S10: the report within 2 days after the session (due the 23rd for the 20th's session).
    session = make_session(world.unit_a, starts_at=at(2026, 11, 20, 8, 0))
    with time_machine.travel(at(2026, 11, 20, 7, 0), tick=False), pytest.raises(ValidationError, match="尚未召开"):
        services.send_report(session, actor=world.liaison)
    report = services.send_report(session, actor=world.liaison)  # the liaison sends the copy too
    assert report.sender_label == "联络员" and report.due == session.report_due
    [to_supervisor] = report.receipts.all()
    assert to_supervisor.addressee_org == world.root
    assert any("学习安排报送表（副本）" in title for title in _titles(world.supervisor))
    with pytest.raises(Http404):
        services.sign_receipt(to_supervisor, actor=world.secretary_a)
    services.sign_receipt(to_supervisor, actor=world.supervisor)
    session.refresh_from_db()
    assert session.report_submitted_at == NOW and not services.session_facts(session).report_submitted_late


def test_a_report_never_sent_is_overdue_after_its_due_date(world):
    # R-S10 (failing case): the session of Monday the 16th, its report due two working days after.
    session = make_session(world.unit_a, starts_at=at(2026, 11, 16))
    assert session.report_due == dt.date(2026, 11, 18)
    assert services.session_facts(session).report_submitted_late


def test_deliveries_are_scoped_by_the_unit(world):
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    services.send_arrangement(session, actor=world.secretary_a)
    assert Delivery.objects.for_user(world.secretary_a).count() == 1
    assert Delivery.objects.for_user(world.secretary_b).count() == 0
    assert Receipt.objects.for_user(world.secretary_b).count() == 0
    assert deliveries.pending_receipts(world.secretary_b).count() == 0


def test_the_form_shows_the_send_date_and_the_group_size(world):
    # 填报时间 is the unit's send; 中心组人数 the group's people (the secretary keeps records, not counted).
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    session.attendances.all().delete()  # the expected list is not the group's size
    services.send_arrangement(session, actor=world.secretary_a, at=at(2026, 11, 19, 9))
    document = docx.Document(io.BytesIO(documents.arrangement_form_docx(session)))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "填报时间：2026年11月19日" in paragraphs
    assert documents.group_size(session) == 1 and "1人" in cells


def test_the_system_actor_records_a_paper_chain_afterwards(world):
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    first = services.send_arrangement(session, actor=system_actor(), at=at(2026, 11, 19, 9))
    forwarded = services.forward_arrangement(session, actor=system_actor(), at=at(2026, 11, 19, 15))
    [liaison_copy] = first.receipts.all()
    assert liaison_copy.signed_at == at(2026, 11, 19, 15)
    [receipt] = forwarded.receipts.all()
    with pytest.raises(ValidationError, match="签收时间"):  # not before it was sent
        services.sign_receipt(receipt, actor=system_actor(), at=at(2026, 11, 19, 14))
    services.sign_receipt(receipt, actor=system_actor(), at=at(2026, 11, 19, 18))
    receipt.refresh_from_db()
    assert receipt.signed_at == at(2026, 11, 19, 18)


def test_the_pages_walk_the_form_from_the_secretary_through_the_liaison_to_the_leader(world, client_for):
    # R-S10 on the session page: each sees only his own step; the page says who sent and signed when.
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    page = reverse("study:session_detail", args=[session.pk])
    secretary, liaison, leader = client_for(world.secretary_a), client_for(world.liaison), client_for(world.leader)
    assert 'data-testid="forward-arrangement"' not in liaison.get(page).content.decode()
    secretary.post(reverse("study:session_submit", args=[session.pk, "arrangement"]))
    html = liaison.get(page).content.decode()
    assert 'data-testid="forward-arrangement"' in html and "未签收" in html
    assert liaison.post(reverse("study:session_submit", args=[session.pk, "forward"])).status_code == 302
    forwarded = study_deliveries.delivery_of(session, study_deliveries.ARRANGEMENT_TO_LEADER)
    [receipt] = forwarded.receipts.all()
    sign = reverse("study:receipt_sign", args=[receipt.pk])
    assert client_for(world.supervisor).post(sign).status_code == 404  # not his copy
    html = leader.get(page).content.decode()
    assert 'data-testid="sign-receipt"' in html and 'data-testid="delivery-on-time"' in html
    assert leader.post(sign).status_code == 302
    receipt.refresh_from_db()
    assert receipt.signed_by == world.leader
    assert 'data-testid="sign-receipt"' not in leader.get(page).content.decode()


def test_the_api_offers_the_sends_as_steps_and_signs_receipts(world):
    from rest_framework.test import APIClient

    def api(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    url = f"/api/v1/study-sessions/{session.pk}/"
    assert api(world.secretary_a).get(url).json()["delivery_steps"] == ["send_arrangement"]
    assert api(world.secretary_a).post(url + "send-arrangement/").status_code == 200
    assert api(world.liaison).get(url).json()["delivery_steps"] == ["forward_arrangement"]
    body = api(world.liaison).post(url + "forward-arrangement/").json()
    assert [d["kind"] for d in body["deliveries"]] == ["arrangement", "arrangement_leader"]
    assert body["deliveries"][1]["timeliness"] == "on_time"
    [pending] = api(world.leader).get("/api/v1/study-receipts/").json()["results"]
    assert api(world.supervisor).post(f"/api/v1/study-receipts/{pending['id']}/sign/").status_code == 404
    signed = api(world.leader).post(f"/api/v1/study-receipts/{pending['id']}/sign/")
    assert signed.status_code == 200 and signed.json()["signed_at"]
    again = api(world.leader).post(f"/api/v1/study-receipts/{pending['id']}/sign/")
    assert again.status_code == 400 and "无需重复签收" in str(again.json())


def test_the_annual_plan_is_sent_to_the_supervisor_who_signs_when_he_returns_or_acknowledges_it(world):
    # R-S1: the plan is a delivery to the supervising 宣传部, due by the end of January; a plan sent
    # again after its return is a new delivery, late (failing case) when sent after the due date.
    from pangting.study.models import StudyPlan
    from pangting.study.services.plans import PLAN_DELIVERY

    with time_machine.travel(at(2026, 1, 5, 9), tick=False):
        plan = services.create_plan(
            world.unit_a, actor=world.secretary_a, year=2026,
            themes=[{"period_kind": "month", "period": 11, "theme": "学习贯彻党的二十届四中全会精神"}],
        )  # fmt: skip
        approved(plan)  # R-S15 first
    with time_machine.travel(at(2026, 1, 20, 9), tick=False):
        services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
    with time_machine.travel(at(2026, 1, 22, 9), tick=False):
        services.transition_plan(plan, StudyPlan.Status.RETURNED, actor=world.supervisor, reason="专题不全")
    with time_machine.travel(at(2026, 2, 3, 9), tick=False):
        services.transition_plan(plan, StudyPlan.Status.SUBMITTED, actor=world.secretary_a)
        first, second = deliveries.for_record(plan, [PLAN_DELIVERY])
        assert [study_deliveries.timeliness_of(d) for d in (first, second)] == ["on_time", "late"]
        assert first.receipts.get().signed_by == world.supervisor  # he received it when he returned it
        assert second.receipts.get().addressee_org == world.root and second.due == dt.date(2026, 1, 31)
        assert second.receipts.get().signed_at is None
        [todo] = [t for t in study_todos(world.supervisor) if t.title.startswith("签收：")]
        assert todo.url == reverse("study:plan_detail", args=[plan.pk])
    services.transition_plan(plan, StudyPlan.Status.ACKNOWLEDGED, actor=world.supervisor)
    assert second.receipts.get().signed_by == world.supervisor
