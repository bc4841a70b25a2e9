"""Demo data for the reports app (called by `seed_demo` through `PANGTING_DEMO_EXTENSIONS`)."""

from __future__ import annotations

from typing import Any


def extend_demo(context: dict[str, Any]) -> None:
    """Filled in with the reports app's demo records."""
