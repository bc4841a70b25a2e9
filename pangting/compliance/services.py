"""Running the checks and reading their findings.

`run_checks` computes every (or some) rule for a year over the units in scope and
reconciles the `Finding` table; `rule_status` turns open findings into red/amber/green per
unit and rule for the unit page and the dashboards. Both cost a fixed number of queries.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import multiprocessing.util
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import get_resolver
from django.utils import translation

from pangting.core import clock, dates
from pangting.core import parameters as core_parameters
from pangting.core.bulk import insert_new, update_rows
from pangting.core.i18n import in_site_language
from pangting.core.system import require_actor
from pangting.lib.collector import collector_paused
from pangting.orgs import changes as unit_changes
from pangting.orgs.models import Organization
from pangting.orgs.paths import under_any, under_paths
from pangting.orgs.units import offices_wholly_in, supervisors_of
from pangting.orgs.units import units as orgs_units

from . import counts
from .messages import FindingMessage
from .models import ComplianceRun, Finding
from .registry import OFFICES, CheckContext, Evidence, FindingData, Rule, ordered_rules

# `progress(done, total, rule_id)`: told before each rule of a run is checked.
Progress = Callable[[int, int, str], None]

GREEN = "green"


def units_in_scope(unit: Organization | None = None) -> list[Organization]:
    """The units whose center groups the rules apply to (`orgs.units`)."""
    return list(units_in_scope_queryset(unit))


def units_in_scope_queryset(unit: Organization | None = None) -> QuerySet[Organization]:
    """`units_in_scope` as a queryset (a subquery where the list would be one parameter per unit)."""
    qs = orgs_units()
    return qs.filter(path__startswith=unit.path) if unit is not None else qs


def parameters(rule: Rule) -> dict[str, Any]:
    """The rule's parameters in force (`core.parameters`, keyed by the rule ID)."""
    ordered_rules()
    return core_parameters.values(rule.id)


def all_parameters() -> dict[str, dict[str, Any]]:
    """Every rule's parameters in force, in one query (`core.parameters`)."""
    ordered_rules()
    values = core_parameters.all_values()
    return {rule.id: values.get(rule.id, {}) for rule in ordered_rules()}


def has_records(year: int, units: Sequence[Organization] | None) -> bool:
    """Whether the system holds any study or observation record of `year` for these units
    (None: every unit, read as their paths, not as instances: a province has 10,000).

    A year the system was not used for (or not yet) is not checked: its "missing" plans and
    sessions would only say that nothing was entered, so it yields no findings at all.
    """
    return year in years_with_records([year], units)


def years_with_records(years: Iterable[int], units: Sequence[Organization] | None) -> set[int]:
    """`has_records` of several years, the units' paths read once for all of them."""
    from pangting.observation.models import Rectification, Visit
    from pangting.study.models import StudyPlan, StudySession

    if units is None:
        under = under_paths(orgs_units().values_list("path", flat=True), "organization__path")
        theirs: dict[str, Any] = {"unit__in": orgs_units()}
    else:
        under = under_any(units, "organization__path")
        theirs = {"unit_id__in": [u.pk for u in units]}
    return {
        year
        for year in years
        if StudyPlan.objects.filter(under, year=year).exists()
        or StudySession.objects.filter(under, starts_at__year=year).exists()
        or Visit.objects.filter(year=year, **theirs).exists()
        # a unit's own problem list (R-O25) is a record of the year too
        or Rectification.objects.filter(created_at__year=year, **theirs).exists()
    }


def compute(
    year: int,
    *,
    unit: Organization | None = None,
    rules: Sequence[str] | None = None,
    units: Sequence[Organization] | None = None,
    progress: Progress | None = None,
) -> list[tuple[Rule, FindingData]]:
    """Every finding for `year` (optionally one unit's subtree, some units, some rules), without saving.

    The checks of one call share a cache (the year's sessions are loaded once) and each
    queries in bulk, so the number of queries does not grow with the data. `progress(done,
    total, rule_id)` is told before each rule is checked (a job's page shows it).
    """
    scope = list(units) if units is not None else units_in_scope(unit)
    if not scope or not year_used(year, scope, whole=unit is None and units is None):
        return []
    return _checked(year, scope, rules, progress)


def year_used(year: int, checked: Sequence[Organization], *, whole: bool) -> bool:
    """Whether `year` is checked at all: the system holds records of it for some unit
    (`has_records`). Judged over every unit, whatever a run checks (`whole`: `checked` are all of
    them): a unit or a part of a run then has the findings it has in a run of every unit, a
    unit without records of a year the others use included (its plan is missing).

    The checked units' own records answer first: a unit refreshed after a change has some, and
    asking about every unit reads every unit's path (10,000 in a province, issue 15)."""
    return has_records(year, checked) or (not whole and has_records(year, None))


def _checked(
    year: int,
    scope: list[Organization],
    rules: Sequence[str] | None,
    progress: Progress | None,
    offices: list[Organization] | None = None,
) -> list[tuple[Rule, FindingData]]:
    """The findings of the chosen rules over `scope`, a year with records (`compute`); `offices`
    are the supervising organizations the checks judge (`CheckContext.offices`), when known."""
    today = clock.today()
    cache: dict[str, Any] = {} if offices is None else {OFFICES: offices}
    results: list[tuple[Rule, FindingData]] = []
    # Findings keep their message as written, in the interface's first language, whoever ran the check.
    # The rules' parameters and the time zone are read once for the run, not by each check (issue 15).
    # The collector is paused: a run builds many objects and few cycles (`pangting.lib.collector`).
    chosen = [rule for rule in ordered_rules() if not rules or rule.id in rules]
    with in_site_language(), dates.zone_read_once(), core_parameters.read_once(), collector_paused():
        values = all_parameters()
        for done, rule in enumerate(chosen):
            if progress is not None:
                progress(done, len(chosen), rule.id)
            ctx = CheckContext(year=year, units=scope, today=today, params=values[rule.id], cache=cache)
            results.extend((rule, f) for f in rule.check(ctx))
    return results


def part_size() -> int:
    """How many units a run checks and reconciles at a time (`PANGTING_COMPLIANCE_RUN_PART_UNITS`, 250).

    A run's findings and what it reads for them are held in memory for one part at a time, so
    a province's run (10,000 units, about 1.5 million findings) needs the memory of 250
    units' (a part holds a supervising organization's units together, so a city's at least).
    The findings do not depend on the parts (`compliance/tests/test_run_parts.py`).
    """
    return max(1, int(settings.COMPLIANCE_RUN_PART_UNITS))


def run_parts(checked: Sequence[Organization], size: int) -> list[list[Organization]]:
    """`checked` in parts of about `size` units, in tree order, never splitting the units of one
    supervising organization: a part then holds all of an office's units, and judges the
    office's own duties (R-O1) as the whole run would."""
    if len(checked) <= size:  # one part, as a unit's refresh: no supervisors to read
        return [list(checked)] if checked else []
    office_of = supervisors_of(checked)
    groups: dict[int, list[Organization]] = {}
    for unit in checked:
        groups.setdefault(office_of[unit.pk].pk, []).append(unit)
    parts: list[list[Organization]] = []
    for group in groups.values():
        if parts and len(parts[-1]) + len(group) <= size:
            parts[-1].extend(group)
        else:
            parts.append(list(group))
    return parts


def run_checks(
    year: int,
    *,
    unit: Organization | None = None,
    rules: Sequence[str] | None = None,
    trigger: str = ComplianceRun.Trigger.MANUAL,
    actor: Any,
    units: Sequence[Organization] | None = None,
    progress: Progress | None = None,
) -> ComplianceRun:
    """Compute the findings and reconcile the table: insert new, refresh seen, resolve gone ones.

    `actor` is who runs the checks: the user of a page, or `core.system.system_actor()` for the
    `check_compliance` command and the demo; `None` is refused (issue 10, one write path).
    `units` limits the run to those units (the incremental run of `changed_units`); only the
    findings its checks can make again are reconciled (`Rule.judges`).

    The units are checked and reconciled in parts (`run_parts`): each part's findings are
    computed outside a transaction, so that a job's `progress` reports are seen while the checks
    go on, then written in one. The run is finished (`finished_at`, its counts) after the last
    part; a run that fails half-way stays unfinished, and the parts it wrote hold findings as
    fresh as any run's, which the next run reconciles again. A run of every unit (or of a
    unit's subtree) then resolves the open findings of organizations it no longer judges.

    On PostgreSQL the parts are checked by `run_workers()` forked processes at once (a part's
    findings are its own, and each part writes them in its own transaction), so that a run
    uses the machine's cores; `progress` is then told from each worker.
    """
    require_actor(actor)
    started = clock.now()
    scope = list(units) if units is not None else None
    checked = scope if scope is not None else units_in_scope(unit)
    # The year is judged as a whole: a year without records has no findings, in every part.
    used = bool(checked) and year_used(year, checked, whole=scope is None and unit is None)
    parts = run_parts(checked, part_size()) if used else []
    run = ComplianceRun.objects.create(
        year=year, unit=unit, rules=list(rules or []), trigger=trigger, actor=actor, started_at=started
    )
    office_rules = [r.id for r in ordered_rules() if r.judges == "offices" and (not rules or r.id in rules)]
    counts = {"new": 0, "still": 0, "resolved": 0}
    work = [_Part(part, offices_wholly_in(part) if office_rules else []) for part in parts]
    judged_offices = [office.pk for item in work for office in item.offices]
    todo = _Run(run, year, rules, office_rules, work, progress)
    for more in _in_processes(todo) if _parallel(len(work)) else map(todo.part, range(len(work))):
        _add(counts, more)
    with transaction.atomic():
        if not used:  # every finding the run would judge is gone
            if scope is not None:
                offices = [office.pk for office in offices_wholly_in(scope)] if office_rules else []
                left = _judged(_stored(year, rules), [u.pk for u in scope], offices, office_rules)
            else:
                left = _in(year, rules, unit)
            _add(counts, _reconcile(run, year, left, []))
        elif scope is None:  # what no part judged: organizations no longer units or offices here
            left = _in(year, rules, unit).exclude(
                Q(unit__in=units_in_scope_queryset(unit)) & ~Q(rule_id__in=office_rules)
            )
            _add(counts, _reconcile(run, year, left.exclude(unit_id__in=judged_offices, rule_id__in=office_rules), []))
        run.finished_at = clock.now()
        run.counts = counts
        if scope is not None:
            run.counts["units"] = [u.pk for u in scope]
        run.save(update_fields=["finished_at", "counts"])
    return run


@dataclass
class _Part:
    """One part of a run: its units and the supervising organizations whose duties it judges."""

    units: list[Organization]
    offices: list[Organization]


@dataclass
class _Run:
    """What each part of a run needs (in this process, or inherited by a forked worker)."""

    run: ComplianceRun
    year: int
    rules: Sequence[str] | None
    office_rules: list[str]
    parts: list[_Part]
    progress: Progress | None

    def part(self, index: int) -> dict[str, int]:
        """Check the part's units, then reconcile what it judges in one transaction."""
        part = self.parts[index]
        told = None if self.progress is None else _part_progress(self.progress, index, len(self.parts))
        # One pause for computing and reconciling: re-enabled between the two, the collector
        # would walk every finding once more.
        with collector_paused():
            found = _checked(self.year, part.units, self.rules, told, part.offices if self.office_rules else None)
            offices = [office.pk for office in part.offices]
            mine = _judged(_stored(self.year, self.rules), [u.pk for u in part.units], offices, self.office_rules)
            with transaction.atomic():
                return _reconcile(self.run, self.year, mine, found)


def run_workers() -> int:
    """How many processes check a run's parts at once (`PANGTING_COMPLIANCE_RUN_WORKERS`)."""
    return max(1, int(settings.COMPLIANCE_RUN_WORKERS))


def _parallel(parts: int) -> bool:
    """Whether a run's parts are checked by forked worker processes: several parts and workers,
    on PostgreSQL (SQLite has one writer), outside a transaction (the workers' own connections
    must see the run's row)."""
    return parts > 1 and run_workers() > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block


_FORKED: list[_Run] = []  # the run whose parts the forked workers check, inherited, not pickled


def _in_processes(todo: _Run) -> Iterator[dict[str, int]]:
    """`todo`'s parts checked by `run_workers()` forked processes, each with its own connection;
    their counts as each part is done. A failed part fails the run, as in one process."""
    _built_before_forking()
    connections.close_all()  # a forked worker must not share this process's connection
    _FORKED[:] = [todo]
    pool = multiprocessing.get_context("fork").Pool(min(run_workers(), len(todo.parts)), initializer=_worker_started)
    try:
        yield from pool.imap_unordered(_forked_part, range(len(todo.parts)))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        _FORKED.clear()


def _built_before_forking() -> None:
    """Build here what every worker would otherwise build for itself on each run: the site's URL
    patterns in the site language (checks link their obligations to pages), which import every
    app's views, about 0.4 s of each worker's time (issue 15)."""
    with translation.override(settings.LANGUAGE_CODE):
        get_resolver().reverse_dict  # noqa: B018  (reading it builds the patterns)


def _worker_started() -> None:
    # The parent closed its connections before forking; a connection object still holding a
    # socket all the same is dropped, not closed (the socket is the parent's), so that no two
    # processes ever read one socket's answers. The worker opens its own on its first query.
    for inherited in connections.all(initialized_only=True):
        inherited.connection = None
    # Close the worker's own connections when it exits (a forked process leaves without atexit).
    multiprocessing.util.Finalize(None, connections.close_all, exitpriority=10)


def _forked_part(index: int) -> dict[str, int]:
    return _FORKED[0].part(index)


def _judged(
    stored: QuerySet[Finding], unit_ids: list[int], offices: list[int], office_rules: list[str]
) -> QuerySet[Finding]:
    """The stored findings a run over `unit_ids` makes again: the units' findings of the rules
    that judge units, and the findings of the rules that judge offices of `offices`."""
    return stored.filter(
        (Q(unit_id__in=unit_ids) & ~Q(rule_id__in=office_rules)) | Q(unit_id__in=offices, rule_id__in=office_rules)
    )


def _part_progress(progress: Progress, index: int, parts: int) -> Progress:
    """`progress` of a whole run told from one of its parts."""
    return lambda done, total, rule_id: progress(index * total + done, parts * total, rule_id)


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for name, number in more.items():
        counts[name] += number


def _stored(year: int, rules: Sequence[str] | None) -> QuerySet[Finding]:
    """The stored findings of `year` (and `rules`, if given)."""
    stored = Finding.objects.filter(year=year)
    return stored.filter(rule_id__in=list(rules)) if rules else stored


def _in(year: int, rules: Sequence[str] | None, unit: Organization | None) -> QuerySet[Finding]:
    """The stored findings of a run's whole tree: every organization's, or `unit`'s subtree's."""
    stored = _stored(year, rules)
    return stored.filter(under_any([unit], "unit__path")) if unit is not None else stored


def _reconcile(
    run: ComplianceRun, year: int, existing_qs: QuerySet[Finding], found: list[tuple[Rule, FindingData]]
) -> dict[str, int]:
    """Bring `existing_qs` (the stored findings of what was checked) in line with `found`."""
    # Issue 15: the findings already stored are read as tuples with their content's digest, not
    # its decoded JSON; only those whose digest moved become instances (for `bulk_update`), the
    # rest are marked seen in one UPDATE per batch. A row stored before digests has an empty one
    # and is rewritten once.
    existing = {
        (rule_id, unit_id, period, key): (pk, resolved_at, digest)
        for pk, rule_id, unit_id, period, key, resolved_at, digest in existing_qs.order_by().values_list(
            "pk", "rule_id", "unit_id", "period", "key", "resolved_at", "digest"
        )
    }
    now = clock.now()
    new: list[Finding] = []
    still: list[int] = []
    changed: list[Finding] = []
    touched: set[int] = set()  # the units whose counts (`counts.store`) move
    seen: set[tuple[str, int, str, str]] = set()
    for rule, data in found:
        identity = (rule.id, data.unit_id, data.period, data.key)
        if identity in seen:
            continue
        seen.add(identity)
        values = _values(data)
        stored = existing.get(identity)
        if stored is None:
            new.append(
                Finding(rule_id=rule.id, unit_id=data.unit_id, year=year, first_seen=run, last_seen=run, **values)
            )
            continue
        pk, resolved, digest = stored
        still.append(pk)
        if digest != values["digest"]:
            changed.append(Finding(pk=pk, **{name: values[name] for name in WRITTEN_FIELDS}))
            touched.add(data.unit_id)  # its severity may have moved
        elif resolved is not None:
            touched.add(data.unit_id)  # reopened
    gone = []
    for identity, (pk, resolved, _content) in existing.items():
        if identity not in seen and resolved is None:
            gone.append(pk)
            touched.add(identity[1])
    touched.update(finding.unit_id for finding in new)
    insert_new(Finding, new)  # COPY on PostgreSQL: a first run inserts every finding
    update_rows(Finding, changed, WRITTEN_FIELDS)  # by COPY on PostgreSQL, not a CASE per field and row
    for batch in _batches(still):
        Finding.objects.filter(pk__any_of=batch).update(last_seen=run, resolved_at=None)
    for batch in _batches(gone):
        Finding.objects.filter(pk__any_of=batch).update(resolved_at=now)
    counts.store(year, touched)
    return {"new": len(new), "still": len(still), "resolved": len(gone)}


# A finding's content, which its digest covers (`_values` without the identity's `key`).
CONTENT_FIELDS = ("severity", "message", "message_id", "message_params", "evidence", "measured", "period")
# What a run writes of a finding it saw again whose content moved.
WRITTEN_FIELDS = (*CONTENT_FIELDS, "digest")


def _batches(ids: list[int], size: int = 2000) -> Iterator[list[int]]:
    """`ids` in lists of `size`; on PostgreSQL in one, bound as one array (`__any_of`)."""
    if connection.vendor == "postgresql":
        size = max(size, len(ids))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _values(data: FindingData) -> dict[str, Any]:
    """The stored fields of a finding: the Chinese message plus its msgid and parameters
    (`messages`), and the digest of that content."""
    values = {
        "period": data.period,
        "key": data.key,
        "severity": data.severity,
        "message": data.message[:300],
        "message_id": getattr(data.message, "msgid", ""),
        "message_params": getattr(data.message, "params", {}),
        "evidence": [_evidence(e) for e in data.evidence],
        "measured": dict(data.measured),
    }
    values["digest"] = content_digest(values)
    return values


def content_digest(values: Mapping[str, Any]) -> str:
    """A digest of a finding's content (`CONTENT_FIELDS` of `values`), as the JSON columns hold it:
    keys sorted, so that two equal contents have one digest however their dictionaries were built."""
    content = _CANONICAL.encode([values[name] for name in CONTENT_FIELDS])
    return hashlib.blake2b(content.encode(), digest_size=16).hexdigest()


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _evidence(evidence: Evidence) -> dict[str, Any]:
    item: dict[str, Any] = {"model": evidence.model, "pk": evidence.pk, "label": evidence.label}
    if isinstance(evidence.label, FindingMessage):
        item["label_id"] = evidence.label.msgid
        item["label_params"] = evidence.label.params
    return item


def rule_status(findings: Iterable[Finding]) -> dict[int, dict[str, str]]:
    """Colour per unit and rule from open findings: red if any red, amber if any amber, else green.

    Units or rules absent from the result are green.
    """
    status: dict[int, dict[str, str]] = defaultdict(dict)
    for finding in findings:
        current = status[finding.unit_id].get(finding.rule_id)
        if current != Finding.Severity.RED:
            status[finding.unit_id][finding.rule_id] = finding.severity
    return status


def rule_colour_counts(findings: QuerySet[Finding]) -> dict[int, tuple[int, int]]:
    """Per unit, how many rules are red and how many amber: `rule_status`'s colours, counted in one grouped query.

    A rule is red when any of its open findings is red, amber when it has findings but none red;
    so amber = rules with findings - red rules (severity is red or amber). Units absent are all green.
    """
    rows = (
        findings.order_by()
        .values("unit_id")
        .annotate(
            rules=Count("rule_id", distinct=True),
            red=Count("rule_id", distinct=True, filter=Q(severity=Finding.Severity.RED)),
        )
        .values_list("unit_id", "rules", "red")
    )
    return {unit_id: (red, rules - red) for unit_id, rules, red in rows}


# --- parameters (compliance.configure) ---------------------------------------------------


def set_rule_parameter(rule_id: str, name: str, value: Any, *, actor: Any, note: str = "") -> Any:
    """Override one rule parameter (validated by its kind; `core.parameters.set_value`).

    The row keeps its history (who changed which threshold when); findings change at the next run.
    """
    ordered_rules()  # the checks' parameters are registered
    return core_parameters.set_value(rule_id, name, value, actor=actor, note=note)


# --- incremental runs ------------------------------------------------------------------------


def last_complete_run(year: int) -> ComplianceRun | None:
    """The latest finished run of every rule over every unit for `year`."""
    return (
        ComplianceRun.objects.filter(year=year, unit__isnull=True, rules=[], finished_at__isnull=False)
        .exclude(counts__has_key="units")
        .order_by("-started_at")
        .first()
    )


def changed_units(year: int) -> list[Organization] | None:
    """Units whose records changed since the last complete or incremental run; None without a complete run.

    Each incremental run re-checks every unit changed since the run before it, so the latest
    of them (or the complete run) is where the changes still to check begin.
    """
    if last_complete_run(year) is None:
        return None
    latest = (
        ComplianceRun.objects.filter(year=year, unit__isnull=True, rules=[], finished_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    units = units_in_scope()
    ids = unit_changes.changed_since(latest.started_at, units) if latest else set()
    return [u for u in units if u.pk in ids]


def is_stale(unit: Organization, year: int) -> bool:
    """True when the unit's records changed after the last run that covered it (or it never ran).

    Two queries whatever the data: the latest runs, then the `UnitChange` rows of the unit's
    subtree (`orgs.changes.changed_since`, which the records' saves keep)."""
    runs = ComplianceRun.objects.filter(year=year, finished_at__isnull=False).select_related("unit")
    for run in runs.order_by("-started_at")[:50]:
        covers = (
            (run.unit_id is None and ("units" not in run.counts or unit.pk in run.counts["units"]))
            or (run.unit is not None and unit.path.startswith(run.unit.path))
        ) and not run.rules
        if covers:
            return bool(unit_changes.changed_since(run.started_at, [unit]))
    return True


def refresh_unit(unit: Organization, year: int, *, actor: Any) -> ComplianceRun:
    """Re-run every rule for one unit's subtree (the unit page calls it when `is_stale`, as its user)."""
    return run_checks(year, unit=unit, trigger=ComplianceRun.Trigger.CHANGE, actor=actor)


# --- stable output ----------------------------------------------------------------------------


def finding_rows(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as plain dicts, sorted so that two runs diff cleanly (no timestamps, no run ids)."""
    rows = [
        {
            "rule": f.rule_id,
            "unit": f.unit.code,
            "period": f.period,
            "key": f.key,
            "severity": f.severity,
            "message": f.message,
            "evidence": f.evidence,
            "measured": f.measured,
        }
        for f in findings
    ]
    from .registry import rule_sort_key

    rows.sort(key=lambda r: (rule_sort_key(r["rule"]), r["unit"], r["period"], r["key"]))
    return rows
