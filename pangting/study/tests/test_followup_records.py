"""The records the newly checked rules read: 列席 attendance (R-S20), research before the session
(R-S21), study outcomes (R-S19), a cadre's branch (R-B7), training audiences (R-S18, R-B6)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from pangting.core.system import system_actor
from pangting.study import services
from pangting.study.models import Attendance, SecretaryTraining, StudyOutcome
from pangting.tests.builders import make_person

from .builders import at, make_session

pytestmark = pytest.mark.django_db


def test_it_records_a_non_member_as_列席_outside_the_participation_rate(world):
    """R-S20: the circle widened; attendance recorded, rate counts the group only."""
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25), actor=world.secretary_a)
    outsider = make_person("列席书记", world.branch_a, post="党支部书记")
    with pytest.raises(ValidationError, match="不是"):  # the group's list refuses him as a member
        services.record_attendance(session, outsider, actor=world.secretary_a, status=Attendance.Status.PRESENT)
    row = services.add_observer(session, outsider, actor=world.secretary_a)
    assert row.role == Attendance.Role.OBSERVER and not row.counts_for_rate
    services.record_attendance(session, outsider, actor=world.secretary_a, status=Attendance.Status.PRESENT)
    facts = services.session_facts(session)
    assert facts.expected_count == 1 and facts.present_count == 0  # 陈成员 only; the observer is not counted
    with pytest.raises(ValidationError, match="已在参会人员名单中"):
        services.add_observer(session, outsider, actor=world.secretary_a)
    assert row.history.count() >= 1


def test_it_names_research_before_the_session_and_refuses_research_after_it(world):
    """R-S21."""
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25), actor=world.secretary_a)
    item = services.add_research(
        session, actor=world.secretary_a, person=world.member_person, researcher_name="", topic="实训基地调研",
        done_on=dt.date(2026, 11, 10),
    )  # fmt: skip
    assert (item.researcher_name, item.topic) == ("陈成员", "实训基地调研")
    with pytest.raises(ValidationError) as error:
        services.add_research(
            session, actor=world.secretary_a, researcher_name="", topic="", done_on=dt.date(2026, 11, 26)
        )
    assert set(error.value.message_dict) == {"researcher_name", "topic", "done_on"}
    services.remove_research(item, actor=world.secretary_a)
    assert not session.research_items.exists()


def test_it_records_an_outcome_and_its_conversion_with_clear_refusals(world):
    """R-S19."""
    with time_machine.travel(dt.datetime(2026, 6, 15, 10), tick=False):
        with pytest.raises(ValidationError) as error:
            services.record_outcome(
                world.unit_a, actor=world.secretary_a, title=" ", recorded_on=dt.date(2026, 7, 1),
                conversion_due=dt.date(2026, 6, 1), kind="nonsense",
            )  # fmt: skip
        assert set(error.value.message_dict) == {"title", "kind", "recorded_on", "conversion_due"}
        outcome = services.record_outcome(
            world.unit_a, actor=world.secretary_a, title="三项举措", conversion_due=dt.date(2026, 9, 30)
        )
        with pytest.raises(ValidationError, match="转化成效"):
            services.record_conversion(outcome, actor=world.secretary_a, converted_on=dt.date(2026, 6, 15), note="")
        services.record_conversion(outcome, actor=world.secretary_a, converted_on=dt.date(2026, 6, 15), note="推行")
    outcome.refresh_from_db()
    assert outcome.conversion == StudyOutcome.Conversion.CONVERTED
    assert not outcome.is_overdue(dt.date(2026, 12, 1))


def test_it_moves_a_cadre_to_another_branch_keeping_the_old_one_dated(world):
    """R-B7: a cadre belongs to one branch at a time; only branches."""
    second = make_person("占位", world.branch_a)  # noqa: F841  (the branch has people)
    with pytest.raises(ValidationError, match="不是党支部"):
        services.assign_cadre_branch(world.member_person, world.unit_a, actor=system_actor(), since=dt.date(2026, 1, 1))
    first = services.assign_cadre_branch(
        world.member_person, world.branch_a, actor=system_actor(), since=dt.date(2026, 1, 1)
    )
    assert services.cadre_branch_on(world.member_person, dt.date(2026, 3, 1)) == first
    assert services.cadre_branch_on(world.member_person, dt.date(2025, 12, 31)) is None


def test_it_keeps_the_training_audience_and_refuses_a_future_training(world):
    """R-S18 / R-B6: who was trained; a training is recorded once held."""
    with time_machine.travel(dt.datetime(2026, 6, 1, 10), tick=False):
        with pytest.raises(ValidationError, match="不能晚于今天"):
            services.record_training(world.unit_a, actor=system_actor(), held_on=dt.date(2026, 7, 1), title="培训")
        training = services.record_training(
            world.unit_a, actor=system_actor(), held_on=dt.date(2026, 5, 1), title="学习秘书培训",
            audience=SecretaryTraining.Audience.STUDY_SECRETARIES, trainees=[world.secretary_a_person],
        )  # fmt: skip
    assert training.audience == "study" and list(training.trainees.all()) == [world.secretary_a_person]


def test_it_enters_research_and_列席_attendance_from_the_pages(world, client_for):
    """R-S21 on the session page, R-S20 on the attendance page; bad input is a message, not a 500."""
    from django.urls import reverse

    session = make_session(world.unit_a, starts_at=at(2030, 6, 5), actor=world.secretary_a)
    client = client_for(world.secretary_a)
    url = reverse("study:session_research_add", args=[session.pk])
    assert client.post(url, {"researcher_name": "陈成员", "topic": ""}).status_code == 302
    assert not session.research_items.exists()
    assert client.post(url, {"researcher_name": "陈成员", "topic": "实训基地调研"}).status_code == 302
    page = client.get(reverse("study:session_detail", args=[session.pk])).content.decode()
    assert "实训基地调研" in page
    outsider = make_person("列席书记", world.branch_a, post="党支部书记")
    add = reverse("study:session_add_attendee", args=[session.pk])
    assert client.post(add, {"person": outsider.pk, "as_observer": "on"}).status_code == 302
    assert session.attendances.get(person=outsider).role == Attendance.Role.OBSERVER
    assert "列席" in client.get(reverse("study:session_attendance", args=[session.pk])).content.decode()


def test_it_records_a_study_secretary_training_from_the_page(world, client_for):
    """R-S18: the training page records the audience."""
    from django.urls import reverse

    client = client_for(world.secretary_a)
    response = client.post(
        reverse("study:training_list"),
        {"organization": world.unit_a.pk, "audience": "study", "held_on": "2026-05-20", "title": "学习秘书培训",
         "hours": "2", "trainees": [world.secretary_a_person.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    assert SecretaryTraining.objects.get().audience == SecretaryTraining.Audience.STUDY_SECRETARIES


def test_it_records_an_outcome_and_its_conversion_from_the_page(world, client_for):
    """R-S19: the outcomes page; a bad conversion is a message, not a 500."""
    from django.urls import reverse

    client = client_for(world.secretary_a)
    with time_machine.travel(dt.datetime(2026, 6, 15, 10), tick=False):
        response = client.post(
            reverse("study:outcome_list"),
            {"organization": world.unit_a.pk, "kind": "measure", "title": "三项举措", "recorded_on": "2026-06-15",
             "conversion_due": "2026-09-30"},
        )  # fmt: skip
        assert response.status_code == 302
        outcome = StudyOutcome.objects.get()
        convert = reverse("study:outcome_convert", args=[outcome.pk])
        assert client.post(convert, {"converted_on": "2026-06-15", "note": ""}).status_code == 302
        outcome.refresh_from_db()
        assert outcome.conversion == StudyOutcome.Conversion.PENDING
        assert client.post(convert, {"converted_on": "2026-06-15", "note": "已推行"}).status_code == 302
        assert "已推行" in client.get(reverse("study:outcome_list")).content.decode()


def test_it_records_a_cadres_branch_from_the_page(world, client_for):
    """R-B7: the cadres page; a unit that is not a branch is refused with a message."""
    from django.urls import reverse

    from pangting.study.models import CadreBranch

    client = client_for(world.secretary_a)
    url = reverse("study:cadre_branch_list")
    data = {"person": world.member_person.pk, "branch": world.branch_a.pk, "since": "2026-01-01"}
    assert client.post(url, {**data, "branch": world.unit_a.pk}).status_code == 200  # not a choice: form error
    assert client.post(url, data).status_code == 302
    assert CadreBranch.objects.get().branch == world.branch_a
    assert world.branch_a.display_name in client.get(url).content.decode()
