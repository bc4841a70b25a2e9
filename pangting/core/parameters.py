"""The rule-parameter registry: every per-deployment number of the rules, keyed by rule ID.

domain.md: "numbers in rules (days, rates, frequencies) are defaults an administrator can
change per deployment". Each app declares its numbers here in its `AppConfig.ready`
(`register("R-S3", Parameter("min_rate", 90, "参学率下限", "percent", unit="%"))`), so no
earlier app imports a later one and a number has exactly one declaration: the R-S3
threshold the study pages show is the one the R-S3 check applies.

A value is read in three layers, later ones winning:

1. the declared default (what the seeds say);
2. the `PANGTING_RULE_PARAMETERS` setting, `{"R-S3": {"min_rate": 85}}`, for a
   deployment's configuration file (checked at first read: a bad entry fails loudly);
3. a `RuleParameter` row the supervisor sets on the rule-parameters page (validated by the
   parameter's kind, with history: who changed which number when, and why).

Values are stored and returned as plain JSON values (int, float, bool, str, list); callers
turn them into richer types where they need to (a percent into a `Fraction`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

ParamKind = Literal["int", "percent", "days", "day_unit", "bool", "text", "year", "month", "day", "list"]


@dataclass(frozen=True)
class Parameter:
    """One configurable number of a rule: its name, default, Chinese label, kind and unit."""

    name: str
    default: Any
    label: str | Promise  # gettext_lazy: shown in the reader's language
    kind: ParamKind = "int"
    unit: str | Promise = ""  # shown after the value: "%", "天", "分钟", "MB"
    rule_id: str = ""  # filled in by `register`

    def parse(self, raw: Any) -> Any:
        """The typed value of `raw`, or a ValidationError in Chinese (by the parameter's kind)."""
        return parse(self, raw)


# rule ID → parameter name → declaration, in registration order.
REGISTRY: dict[str, dict[str, Parameter]] = {}
# rule ID → a short Chinese title for the parameters page (the first one registered wins).
TITLES: dict[str, str | Promise] = {}


def register(rule_id: str, *params: Parameter, title: str | Promise = "") -> None:
    """Declare `params` of `rule_id`; called from an app's `AppConfig.ready`.

    Registering the same declaration again is harmless (ready may run twice in tests);
    a different declaration under the same rule ID and name is a programming error.
    """
    declared = REGISTRY.setdefault(rule_id, {})
    if title:
        TITLES.setdefault(rule_id, title)
    for param in params:
        param = Parameter(param.name, param.default, param.label, param.kind, param.unit, rule_id)
        existing = declared.get(param.name)
        if existing is not None and existing != param:
            raise ImproperlyConfigured(f"Rule parameter {rule_id}.{param.name} is declared twice, differently.")
        if existing is not None:
            continue  # the same declaration again: keep the first (its label may be a lazy translation)
        parse(param, param.default)  # a default must pass its own validation
        declared[param.name] = param


def rule_sort_key(rule_id: str) -> tuple[int, int]:
    """R-S2 before R-S10; S, then O, then B, as in domain.md."""
    letter, number = rule_id[2:3], rule_id[3:]
    return ("SOB".index(letter) if letter in "SOB" else 9, int(number) if number.isdigit() else 0)


def declared() -> list[tuple[str, list[Parameter]]]:
    """Every rule ID with its parameters, in domain.md's order."""
    return [(rule_id, list(REGISTRY[rule_id].values())) for rule_id in sorted(REGISTRY, key=rule_sort_key)]


def find(rule_id: str, name: str) -> Parameter:
    param = REGISTRY.get(rule_id, {}).get(name)
    if param is None:
        raise ValidationError(_("未知的规则参数：{rule_id} {name}。").format(rule_id=rule_id, name=name))
    return param


def parse(param: Parameter, raw: Any) -> Any:
    """The typed value of `raw` for `param`, or a ValidationError in Chinese."""
    text = str(raw).strip()
    try:
        if param.kind == "bool":
            if isinstance(raw, bool):
                return raw
            # i18n: not interface (input accepted in Chinese)
            if text.lower() in ("1", "true", "yes", "on", "是"):
                return True
            # i18n: not interface (input accepted in Chinese)
            if text.lower() in ("0", "false", "no", "off", "否"):
                return False
            raise ValueError
        if param.kind == "day_unit":
            if text not in ("calendar", "working"):
                raise ValueError
            return text
        if param.kind == "text":
            if not text:
                raise ValueError
            return text[:200]
        if param.kind == "list":
            # i18n: not interface (input accepted in Chinese)
            items = raw if isinstance(raw, list | tuple) else text.replace("，", ",").split(",")
            values = [str(item).strip().lower().lstrip(".") for item in items if str(item).strip()]
            if not values:
                raise ValueError
            return values
        if param.kind == "percent":
            value = float(text.rstrip("%"))
            if not 0 < value <= 100:
                raise ValueError
            return int(value) if value == int(value) else value
        value = int(text)
        bounds = {"year": (2000, 2100), "month": (1, 12), "day": (1, 31)}.get(param.kind, (0, None))
        if value < bounds[0] or (bounds[1] is not None and value > bounds[1]):
            raise ValueError
        return value
    except (TypeError, ValueError):
        raise ValidationError(
            _("参数“{param}”的取值“{raw}”无效：{hint}。").format(param=param.label, raw=raw, hint=_hint(param.kind))
        ) from None


def _hint(kind: str) -> str:
    return {
        "percent": _("应为0到100之间的百分数"),
        "days": _("应为不小于0的整数天数"),
        "int": _("应为不小于0的整数"),
        "bool": _("应为“是”或“否”"),
        "day_unit": _("应为 calendar（自然日）或 working（工作日）"),
        "text": _("不能为空"),
        "year": _("应为2000到2100之间的年份"),
        "month": _("应为1到12之间的月份"),
        "day": _("应为1到31之间的日期"),
        "list": _("应为以逗号分隔的一项或多项"),
    }[kind]


def _configured() -> dict[tuple[str, str], Any]:
    """The `PANGTING_RULE_PARAMETERS` layer, parsed (ImproperlyConfigured on a bad entry)."""
    found: dict[tuple[str, str], Any] = {}
    for rule_id, entries in getattr(settings, "PANGTING_RULE_PARAMETERS", {}).items():
        for name, raw in entries.items():
            try:
                found[(rule_id, name)] = find(rule_id, name).parse(raw)
            except ValidationError as error:
                raise ImproperlyConfigured(f"PANGTING_RULE_PARAMETERS {rule_id}.{name}: {error.messages[0]}") from None
    return found


# Inside `read_once()`: the values in force when first asked, so that a run of the checks, whose
# checks and the study services they call each ask (issue 15), reads the overrides once.
_read: ContextVar[dict[str, dict[str, Any]] | None] = ContextVar("pangting_parameters_read", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Within: `all_values` and `values` answer from one reading of the stored overrides."""
    token = _read.set(_read_all())
    try:
        yield
    finally:
        _read.reset(token)


def all_values() -> dict[str, dict[str, Any]]:
    """Every rule's parameter values in force (one query for the stored overrides)."""
    read = _read.get()
    if read is not None and read.keys() == REGISTRY.keys():  # a rule registered since is read anew
        return {rule_id: dict(params) for rule_id, params in read.items()}
    return _read_all()


def _read_all() -> dict[str, dict[str, Any]]:
    from .models import RuleParameter

    values = {rule_id: {p.name: p.default for p in params.values()} for rule_id, params in REGISTRY.items()}
    for (rule_id, name), value in _configured().items():
        values[rule_id][name] = value
    for rule_id, name, value in RuleParameter.objects.values_list("rule_id", "name", "value"):
        if name in values.get(rule_id, {}):  # a row of a parameter no longer declared is ignored
            values[rule_id][name] = value
    return values


def values(rule_id: str) -> dict[str, Any]:
    """One rule's parameter values in force."""
    from .models import RuleParameter

    read = _read.get()
    if read is not None and rule_id in read:
        return dict(read[rule_id])
    result = {p.name: p.default for p in REGISTRY.get(rule_id, {}).values()}
    for (configured_rule, name), value in _configured().items():
        if configured_rule == rule_id:
            result[name] = value
    for name, value in RuleParameter.objects.filter(rule_id=rule_id).values_list("name", "value"):
        if name in result:
            result[name] = value
    return result


def value(rule_id: str, name: str) -> Any:
    """One parameter's value in force."""
    find(rule_id, name)
    return values(rule_id)[name]


@transaction.atomic
def set_value(rule_id: str, name: str, raw: Any, *, actor: Any, note: str = "") -> Any:
    """Override one parameter (validated by its kind); the default value removes the override.

    The row keeps its history (who changed which number when, and the note saying why).
    Returns the stored row, or None when the default is back in force.
    """
    from .models import RuleParameter

    param = find(rule_id, name)
    parsed = param.parse(raw)
    current = RuleParameter.objects.select_for_update().filter(rule_id=rule_id, name=name).first()
    history_user = actor if getattr(actor, "is_authenticated", False) else None
    if parsed == param.default:
        if current is not None:
            current._history_user = history_user
            current.soft_delete(actor=actor)
        return None
    if current is None:
        current = RuleParameter(rule_id=rule_id, name=name)
    current.value = parsed
    current.note = note[:200]
    current._history_user = history_user
    current.save()
    return current
