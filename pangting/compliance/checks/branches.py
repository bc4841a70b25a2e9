"""Checks of branches rules (filled by the compliance work)."""

from __future__ import annotations
