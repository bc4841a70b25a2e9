"""Permission-matrix rows of the reports ledgers part (台账).

A ledger is for those who keep or read records for a unit and below: study.view or
observation.view through a subtree, linked or liaised reach. The group member (whose
study.view reaches only their own organization) and the administrator duties (no study or
observation records) get 404, like outsiders.
"""

from __future__ import annotations

from pangting.tests.matrix import POST_REDIRECT, Case

LEDGER_READERS = frozenset({"supervisor", "leader", "liaison", "secretary_a", "secretary_b", "viewer"})

CASES: list[Case] = [
    Case("reports:ledgers", LEDGER_READERS),
    Case("reports:ledger_export", LEDGER_READERS, data=lambda w: {"kind": "all", "year": "2026"}),
    Case(
        "reports:ledger_export",
        LEDGER_READERS,
        variant="sessions",
        data=lambda w: {"kind": "sessions", "year": "2026", "semester": "2"},
    ),
    # A large export queued for the background worker: a redirect to the job's page.
    Case(
        "reports:ledger_export_job",
        LEDGER_READERS,
        data=lambda w: {"kind": "sessions", "year": "2026"},
        **POST_REDIRECT,
    ),
]
