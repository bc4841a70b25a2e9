"""Checks of study rules (filled by the compliance work)."""

from __future__ import annotations
