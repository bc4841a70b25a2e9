"""The collector's pause (issue 15): off inside, restored after, counted across overlapping batches."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from pangting.lib.collector import collector_paused


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_it_is_off_inside_and_on_again_after() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_on_again_after_an_error() -> None:
    gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_nested_pause_does_not_end_the_outer_one() -> None:
    gc.enable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_stays_off_after_when_it_was_off_before() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_batch_in_another_thread_keeps_it_off_until_the_last_one_ends() -> None:
    gc.enable()
    entered, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other_batch() -> None:
        with collector_paused():
            entered.set()
            release.wait(5)
        seen.append(gc.isenabled())

    thread = threading.Thread(target=other_batch)
    with collector_paused():
        thread.start()
        assert entered.wait(5)
    assert not gc.isenabled()  # this batch ended, the other one still runs
    release.set()
    thread.join(5)
    assert seen == [True]
    assert gc.isenabled()
