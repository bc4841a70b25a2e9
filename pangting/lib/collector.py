"""Pausing Python's cyclic garbage collector around a batch that builds many objects and few cycles.

A run of the rule checks (issue 15) builds hundreds of thousands of small objects (rows read as
tuples, findings, their messages and evidence) that live until the run ends. Each time the
young objects pass the collector's threshold it walks them, and each full collection walks
every object alive: measured at 200 and 400 units, about a third of a run's time, growing
faster than the run. The run makes almost no cycles (about 38,000 small objects at 400 units,
found by a collection right after it), so it pauses the collector and lets the next
collection after it free them.

The collector is process-wide: the pause is counted, so overlapping batches in several
threads keep it paused until the last one ends, and it is re-enabled only if it was enabled
when the first one began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_enabled_before = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector is off inside the block (reference counting still frees)."""
    global _holders, _enabled_before
    with _lock:
        if _holders == 0:
            _enabled_before = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _enabled_before:
                gc.enable()
