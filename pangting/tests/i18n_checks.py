"""Finders of interface text left untranslated: in templates, in Python source, on a rendered page.

The interface is Chinese first: every msgid is Chinese and English comes from the catalog. A
Chinese literal that does not pass through gettext therefore stays Chinese in English, and the
finders here point at it (file:line in source, the fragment on a page). They are plain
functions so that both the client tests (test_i18n.py) and the browser walk can call them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

# CJK ideographs, CJK punctuation and full-width forms: any of them in English output is a miss.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e]")
_CJK_RUN = re.compile(r"[^\s<>\"'=]*" + CJK.pattern + r"[^\s<>\"']*")

# A statement marked with this comment (on it, or on the line before it) holds Chinese that is
# not interface text: input the parser accepts, text stored as a record, the name of a Chinese
# file. The comment says why after the marker.
NOT_INTERFACE = "# i18n: not interface"

GETTEXT_FUNCTIONS = frozenset(
    {
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
    }
)


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


# --- rendered pages -------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, scripts, styles or input values; titles and labels kept.

    An element marked `lang="zh…"` holds Chinese content on purpose (the Chinese user guide,
    words quoted from a unit's agenda): it is content in its own language, not interface, and
    is left out with everything inside it.
    """

    _HIDDEN = frozenset({"script", "style", "textarea", "template"})
    _SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
    _VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0
        self._chinese: list[str] = []  # open elements inside a lang="zh…" element, outermost first

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._VOID:
            if not self._chinese:
                self._keep_attributes(attrs)
            return
        marked = any(name == "lang" and (value or "").lower().startswith("zh") for name, value in attrs)
        if self._chinese or (marked and tag != "html"):
            self._chinese.append(tag)
            return
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        self._keep_attributes(attrs)

    def _keep_attributes(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in self._SHOWN_ATTRIBUTES:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._chinese:
            if tag in self._chinese:
                while self._chinese and self._chinese.pop() != tag:
                    pass
            return
        if tag in self._HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth and not self._chinese:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The visible text of an HTML page, one fragment per line (tags, scripts and input values gone)."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(part.strip() for part in parser.parts if part.strip())


def untranslated_fragments(text: str, data_strings: Iterable[str]) -> list[str]:
    """The pieces of `text` that still hold CJK once every data string is taken out.

    `text` is what a reader sees (see `visible_text`); `data_strings` are values stored in the
    database (names of organizations, people, sessions, plans…), which stay as entered. The
    longest data strings go first, so a name never hides part of a longer title.
    """
    for value in sorted({value for value in data_strings if value and has_cjk(value)}, key=len, reverse=True):
        text = text.replace(value, " ")
    return list(_CJK_RUN.findall(text))


# --- templates ------------------------------------------------------------------------------

_TRANSLATED_LITERAL = re.compile(r"""_\(\s*(?:"[^"]*"|'[^']*')\s*\)""")
_TRANSLATE_TAG = re.compile(r"""^\s*(?:translate|trans)\s+(?:"[^"]*"|'[^']*')""")


def template_findings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each CJK literal in a Django template outside translation and comments.

    Inside `{% blocktranslate %}` all text is a msgid; `{% translate "…" %}` and `_("…")` in
    variables and tag arguments are translated literals; `{# #}` and `{% comment %}` are not shown.
    """
    from django.template.base import Lexer, TokenType

    findings: list[tuple[int, str]] = []
    in_blocktranslate = False
    in_comment = False
    for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
        contents = token.contents
        if token.token_type == TokenType.BLOCK:
            command = contents.split(None, 1)[0] if contents.strip() else ""
            if command == "comment":
                in_comment = True
                continue
            if command == "endcomment":
                in_comment = False
                continue
            if command in ("blocktranslate", "blocktrans"):
                in_blocktranslate = True
            elif command in ("endblocktranslate", "endblocktrans"):
                in_blocktranslate = False
                continue
            elif command == "plural" and in_blocktranslate:
                continue
            contents = _TRANSLATE_TAG.sub("", contents)
        if in_comment or token.token_type == TokenType.COMMENT:
            continue
        if token.token_type == TokenType.TEXT and in_blocktranslate:
            continue
        if token.token_type == TokenType.VAR and in_blocktranslate:
            continue
        for index, line in enumerate(contents.splitlines()):
            remaining = _TRANSLATED_LITERAL.sub("", line)
            if has_cjk(remaining):
                findings.append((token.lineno + index, remaining.strip()[:80]))
    return findings


# --- Python source --------------------------------------------------------------------------


# The Django-free library marks its msgids with these (pangting.lib.messages); the app translates them.
LIB_MESSAGE_FUNCTIONS = frozenset({"N_", "Message"})


def _gettext_names(tree: ast.Module) -> set[str]:
    """Names that call gettext in this module: `_`, every alias of django.utils.translation's functions,
    and the library's msgid markers `N_(…)` and `Message(…)`."""
    names = {"_", *GETTEXT_FUNCTIONS, *LIB_MESSAGE_FUNCTIONS}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in GETTEXT_FUNCTIONS:
                    names.add(alias.asname or alias.name)
    return names


def _call_name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def python_findings(path: Path, skip_keywords: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, text) of each CJK string constant not passed to gettext (docstrings aside).

    Constants given as a keyword argument named in `skip_keywords` are left out too (the API
    schema's `summary=` and `description=` are documentation for integrators, not interface).
    """
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    lines = source.splitlines()
    translators = _gettext_names(tree)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in translators:
            for argument in node.args:
                allowed.update(id(inner) for inner in ast.walk(argument) if isinstance(inner, ast.Constant))
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in skip_keywords:
                    allowed.update(id(inner) for inner in ast.walk(keyword.value) if isinstance(inner, ast.Constant))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                allowed.add(id(first.value))
    statements: dict[int, ast.stmt] = {}  # constant -> the innermost statement holding it
    for statement in ast.walk(tree):
        if isinstance(statement, ast.stmt):
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Constant):
                    statements[id(inner)] = statement  # inner statements come later and win
    findings: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in allowed
            and has_cjk(node.value)
            and not _marked(statements.get(id(node)), lines)
        ):
            findings.append((node.lineno, node.value[:80]))
    return sorted(findings)


def _marked(statement: ast.stmt | None, lines: list[str]) -> bool:
    if statement is None:
        return False
    first = max(statement.lineno - 2, 0)  # the comment may stand on the line before
    return any(NOT_INTERFACE in line for line in lines[first : statement.end_lineno or statement.lineno])
