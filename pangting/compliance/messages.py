"""Finding messages: stored in Chinese with each finding, shown in the reader's language.

A check writes each message through `finding_message(gettext_noop("…{unit}…"), unit=…)`
(`pangting.core.i18n`): the finding stores the Chinese text in `message` (what
runs, exports and documents print) and its msgid and parameters in `message_id` /
`message_params`, from which `Finding.display_message` renders it in the active language.
Evidence labels are stored the same way ("label_id" / "label_params" next to "label").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pangting.core.i18n import StoredMessage, choice, label, period, render_stored, stored_message

FindingMessage = StoredMessage
finding_message = stored_message

__all__ = ["FindingMessage", "choice", "evidence_label", "finding_message", "label", "period", "render_stored"]


def evidence_label(item: Mapping[str, Any]) -> str:
    """The label of one stored evidence item {"model", "pk", "label"[, "label_id", "label_params"]}."""
    return render_stored(str(item.get("label_id") or ""), item.get("label_params"), str(item.get("label", "")))
