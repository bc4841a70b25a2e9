"""Pages for invitations (R-O2), cross-observation (R-O13), practices (R-O16) and the plan (R-O1, R-O11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pangting.observation import services
from pangting.observation.models import CrossObservation, InvitationRequest, Mode, ObservationPlan, Practice, State

from .scenes import planned, session_on, travel, walk

pytestmark = pytest.mark.django_db


# --- invited visits (R-O2) -------------------------------------------------------------------------


def test_it_lets_a_secretary_invite_and_the_supervisor_accept(world, client_for):
    with travel("2026-11-02"):
        session = session_on(world, "2026-11-20")
        secretary = client_for(world.secretary_a)
        form = secretary.get(reverse("observation:invitation_create"))
        assert session.title in form.content.decode()
        response = secretary.post(reverse("observation:invitation_create"), {"session": session.pk, "message": "欢迎"})
        assert response.status_code == 302
        invitation = InvitationRequest.objects.get(session=session)
        listing = client_for(world.supervisor).get(reverse("observation:invitation_list")).content.decode()
        assert "甲学院党委" in listing and "待处理" in listing
        assert (
            "甲学院党委"
            not in client_for(world.secretary_b).get(reverse("observation:invitation_list")).content.decode()
        )
        refused = client_for(world.supervisor).post(
            reverse("observation:invitation_decide", args=[invitation.pk]), {"accept": "0", "reason": ""}
        )
        assert "婉拒邀请须说明理由" in refused.content.decode()
        accepted = client_for(world.supervisor).post(
            reverse("observation:invitation_decide", args=[invitation.pk]), {"accept": "1", "reason": ""}
        )
    invitation.refresh_from_db()
    assert invitation.visit.mode == Mode.INVITED and invitation.visit.state == State.SCHEDULED
    assert accepted.url == reverse("observation:visit_detail", args=[invitation.visit.pk])


@pytest.mark.parametrize("persona", ["secretary_a", "secretary_b", "leader", "liaison", "outsider", "member"])
def test_it_hides_the_decision_page_from_everyone_but_the_supervisor(world, client_for, persona):
    with travel("2026-11-02"):
        invitation = services.request_invitation(session_on(world, "2026-11-20"), actor=world.secretary_a)
        response = client_for(getattr(world, persona)).get(
            reverse("observation:invitation_decide", args=[invitation.pk])
        )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "member", "leader", "viewer", "sysadmin"])
def test_it_answers_404_for_invitations_to_those_without_a_part_in_them(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(reverse("observation:invitation_list")).status_code == 404
    assert client_for(getattr(world, persona)).get(reverse("observation:invitation_create")).status_code in (404,)


# --- cross-observation (R-O13) --------------------------------------------------------------------------


def test_it_counts_both_directions_and_flags_units_short_of_once_a_semester(world, client_for):
    with travel("2026-10-08"):
        cross = services.invite_cross_observation(
            world.unit_a, world.unit_b, actor=world.secretary_a, session=session_on(world, "2026-10-09")
        )
    with travel("2026-10-20"):
        page = client_for(world.supervisor).get(reverse("observation:cross_list"), {"year": 2026, "semester": 2})
        text = page.content.decode()
    assert page.status_code == 200
    assert "cross-short" in text  # unit A has not sat in anywhere, unit B has not invited anyone
    assert "已逾期" in text  # the report was due 2026-10-12
    counts = {row["unit"].pk: (row["hosted"], row["visited"]) for row in page.context["counts"]}
    assert counts[world.unit_a.pk] == (1, 0) and counts[world.unit_b.pk] == (0, 0)
    assert cross.report_due == dt.date(2026, 10, 12)


def test_it_lets_a_host_secretary_invite_and_the_visitor_report(world, client_for):
    with travel("2026-10-08"):
        session = session_on(world, "2026-10-09")
        response = client_for(world.secretary_a).post(
            reverse("observation:cross_create"),
            {"host": world.unit_a.pk, "visitor": world.unit_b.pk, "session": session.pk, "visitor_person": ""},
        )
    cross = CrossObservation.objects.get()
    assert response.url == reverse("observation:cross_detail", args=[cross.pk])
    with travel("2026-10-10"):
        detail = client_for(world.secretary_b).get(reverse("observation:cross_detail", args=[cross.pk]))
        assert "2026年10月12日" in detail.content.decode()  # due date with its basis
        assert "自2026年10月9日起3天（自然日）" in detail.content.decode()
        client_for(world.secretary_b).post(
            reverse("observation:cross_detail", args=[cross.pk]), {"report": "学习扎实。"}
        )
    cross.refresh_from_db()
    assert cross.status == CrossObservation.Status.REPORTED and not cross.reported_late
    # The host may read, not write, the visitor's report.
    assert (
        client_for(world.secretary_a)
        .post(reverse("observation:cross_detail", args=[cross.pk]), {"report": "改写"})
        .status_code
        == 404
    )


@pytest.mark.parametrize("persona", ["outsider", "member", "auditor"])
def test_it_hides_cross_observations_from_outsiders(world, client_for, persona):
    with travel("2026-10-08"):
        cross = services.invite_cross_observation(world.unit_a, world.unit_b, actor=world.secretary_a)
    client = client_for(getattr(world, persona))
    assert client.get(reverse("observation:cross_detail", args=[cross.pk])).status_code == 404
    assert client.get(reverse("observation:cross_list")).status_code == 404
    assert client.get(reverse("observation:cross_create")).status_code == 404


# --- typical practices (R-O16) -----------------------------------------------------------------------------


def test_it_collects_promotes_and_records_replication_of_a_practice(world, client_for):
    visit = walk(world, State.RECORDED)
    supervisor = client_for(world.supervisor)
    response = supervisor.post(
        reverse("observation:practice_create") + f"?visit={visit.pk}",
        {
            "unit": world.unit_a.pk,
            "title": "学习成果转化清单",
            "description": "每次学习后列出转化举措。",
            "visit": visit.pk,
        },
    )
    practice = Practice.objects.get()
    assert practice.visit == visit and response.url == reverse("observation:practice_detail", args=[practice.pk])
    # Not yet promoted: unit B does not see it; promoted: the whole committee does (R-O16).
    detail = reverse("observation:practice_detail", args=[practice.pk])
    assert client_for(world.secretary_b).get(detail).status_code == 404
    supervisor.post(detail, {"step": "promote"})
    supervisor.post(detail, {"step": "replicate", "unit": world.unit_b.pk, "on": "2026-11-02", "notes": "借鉴"})
    practice.refresh_from_db()
    assert practice.status == Practice.Status.PROMOTED
    assert practice.replications.get().unit == world.unit_b
    page = client_for(world.secretary_b).get(reverse("observation:practice_list"), {"q": "转化"})
    assert "学习成果转化清单" in page.content.decode()
    assert client_for(world.secretary_b).post(detail, {"step": "promote"}).status_code == 404


def test_it_lets_a_liaison_collect_from_his_visit_but_not_a_secretary(world, client_for):
    visit = walk(world, State.RECORDED)
    url = reverse("observation:practice_create") + f"?visit={visit.pk}"
    assert client_for(world.liaison).get(url).status_code == 200
    assert client_for(world.secretary_b).get(url).status_code == 404
    assert client_for(world.outsider).get(reverse("observation:practice_list")).status_code == 404


# --- the plan and coverage (R-O1, R-O11) ------------------------------------------------------------------------


def test_it_lists_the_plan_by_semester_shows_uncovered_units_and_approves(world, client_for):
    with travel("2026-02-20"):
        planned(world, semester=1, target_month=3)
    page = client_for(world.supervisor).get(reverse("observation:plan_detail"), {"year": 2026})
    text = page.content.decode()
    assert page.status_code == 200
    assert "春季学期" in text and "3月" in text
    uncovered = {row.unit.pk for row in page.context["uncovered"]}
    assert uncovered == {world.unit_a.pk, world.unit_b.pk}  # planned is not yet observed (R-O11)
    plan = ObservationPlan.objects.get(year=2026)
    # R-O20: not before the party committee's decision is recorded
    client_for(world.supervisor).post(reverse("observation:plan_approve", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == ObservationPlan.Status.DRAFT
    with travel("2026-02-21"):
        client_for(world.supervisor).post(
            reverse("observation:plan_committee", args=[plan.pk]),
            {"meeting": "党委常委会2026年第2次会议", "day": "2026-02-20", "document": _pdf()},
        )
    plan.refresh_from_db()
    assert plan.committee_decided
    client_for(world.supervisor).post(reverse("observation:plan_approve", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == ObservationPlan.Status.APPROVED
    document = client_for(world.viewer).get(reverse("observation:plan_document", args=[plan.pk]))
    assert document.status_code == 200 and b"".join(document.streaming_content) == b"%PDF-1.4 decision"
    assert client_for(world.outsider).get(reverse("observation:plan_document", args=[plan.pk])).status_code == 404


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("党委会议决定.pdf", b"%PDF-1.4 decision", content_type="application/pdf")


def test_it_counts_coverage_in_the_fixed_two_year_round_of_r_o11(world, client_for):
    """R-O11 "every two-year round" (`observation.coverage`): 2025–2026, then 2027–2028."""
    walk(world, State.OBSERVED)  # 2026, the second year of the 2025–2026 round
    client = client_for(world.supervisor)
    page = client.get(reverse("observation:plan_detail"), {"year": 2026})
    assert page.context["coverage_round"] == (2025, 2026)
    assert {row.unit.pk for row in page.context["uncovered"]} == {world.unit_b.pk}
    page = client.get(reverse("observation:plan_detail"), {"year": 2027})  # a new round starts uncovered
    assert {row.unit.pk for row in page.context["uncovered"]} == {world.unit_a.pk, world.unit_b.pk}


@pytest.mark.parametrize("persona", ["secretary_a", "liaison", "leader", "outsider", "member"])
def test_it_hides_the_plan_and_the_year_file_from_units(world, client_for, persona):
    walk(world, State.PLANNED)
    plan = ObservationPlan.objects.get()
    client = client_for(getattr(world, persona))
    assert client.get(reverse("observation:plan_detail"), {"year": 2026}).status_code == 404
    assert client.post(reverse("observation:plan_approve", args=[plan.pk])).status_code == 404
    assert client.get(reverse("observation:year_file"), {"year": 2026}).status_code == 404


def test_it_shows_the_plan_to_the_leadership_viewer_without_buttons(world, client_for):
    walk(world, State.PLANNED)
    page = client_for(world.viewer).get(reverse("observation:plan_detail"), {"year": 2026})
    assert page.status_code == 200
    assert "approve-plan" not in page.content.decode()


def test_the_cross_list_pages_both_lists_and_draws_no_grid_past_its_limit(world, client_for, monkeypatch):
    from pangting.core import paging
    from pangting.observation import views_cross

    for host, visitor in ((world.unit_a, world.unit_b), (world.unit_b, world.unit_a), (world.unit_a, world.unit_b)):
        CrossObservation.objects.create(
            year=2026, semester=2, host=host, visitor=visitor, status=CrossObservation.Status.ATTENDED
        )
    client = client_for(world.supervisor)
    with travel("2026-10-20"):
        small = client.get(reverse("observation:cross_list"), {"year": 2026, "semester": 2})
    grid = {row["unit"].pk: row["cells"] for row in small.context["matrix"]}
    assert grid == {world.unit_a.pk: ["—", 2], world.unit_b.pk: [1, "—"]}  # counted over every row, not a page

    monkeypatch.setattr(paging, "PER_PAGE", 1)
    monkeypatch.setattr(views_cross, "MATRIX_UNITS", 1)
    with travel("2026-10-20"):
        page = client.get(reverse("observation:cross_list"), {"year": 2026, "semester": 2, "unit_page": 2})
    text = page.content.decode()
    assert page.context["matrix"] == [] and 'data-testid="cross-matrix-omitted"' in text
    assert [row["unit"] for row in page.context["counts"]] == [world.unit_b]
    assert page.context["short_count"] == 0  # over every unit, not the page
    assert len(page.context["items"]) == 1 and page.context["page_obj"].paginator.count == 3
    assert 'href="?year=2026&amp;semester=2&amp;unit_page=2&page=2"' in text  # keeps the units' page
