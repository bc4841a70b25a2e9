"""Shapes of the reports app's JSON columns (`core.jsonshape`)."""

from __future__ import annotations

REPORT_SECTIONS = dict[str, str]  # section key (documents.SECTIONS of the kind) -> its text
