"""A small, safe expression language for score formulas (the assessment scheme, R-O14).

An administrator writes a formula such as

    clamp(60 + 0.4 * coalesce(obs_score, 80) - 3 * red("*") - 5 * red("R-S2"), 0, 100)

and the system evaluates it once per unit. The text is parsed with Python's `ast` module and
checked against a whitelist; nothing is ever passed to `eval` or `exec`. What is allowed:

* numbers (integers and decimals), `+ - * /`, parentheses, unary minus and plus;
* comparisons (`<  <=  >  >=  ==  !=`), which give 1 when true and 0 when false, so that
  `5 * (visits < 2)` reads "5 points off when observed fewer than twice";
* the caller's variables (plain names; a variable may have no value: see `coalesce`);
* the built-in functions `min`, `max`, `abs`, `round(x[, digits])`, `clamp(x, lo, hi)` and
  `coalesce(x, default, ...)` (the first argument that has a value);
* the caller's domain functions (e.g. `red("R-S3")`), whose arguments must be literal strings
  or numbers, so that the formula can report, before it is ever evaluated, which rules it
  refers to (`Formula.literal_arguments`).

Everything else (attribute access, subscripts, `**`, lambdas, comprehensions, names that
start with "_", keyword arguments) is refused with a Chinese message that gives the position
(the n-th character). The text is limited in length, size and nesting depth, and a result that
is not a finite number (a division by zero, an overflow) is an error, not a score.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pangting.lib.messages import N_, Message

MAX_LENGTH = 1000
MAX_NODES = 400
MAX_DEPTH = 40

Value = float | None
Literal = str | float


class FormulaError(ValueError):
    """The formula cannot be parsed or evaluated; `message` is Chinese, `position` 1-based (or None).

    `message` and the exception's text (its first argument) are `Message`s: Chinese as `str`,
    translatable by the app layer (`pangting.core.i18n.render_error`).
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        text = (
            Message(N_("第{position}个字符处：{message}"), position=position, message=message) if position else message
        )
        super().__init__(text)


@dataclass(frozen=True)
class Signature:
    """How many arguments a function takes; `literal` functions take only literal strings/numbers."""

    min_args: int
    max_args: int | None
    literal: bool = False

    def describe(self) -> str:
        if self.max_args == self.min_args:
            return Message(N_("{count}个"), count=self.min_args)
        if self.max_args is None:
            return Message(N_("至少{count}个"), count=self.min_args)
        return Message(N_("{low}至{high}个"), low=self.min_args, high=self.max_args)


@dataclass(frozen=True)
class Call:
    """A call of a domain function found in the formula, with its literal arguments."""

    name: str
    args: tuple[Literal, ...]
    position: int


BUILTINS: dict[str, Signature] = {
    "min": Signature(2, None),
    "max": Signature(2, None),
    "abs": Signature(1, 1),
    "round": Signature(1, 2),
    "clamp": Signature(3, 3),
    "coalesce": Signature(2, None),
}

_BINARY: dict[type[ast.operator], tuple[str, Callable[[float, float], float]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
}
_COMPARE: dict[type[ast.cmpop], Callable[[float, float], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_OPERATOR_NAMES = {
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
}
# What Chinese input methods type instead of the ASCII characters (one character each, so
# that positions stay right). # i18n: not interface (input the parser accepts)
_FULL_WIDTH = str.maketrans("（），＋－＊／＜＞＝“”‘’\r\n\t", "(),+-*/<>=\"\"''   ")


def _position(source: str, node: ast.AST) -> int:
    """The 1-based character position of `node` (ast counts UTF-8 bytes)."""
    offset = getattr(node, "col_offset", 0)
    return len(source.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1


def _number(value: float, position: int | None = None) -> float:
    if not math.isfinite(value):
        raise FormulaError(Message(N_("计算结果超出数值范围。")), position)
    return value


@dataclass(frozen=True)
class Formula:
    """A parsed, checked formula: what it refers to, and `evaluate` against values."""

    source: str
    text: str  # what was parsed: `source` with full-width punctuation made ASCII, stripped
    lead: int  # characters stripped from the start of `source` (for positions)
    tree: ast.Expression
    variables: frozenset[str]
    calls: tuple[Call, ...]
    domain: Mapping[str, Signature]

    def literal_arguments(self, names: Iterable[str]) -> list[Literal]:
        """The literal arguments of the calls of `names`, in order of appearance, without repeats."""
        wanted = set(names)
        seen: list[Literal] = []
        for call in self.calls:
            if call.name in wanted:
                seen.extend(a for a in call.args if a not in seen)
        return seen

    @cached_property
    def _compiled(self) -> Node:
        """The tree as closures, made on the first evaluation (a frozen dataclass keeps it in its `__dict__`)."""
        return _Compiler(self).value(self.tree.body)

    def evaluate(self, values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> float:
        """The formula's value. `values` gives every variable (None: no value); `functions` the domain ones."""
        if not self.variables <= values.keys():
            missing = sorted(self.variables - set(values))
            raise FormulaError(Message(N_("缺少变量的取值：{names}。"), names=missing))
        result = self._compiled(values, functions)
        if result is None:
            raise FormulaError(Message(N_("公式的结果没有取值，请用 coalesce(…, 默认值) 指定默认值。")))
        return result


def compile_formula(
    source: str,
    *,
    variables: Collection[str],
    functions: Mapping[str, Signature] | None = None,
) -> Formula:
    """Parse and check `source`. `variables` are the allowed names; `functions` the domain functions."""
    domain = dict(functions or {})
    clash = set(domain) & (set(BUILTINS) | set(variables))
    if clash:
        raise ValueError(f"domain functions shadow built-ins or variables: {sorted(clash)}")
    text = (source or "").translate(_FULL_WIDTH)
    if not text.strip():
        raise FormulaError(Message(N_("公式不能为空。")))
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            Message(N_("公式过长（{length}个字符），不能超过{limit}个字符。"), length=len(text), limit=MAX_LENGTH)
        )
    if text.count("(") > MAX_DEPTH * 2:
        raise FormulaError(Message(N_("公式中的括号过多。")))
    # Positions are counted in the stripped text; `lead` shifts them back to the user's text.
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        raise FormulaError(
            Message(N_("语法错误，请检查括号、逗号、引号和运算符。")), (error.offset or 1) + lead
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError(Message(N_("公式过于复杂，无法解析。"))) from None
    checker = _Checker(stripped, frozenset(variables), domain, lead)
    checker.check(tree.body, depth=0)
    return Formula(source, stripped, lead, tree, frozenset(checker.used), tuple(checker.calls), domain)


def _finite(value: int | float | complex) -> bool:
    """Whether a literal is a finite float: a 999-digit integer overflows float() (issue 14)."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (OverflowError, TypeError):
        return False


class _Checker:
    """Walk the tree once: refuse anything outside the whitelist, collect variables and calls."""

    def __init__(self, source: str, variables: frozenset[str], domain: Mapping[str, Signature], lead: int) -> None:
        self.source = source
        self.variables = variables
        self.domain = domain
        self.lead = lead
        self.used: set[str] = set()
        self.calls: list[Call] = []
        self.nodes = 0

    def fail(self, message: str, node: ast.AST) -> FormulaError:
        return FormulaError(message, _position(self.source, node) + self.lead)

    def check(self, node: ast.AST, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(Message(N_("公式过于复杂，请拆分或简化。")), node)
        if depth > MAX_DEPTH:
            raise self.fail(Message(N_("公式嵌套层次过深。")), node)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                if isinstance(node.value, str):
                    message = N_("此处不能使用文字“{value}”；文字只能作为规则函数的参数。")
                else:
                    message = N_("此处不能使用取值“{value}”；文字只能作为规则函数的参数。")
                raise self.fail(Message(message, value=repr(node.value)), node)
            if not _finite(node.value):
                raise self.fail(Message(N_("数值超出范围。")), node)
        elif isinstance(node, ast.Name):
            self._check_name(node)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                symbol = _OPERATOR_NAMES.get(type(node.op), type(node.op).__name__)
                raise self.fail(Message(N_("不支持运算符“{symbol}”，只能使用 + - * /。"), symbol=symbol), node)
            # A long sum (a + b + c ...) is a left-leaning chain, not nesting: only brackets nest.
            self.check(node.left, depth if isinstance(node.left, ast.BinOp) else depth + 1)
            self.check(node.right, depth + 1)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise self.fail(Message(N_("不支持此一元运算符，只能使用负号。")), node)
            self.check(node.operand, depth + 1)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _COMPARE:
                    raise self.fail(Message(N_("不支持此比较运算，只能使用 < <= > >= == !=。")), node)
            self.check(node.left, depth + 1)
            for comparator in node.comparators:
                self.check(comparator, depth + 1)
        elif isinstance(node, ast.Call):
            self._check_call(node, depth)
        elif isinstance(node, ast.Attribute):
            raise self.fail(Message(N_("不允许访问属性（“.”）。")), node)
        elif isinstance(node, ast.Lambda):
            raise self.fail(Message(N_("不允许使用 lambda。")), node)
        else:
            raise self.fail(Message(N_("公式中包含不支持的写法，只能使用数值、变量、四则运算、比较和函数。")), node)

    def _check_name(self, node: ast.Name) -> None:
        if node.id.startswith("_"):
            raise self.fail(Message(N_("名称“{name}”不允许使用。"), name=node.id), node)
        if node.id in BUILTINS or node.id in self.domain:
            raise self.fail(Message(N_("“{name}”是函数，应写成 {name}(…)。"), name=node.id), node)
        if node.id not in self.variables:
            allowed = sorted(self.variables) or Message(N_("无"))
            raise self.fail(Message(N_("未知变量“{name}”。可用变量：{allowed}。"), name=node.id, allowed=allowed), node)
        self.used.add(node.id)

    def _check_call(self, node: ast.Call, depth: int) -> None:
        if not isinstance(node.func, ast.Name):
            raise self.fail(Message(N_("只能调用列出的函数。")), node)
        name = node.func.id
        signature = BUILTINS.get(name) or self.domain.get(name)
        if signature is None or name.startswith("_"):
            allowed = [*BUILTINS, *sorted(self.domain)]
            raise self.fail(Message(N_("未知函数“{name}”。可用函数：{allowed}。"), name=name, allowed=allowed), node)
        if node.keywords:
            raise self.fail(Message(N_("函数“{name}”不接受带名称的参数。"), name=name), node)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(Message(N_("不支持“*”展开参数。")), arg)
        count = len(node.args)
        if count < signature.min_args or (signature.max_args is not None and count > signature.max_args):
            raise self.fail(
                Message(
                    N_("函数“{name}”需要{expected}参数，这里给了{count}个。"),
                    name=name,
                    expected=signature.describe(),
                    count=count,
                ),
                node,
            )
        if not signature.literal:
            for arg in node.args:
                self.check(arg, depth + 1)
            if name == "round" and count == 2:
                digits = node.args[1]
                if not (isinstance(digits, ast.Constant) and type(digits.value) is int and 0 <= digits.value <= 6):
                    raise self.fail(Message(N_("round 的第二个参数应为0至6的整数（保留小数位数）。")), digits)
            return
        literals: list[Literal] = []
        for arg in node.args:
            if not isinstance(arg, ast.Constant) or isinstance(arg.value, bool):
                raise self.fail(
                    Message(N_('函数“{name}”的参数只能是带引号的文字或数字，如 {name}("R-S3")。'), name=name), arg
                )
            if isinstance(arg.value, str):
                literals.append(arg.value)
            elif isinstance(arg.value, int | float) and _finite(arg.value):
                literals.append(float(arg.value))
            else:
                raise self.fail(Message(N_("函数“{name}”的参数只能是带引号的文字或数字。"), name=name), arg)
        self.nodes += len(node.args)
        self.calls.append(Call(name, tuple(literals), _position(self.source, node) + self.lead))


# A compiled node: its value from the variables' values and the domain functions.
Node = Callable[[Mapping[str, Value], Mapping[str, Callable[..., Any]]], Value]
# A compiled node that must have a value (it raises otherwise).
Number = Callable[[Mapping[str, Value], Mapping[str, Callable[..., Any]]], float]


class _Compiler:
    """Turn a checked tree into nested closures, once per formula (issue 15: a province's sheet
    evaluates one formula for every unit; walking the tree each time was most of the page).

    None (no value) propagates only through `coalesce`. Positions are worked out here, once, for
    the errors that evaluating may raise."""

    def __init__(self, formula: Formula) -> None:
        self.formula = formula

    def pos(self, node: ast.AST) -> int:
        return _position(self.formula.text, node) + self.formula.lead

    def value(self, node: ast.AST) -> Node:
        if isinstance(node, ast.Constant):
            constant = node.value
            if not isinstance(constant, int | float):
                return self.fails(Message(N_("此处只能使用数值。")), node)  # the validator admits numbers only
            number = float(constant)
            return lambda values, functions: number
        if isinstance(node, ast.Name):
            name = node.id

            def variable(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> Value:
                value = values[name]
                return None if value is None else float(value)

            return variable
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.number(node.operand)
            if isinstance(node.op, ast.USub):
                return lambda values, functions: -operand(values, functions)
            return operand
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        return self.fails(Message(N_("公式中包含不支持的写法。")), node)  # unreachable after checking

    def fails(self, message: str, node: ast.AST) -> Node:
        position = self.pos(node)

        def fail(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> Value:
            raise FormulaError(message, position)

        return fail

    def number(self, node: ast.AST) -> Number:
        """`node`'s value, which must have one."""
        inner = self.value(node)
        if isinstance(node, ast.Name):
            message = Message(N_("变量“{name}”没有取值，请用 coalesce({name}, 默认值) 指定默认值。"), name=node.id)
        else:
            message = Message(N_("表达式没有取值，请用 coalesce(…, 默认值) 指定默认值。"))
        position = self.pos(node)

        def number(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> float:
            value = inner(values, functions)
            if value is None:
                raise FormulaError(message, position)
            return value

        return number

    def binary(self, node: ast.BinOp) -> Node:
        left, right = self.number(node.left), self.number(node.right)
        symbol, apply = _BINARY[type(node.op)]
        position = self.pos(node)
        divides = symbol == "/"

        def binary(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> Value:
            a, b = left(values, functions), right(values, functions)
            if divides and b == 0:
                raise FormulaError(Message(N_("除数为零。")), position)
            return _number(apply(a, b), position)

        return binary

    def compare(self, node: ast.Compare) -> Node:
        first = self.number(node.left)
        steps = [
            (_COMPARE[type(op)], self.number(comparator))
            for op, comparator in zip(node.ops, node.comparators, strict=True)
        ]

        def compare(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> Value:
            left = first(values, functions)
            for holds, comparator in steps:
                right = comparator(values, functions)
                if not holds(left, right):
                    return 0.0
                left = right
            return 1.0

        return compare

    def call(self, node: ast.Call) -> Node:
        name = node.func.id  # type: ignore[attr-defined]
        position = self.pos(node)
        if name == "coalesce":
            choices = [self.value(arg) for arg in node.args]

            def coalesce(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> Value:
                for choice in choices:
                    value = choice(values, functions)
                    if value is not None:
                        return value
                return None

            return coalesce
        if name in BUILTINS:
            return self.builtin(name, [self.number(arg) for arg in node.args], position)
        literals = [a.value for a in node.args]  # type: ignore[attr-defined]

        def domain(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> Value:
            function = functions.get(name)
            if function is None:
                raise FormulaError(Message(N_("函数“{name}”没有提供计算方法。"), name=name), position)
            result = function(*literals)
            return None if result is None else _number(float(result), position)

        return domain

    def builtin(self, name: str, args: list[Number], position: int) -> Node:
        def numbers(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> list[float]:
            return [arg(values, functions) for arg in args]

        if name == "min":
            return lambda values, functions: min(numbers(values, functions))
        if name == "max":
            return lambda values, functions: max(numbers(values, functions))
        if name == "abs":
            return lambda values, functions: abs(args[0](values, functions))
        if name == "round":

            def rounded(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> Value:
                given = numbers(values, functions)
                return float(round(given[0], int(given[1]) if len(given) > 1 else 0))

            return rounded

        def clamp(values: Mapping[str, Value], functions: Mapping[str, Callable[..., Any]]) -> Value:
            value, low, high = numbers(values, functions)
            if low > high:
                raise FormulaError(Message(N_("clamp 的下限大于上限。")), position)
            return min(max(value, low), high)

        return clamp
