"""Issue 15: what a run reads once (the rules' parameters, the time zone, R-S8's classification
of each agenda text) does not change a single finding.

The same world is checked with those reads done once per run and with each check reading for
itself (the code path before), before and after a change to the records and a parameter; the
findings, message text included, are the same, and a fresh full run stores what the
incremental runs left open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest

from pangting.compliance import services
from pangting.compliance.models import ComplianceRun, Finding
from pangting.core import dates
from pangting.core import parameters as core_parameters
from pangting.core.system import system_actor
from pangting.lib import substitution
from pangting.study.models import AgendaItem

from .builders import good_session, more_units, travel

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def _computed() -> list[tuple[Any, ...]]:
    with travel(TODAY, 12):
        found = services.compute(2026)
    return sorted(
        (
            rule.id,
            data.unit_id,
            data.period,
            data.key,
            data.severity,
            str(data.message),
            getattr(data.message, "msgid", ""),
            repr(getattr(data.message, "params", {})),
            repr(services._values(data)["evidence"]),
            repr(dict(data.measured)),
        )
        for rule, data in found
    )


def _stored(*, open_only: bool = False) -> list[tuple[Any, ...]]:
    rows = Finding.objects.all()
    if open_only:
        rows = rows.filter(resolved_at__isnull=True)
    fields = ("rule_id", "unit_id", "period", "key", "severity", "message", "message_id", "message_params")
    return sorted(
        (*row[: len(fields)], repr(row[-2]), repr(row[-1])) for row in rows.values_list(*fields, "evidence", "measured")
    )


def _run() -> None:
    with travel(TODAY, 12):
        services.run_checks(2026, actor=system_actor())


@contextlib.contextmanager
def _read_by_each_check(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The code path before: no reading once, every agenda text classified anew."""
    with monkeypatch.context() as patch:
        patch.setattr(dates, "zone_read_once", contextlib.nullcontext)
        patch.setattr(core_parameters, "read_once", contextlib.nullcontext)

        def classify(text: str, declared_kind: str | None = None, *, lexicon: Any = None, **kw: Any) -> Any:
            fresh = lexicon or substitution.default_lexicon()
            return substitution._classify(text, declared_kind, fresh, kw.get("matcher", "chars"), kw.get("tokenize"))

        patch.setattr(substitution, "classify", classify)
        yield


def test_a_run_finds_what_each_check_reading_for_itself_finds(world, monkeypatch):
    good_session(world)
    more_units(world, 0, 2)
    item = AgendaItem.objects.filter(session__organization=world.unit_a).order_by("order", "pk").first()
    assert item is not None
    fast = _computed()
    again = _computed()  # the classifications remembered by the first run
    with _read_by_each_check(monkeypatch):
        slow = _computed()
    assert fast == again == slow
    assert len({row[0] for row in fast}) >= 15  # most rules find something in this world

    _run()
    _run()
    # A change: the session's agenda now reads as work (R-S8) and a stricter R-S3 minimum.
    AgendaItem.objects.filter(session_id=item.session_id).update(title="部署招生与就业工作")
    services.set_rule_parameter("R-S3", "min_rate", 100, actor=world.supervisor)
    _run()
    changed_fast = _computed()
    with _read_by_each_check(monkeypatch):
        changed_slow = _computed()
    assert changed_fast == changed_slow != fast
    incremental = _stored(open_only=True)

    # A fresh full run by the code path before stores exactly what the runs above left open.
    Finding.objects.all().delete()
    ComplianceRun.objects.all().delete()
    with _read_by_each_check(monkeypatch):
        _run()
    assert _stored() == incremental
    assert not any(row[0] == "R-S8" for row in fast)
    assert any(row[0] == "R-S8" and row[3] == f"session:{item.session_id}" for row in incremental)


def test_the_parameters_read_once_are_those_in_force_when_the_run_began(world):
    # Issue 15: inside a run every check sees one reading; before and after, each call reads anew.
    services.set_rule_parameter("R-S3", "min_rate", 85, actor=world.supervisor)
    with core_parameters.read_once():
        read = core_parameters.all_values()
        assert read["R-S3"]["min_rate"] == 85 == core_parameters.values("R-S3")["min_rate"]
        assert read == core_parameters._read_all()
        services.set_rule_parameter("R-S3", "min_rate", 95, actor=world.supervisor)
        assert core_parameters.values("R-S3")["min_rate"] == 85
        read["R-S3"]["min_rate"] = 0  # a caller's copy: changing it changes nothing read later
        assert core_parameters.all_values()["R-S3"]["min_rate"] == 85
    assert core_parameters.values("R-S3")["min_rate"] == 95 == core_parameters.all_values()["R-S3"]["min_rate"]
