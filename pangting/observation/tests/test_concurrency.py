"""Concurrency (issue 10, item 4): concurrent identical steps give one effect; a stale copy changes nothing.

The threads really run at once, each on its own database connection: on PostgreSQL, and on
SQLite because the test database is a file there (see `pangting/test_settings.py`; an
in-memory database would not be shared by the threads' connections the same way).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from pangting.observation import services
from pangting.observation.models import LetterCounter, State, Visit, VisitTransition

from .scenes import planned, travel, walk

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def _race(work: Any) -> Counter[str]:
    """Run `work()` in THREADS threads released together; count their outcomes."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            work()
            outcome = "ok"
        except ValidationError as error:
            outcome = "; ".join(error.messages)
        except Exception as error:  # a database error ("locked") is an outcome the test must see
            outcome = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


def test_the_threads_share_the_test_database():
    """The race below is only honest if each thread's connection sees the same database."""
    assert not connection.is_in_memory_db() if connection.vendor == "sqlite" else True


def test_it_issues_one_letter_with_one_number_when_eight_clicks_race_r_o4(world):
    with travel("2026-09-25"):
        visit = planned(world)  # every request was rendered from this same page
        seen = Visit.objects.get(pk=visit.pk)
        outcomes = _race(
            lambda: services.issue_letter(
                Visit.objects.get(pk=visit.pk), actor=world.supervisor, expected_version=seen.version
            )
        )
    assert outcomes["ok"] == 1, outcomes
    assert sum(outcomes.values()) == THREADS
    assert all("此记录已被他人修改" in outcome for outcome in outcomes if outcome != "ok"), outcomes
    visit.refresh_from_db()
    assert visit.state == State.NOTIFIED and visit.letter_seq == 1
    assert visit.letter_number.endswith("〔2026〕1号")
    assert LetterCounter.objects.get(organization=visit.supervisor_org, year=2026, kind="letter").last == 1
    assert VisitTransition.objects.filter(visit=visit, to_state=State.NOTIFIED).count() == 1


def test_it_numbers_letters_of_different_visits_without_gaps_when_they_race_r_o4(world):
    with travel("2026-09-25"):
        visits = [planned(world, target_month=month) for month in (10, 11, 12, 10, 11, 12, 10, 11)]
        queue = list(visits)
        lock = threading.Lock()

        def issue_next() -> None:
            with lock:
                visit = queue.pop()
            services.issue_letter(Visit.objects.get(pk=visit.pk), actor=world.supervisor)

        outcomes = _race(issue_next)
    assert outcomes == Counter({"ok": THREADS})
    numbers = sorted(Visit.objects.filter(pk__in=[v.pk for v in visits]).values_list("letter_seq", flat=True))
    assert numbers == list(range(1, THREADS + 1))


def test_it_refuses_a_stale_form_and_changes_nothing(world):
    visit = walk(world, State.NOTIFIED)
    stale = Visit.objects.get(pk=visit.pk)
    with travel("2026-09-26"):
        services.record_delivery(visit, visit.letter_issued_at.date(), actor=world.supervisor)
        with pytest.raises(ValidationError, match="此记录已被他人修改"):
            services.cancel_visit(stale, actor=world.supervisor, reason="重复安排")
    assert Visit.objects.get(pk=visit.pk).state == State.NOTIFIED


def test_a_stale_copy_saved_over_the_visit_cannot_put_it_back_to_planned(world):
    with travel("2026-09-25"):
        visit = planned(world)
        stale = Visit.objects.get(pk=visit.pk)
        services.issue_letter(visit, actor=world.supervisor)
    stale.focus = "旧页面上的修改"
    with pytest.raises(ValidationError, match="此记录已被他人修改"):
        stale.save()
    fresh = Visit.objects.get(pk=visit.pk)
    assert (fresh.state, fresh.focus) == (State.NOTIFIED, "")
    fresh.state = State.PLANNED  # even a current copy cannot write the state: only a step moves it
    with pytest.raises(ValueError, match="only through run_step"):
        fresh.save()
    assert Visit.objects.get(pk=visit.pk).state == State.NOTIFIED


def test_it_creates_one_invited_visit_when_acceptances_race_r_o2(world):
    from pangting.observation.models import InvitationRequest

    from .scenes import session_on

    with travel("2026-11-02"):
        invitation = services.request_invitation(session_on(world, "2026-11-20"), actor=world.secretary_a)
        outcomes = _race(
            lambda: services.decide_invitation(
                InvitationRequest.objects.get(pk=invitation.pk), accept=True, actor=world.supervisor
            )
        )
    assert outcomes["ok"] == 1, outcomes
    assert Visit.objects.filter(session=invitation.session).count() == 1
    assert InvitationRequest.objects.get(pk=invitation.pk).visit_id is not None


def test_it_saves_one_record_when_one_submission_key_is_sent_eight_times_at_once_r_o8(world):
    """Offline record (issue 16): the page and the worker may both re-send a queued form when the
    network returns. Every sending answers with the one result; one record, one save."""
    from pangting.observation.models import ObservationRecord, RecordSubmission

    from .scenes import FINDINGS, SCORES

    visit = walk(world, State.OBSERVED)
    key = uuid.uuid4()
    with travel("2026-10-01"):
        outcomes = _race(
            lambda: services.submit_record_once(
                Visit.objects.get(pk=visit.pk),
                actor=world.liaison,
                key=key,
                data=FINDINGS,
                scores=SCORES,
                submit=True,
                expected_version=0,
            )
        )
    assert outcomes == Counter({"ok": THREADS}), outcomes
    record = ObservationRecord.objects.get(visit=visit)
    assert record.version == 1 and record.history.count() == 1
    assert RecordSubmission.objects.filter(record=record).count() == 1
    assert VisitTransition.objects.filter(visit=visit, to_state=State.RECORDED).count() == 1


def test_it_keeps_the_first_of_two_new_records_racing_and_calls_the_other_a_conflict_r_o8(world):
    """Two people start the record at once, each over "no record yet": one saves, the other is told."""
    from pangting.observation.models import ObservationRecord

    from .scenes import FINDINGS, SCORES

    visit = walk(world, State.OBSERVED)
    with travel("2026-10-01"):
        outcomes = _race(
            lambda: services.submit_record_once(
                Visit.objects.get(pk=visit.pk),
                actor=world.liaison,
                key=uuid.uuid4(),
                data=FINDINGS,
                scores=SCORES,
                expected_version=0,
            )
        )
    assert outcomes["ok"] == 1, outcomes
    assert all("此记录已被他人修改" in outcome for outcome in outcomes if outcome != "ok"), outcomes
    assert ObservationRecord.objects.get(visit=visit).version == 1
