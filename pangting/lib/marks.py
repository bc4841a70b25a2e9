"""Marks that exported files carry: who exported them and when, and "internal material".

A deployment may ask (settings ``PANGTING_WATERMARK`` and ``PANGTING_INTERNAL_MARK``) that
every Excel ledger and Word document names the person who downloaded it and the time, and
that official documents say 「内部资料 注意保存」 at the top left of the first page, where
GB/T 9704-2012 (7.2.2) places such marks. The web layer knows the user and the settings;
the writers in this package do not, and must stay free of Django. So the web layer sets the
marks for the duration of a request (`applied`), and the writers read `current()`: every
export and document gets them, whichever view produced it, and none can forget.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

INTERNAL_MARK = "内部资料 注意保存"
# Excel limits a header or footer section to 255 characters, codes included.
_MAX_WATERMARK = 120


def _one_line(text: str) -> str:
    """Control characters (line breaks included) become spaces: a mark is one line of text."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())


@dataclass(frozen=True)
class Marks:
    """What the files made now carry; empty strings mean "no mark"."""

    watermark: str = ""
    internal: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "watermark", _one_line(self.watermark)[:_MAX_WATERMARK])
        object.__setattr__(self, "internal", _one_line(self.internal)[:_MAX_WATERMARK])


NO_MARKS = Marks()
_current: ContextVar[Marks] = ContextVar("pangting_marks", default=NO_MARKS)


def current() -> Marks:
    """The marks for files made in this context (a request, a thread, a task)."""
    return _current.get()


@contextmanager
def applied(marks: Marks) -> Iterator[Marks]:
    """Make `marks` the current ones inside the block, and restore the previous ones after it."""
    token = _current.set(marks)
    try:
        yield marks
    finally:
        _current.reset(token)
