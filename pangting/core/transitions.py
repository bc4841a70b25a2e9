"""One transition mechanism for every record that moves through states (issue 10, items 3 and 4).

A `Workflow` is data: the states of one model and its edges. Each `Edge` is one named step
from one state to another, with who may take it (`allowed(user, record)`), a precondition
returning a Chinese refusal or None, and whether a reason is required. Two functions use it:

- `available_steps(record, user)`: the steps `user` may take now. Page buttons and the API's
  `available_steps` list both come from here, so they cannot disagree with what is accepted.
- `run_step(record, step, actor=..., expected_version=...)`: the only way a state changes.
  In order: permission (a user who may take the step on none of its edges gets `Http404`,
  before anything about the record is revealed), the current row and the version the user
  saw, the precondition, then an atomic claim — `UPDATE … WHERE pk=? AND state=? AND
  version=?`, checked by its row count, so eight concurrent identical steps give one effect
  on SQLite as on PostgreSQL — then the step's effect (e.g. allocating a letter number, only
  after the claim succeeded) and one log row.

Apps build their workflows and `register` them in `AppConfig.ready`; core imports no app.

A model has one main workflow, on its `workflow_state_field`, and may have more on other
state fields (`Workflow.field`, e.g. a plan's 书记审定 state beside its filing status, R-S15):
`available_steps` lists the steps of all of them, and `run_step` finds the workflow that has
the step; step names are unique across a model's workflows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from pangting.core import clock

from .models import StaleRecord, TransitionLog, WorkflowRecord
from .system import require_actor

__all__ = [
    "Edge",
    "LogEntry",
    "StaleRecord",
    "Workflow",
    "available_step_names",
    "available_steps",
    "confirmation",
    "log_entries",
    "log_of",
    "register",
    "registered",
    "run_step",
    "workflow_for",
    "workflows_for",
]

Text = Any  # a str or a lazy translation (gettext_lazy)
Precondition = Callable[[Any], "str | None"]
Allowed = Callable[[Any, Any], bool]
Effect = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Edge:
    """One step: `step` moves a record from `source` to `target` if `allowed` and the precondition passes."""

    step: str
    source: str
    target: str
    allowed: Allowed
    label: Text = ""
    precondition: Precondition | None = None
    # Non-empty: a reason is required, and this is the refusal when it is missing.
    needs_reason: Text = ""
    # Checked after the step's effect, before commit: what the new state promises (e.g. a letter number).
    postcondition: Precondition | None = None
    # Non-empty: the step cannot be undone, and this says what will happen; the page asks the
    # user to confirm it before the step is posted (the shared dialog, `{% step_confirm %}`).
    confirm: Text = ""

    def problem(self, record: Any) -> str | None:
        return self.precondition(record) if self.precondition else None


def _default_log(record: Any, edge: Edge, actor: Any, reason: str) -> None:
    TransitionLog.objects.create(
        app_label=record._meta.app_label,
        model=record._meta.model_name,
        object_id=record.pk,
        step=edge.step,
        from_state=edge.source,
        to_state=edge.target,
        actor=_user(actor),
        reason=reason[:300],
    )


@dataclass
class Workflow:
    """The states and edges of one model; `log` writes the log row (a generic `TransitionLog` by default)."""

    model: type[WorkflowRecord]
    initial: str
    states: list[str]
    edges: list[Edge]
    terminal: frozenset[str] = field(default_factory=frozenset)
    log: Callable[[Any, Edge, Any, str], None] = _default_log
    # Another state field of the same model than its main one (listed in the model's
    # `workflow_extra_state_fields`, so whole-object saves never write it either).
    field: str = ""

    @property
    def state_field(self) -> str:
        return self.field or self.model.workflow_state_field

    def state_of(self, record: Any) -> str:
        return str(getattr(record, self.state_field))

    def steps(self) -> list[str]:
        return list(dict.fromkeys(edge.step for edge in self.edges))


_REGISTRY: dict[type[models.Model], Workflow] = {}
# Further workflows of a model, on other state fields: model → state field → workflow.
_EXTRA: dict[type[models.Model], dict[str, Workflow]] = {}


def register(workflow: Workflow) -> Workflow:
    """Called from the owning app's `AppConfig.ready`; registering a model (and field) twice replaces it."""
    if workflow.field and workflow.field != workflow.model.workflow_state_field:
        _EXTRA.setdefault(workflow.model, {})[workflow.field] = workflow
    else:
        _REGISTRY[workflow.model] = workflow
    return workflow


def registered() -> list[Workflow]:
    return [*_REGISTRY.values(), *(w for extra in _EXTRA.values() for w in extra.values())]


def _model_of(record_or_model: Any) -> Any:
    model: Any = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    return model._meta.concrete_model


def workflow_for(record_or_model: Any) -> Workflow:
    """The main workflow of a model (on its `workflow_state_field`)."""
    model = _model_of(record_or_model)
    try:
        return _REGISTRY[model]
    except KeyError:
        raise LookupError(f"No workflow registered for {model.__name__}") from None


def workflows_for(record_or_model: Any) -> list[Workflow]:
    """The main workflow of a model, then its workflows on other state fields."""
    return [workflow_for(record_or_model), *_EXTRA.get(_model_of(record_or_model), {}).values()]


def _workflow_with(record: Any, step: str) -> Workflow:
    """The workflow of `record`'s model that has `step` (the main one if none has)."""
    workflows = workflows_for(record)
    return next((w for w in workflows if any(edge.step == step for edge in w.edges)), workflows[0])


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _may(edge: Edge, actor: Any, record: Any) -> bool:
    # Commands and the demo act as the named system actor (`core.system`); `None` is refused.
    return edge.allowed(actor, record)


def available_steps(record: Any, user: Any) -> list[Edge]:
    """The steps `user` may take on `record` now: right state, permission, precondition met."""
    found: dict[str, Edge] = {}
    for workflow in workflows_for(record):
        state = workflow.state_of(record)
        for edge in workflow.edges:
            if (
                edge.source == state
                and edge.step not in found
                and edge.allowed(user, record)
                and not edge.problem(record)
            ):
                found[edge.step] = edge
    return list(found.values())


def available_step_names(record: Any, user: Any) -> list[str]:
    return [edge.step for edge in available_steps(record, user)]


def confirmation(record: Any, step: str) -> str:
    """What `step` on `record` will irreversibly do, as the confirmation dialog asks it; "" if reversible.

    The edge leaving the record's current state wins; otherwise the first edge of that step."""
    workflow = _workflow_with(record, step)
    edges = [edge for edge in workflow.edges if edge.step == step]
    state = workflow.state_of(record)
    edge = next((edge for edge in edges if edge.source == state), edges[0] if edges else None)
    return str(edge.confirm) if edge is not None and edge.confirm else ""


def _label(workflow: Workflow, state: str) -> str:
    field: Any = workflow.model._meta.get_field(workflow.state_field)
    choices = dict(field.flatchoices)
    return str(choices.get(state, state))


@transaction.atomic
def run_step(
    record: Any,
    step: str,
    *,
    actor: Any,
    expected_version: int | None = None,
    reason: str = "",
    effect: Effect | None = None,
) -> Any:
    """Take `step` on `record` (see the module docstring for the order of the checks); returns `record`, refreshed.

    `expected_version` is the version the user saw (a form's hidden field, the API payload);
    by default the version of the instance passed in. `effect(fresh)` runs after the claim,
    inside the transaction, on a fresh instance already in the new state; the text it may
    return goes into the log row's reason (e.g. the letter number it allocated).
    """
    require_actor(actor)
    workflow = _workflow_with(record, step)
    candidates = [edge for edge in workflow.edges if edge.step == step]
    if not candidates:
        raise LookupError(f"{workflow.model.__name__} has no step {step!r}")
    if not any(edge.allowed(actor, record) for edge in candidates):
        raise Http404
    model = workflow.model
    fresh: Any = model._base_manager.get(pk=record.pk)
    seen = record.version if expected_version is None else expected_version
    if fresh.version != seen:
        raise StaleRecord
    state = workflow.state_of(fresh)
    here = [edge for edge in candidates if edge.source == state]
    if not here:
        raise ValidationError(
            _("当前状态“{state}”不能办理“{step}”。").format(
                state=_label(workflow, state), step=candidates[0].label or step
            )
        )
    if not any(edge.allowed(actor, fresh) for edge in here):
        raise ValidationError(_("您无权进行此操作。"))
    reason = reason.strip()
    if not reason and (prompt := next((edge.needs_reason for edge in here if edge.needs_reason), "")):
        raise ValidationError(str(prompt))
    edge, problem = _first_open(here, fresh, actor)
    if edge is None:
        raise ValidationError(problem or _("您无权进行此操作。"))
    now = clock.now()
    claimed = model._base_manager.filter(pk=fresh.pk, version=fresh.version, **{workflow.state_field: state}).update(
        **{workflow.state_field: edge.target, "version": models.F("version") + 1, "updated_at": now}
    )
    if claimed != 1:
        raise StaleRecord
    setattr(fresh, workflow.state_field, edge.target)
    fresh.version += 1
    fresh.updated_at = now
    if effect is not None and (said := effect(fresh)):
        # i18n: not interface (stored in the step log as written)
        reason = "；".join(part for part in (said, reason) if part)
    if edge.postcondition is not None and (problem := edge.postcondition(fresh)):
        raise ValidationError(problem)
    # One history row (django-simple-history) showing the new state and the actor.
    fresh._history_user = _user(actor)
    fresh.save(update_fields=["updated_at"])
    workflow.log(fresh, edge, actor, reason)
    record.refresh_from_db()
    return record


def _first_open(edges: Iterable[Edge], record: Any, actor: Any) -> tuple[Edge | None, str | None]:
    """The first edge whose permission and precondition pass, else the first refusal."""
    first_problem = None
    for edge in edges:
        if not _may(edge, actor, record):
            continue
        problem = edge.problem(record)
        if problem is None:
            return edge, None
        first_problem = first_problem or problem
    return None, first_problem


def log_of(record: Any) -> Any:
    """The generic log of one record, oldest first (read with its page by `preload_logs` if it was)."""
    preloaded = getattr(record, "_preloaded_log", None)
    if preloaded is not None:
        return preloaded
    return TransitionLog.objects.filter(
        app_label=record._meta.app_label, model=record._meta.model_name, object_id=record.pk
    ).select_related("actor__person")


def preload_logs(records: Sequence[Any]) -> None:
    """Read the logs of a page of records of one model in one query (issue 15: no query per row)."""
    if not records:
        return
    meta = records[0]._meta
    by_record: dict[int, list[TransitionLog]] = {record.pk: [] for record in records}
    rows = TransitionLog.objects.filter(
        app_label=meta.app_label, model=meta.model_name, object_id__in=list(by_record)
    ).select_related("actor__person")
    for row in rows:
        by_record[row.object_id].append(row)
    for record in records:
        record._preloaded_log = by_record[record.pk]


@dataclass(frozen=True)
class LogEntry:
    """One row of a record's 办理记录 as a page shows it: who, when, which step, from, to, why."""

    at: Any
    actor: Any
    step: str
    from_state: str
    to_state: str
    reason: str


def log_entries(record: Any) -> list[LogEntry]:
    """The log of `record` with the states and steps by their Chinese labels (pages and the API).

    No permission check here: the caller has already fetched `record` in the user's scope,
    and whoever may see a record sees its log."""
    workflows = workflows_for(record)
    labels = {edge.step: str(edge.label or edge.step) for w in workflows for edge in reversed(w.edges)}
    return [
        LogEntry(
            at=row.at,
            actor=row.actor,
            step=labels.get(row.step, row.step),
            from_state=_label(_workflow_with(record, row.step), row.from_state),
            to_state=_label(_workflow_with(record, row.step), row.to_state),
            reason=row.reason,
        )
        for row in log_of(record)
    ]
