"""What each app contributes to shared pages, registered in its `AppConfig.ready`.

Core owns the lists; the apps fill them. No earlier app imports a later one to find its
menu entries, to-dos, reach extensions or demo data: the later app registers them here.
Registering the same name twice replaces the entry (``ready`` may run more than once in a
process, e.g. under a test runner), so the lists never grow duplicates.

Order is explicit where it matters: menu entries by ``order`` (groups appear where their
first entry does), demo hooks by ``order`` (each builds on what the earlier ones made).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.module_loading import import_string

Label = str | Promise  # a gettext_lazy string, translated when the menu renders


@dataclass(frozen=True)
class NavEntry:
    """A main-menu link: shown when the policy grants `action` (None: every signed-in user)."""

    label: Label
    url_name: str
    action: str | None
    group: str
    order: int


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: Label


@dataclass(frozen=True)
class Hook:
    """A function registered by dotted path or directly; dotted paths are imported on first use."""

    name: str
    target: Callable[..., Any] | str
    order: int

    def resolve(self) -> Callable[..., Any]:
        target = self.target
        return import_string(target) if isinstance(target, str) else target


_navigation: dict[str, NavEntry] = {}
_navigation_groups: dict[str, NavGroup] = {}
_todo_providers: dict[str, Hook] = {}
_reach_extensions: dict[str, Hook] = {}
_demo_hooks: dict[str, Hook] = {}


def _hook_name(target: Callable[..., Any] | str) -> str:
    if isinstance(target, str):
        return target
    return f"{target.__module__}.{target.__qualname__}"


# --- navigation -------------------------------------------------------------------------------


def register_navigation_group(key: str, label: Label) -> None:
    _navigation_groups[key] = NavGroup(key, label)


def register_navigation(label: Label, url_name: str, action: str | None, group: str = "", *, order: int) -> None:
    """Add a menu link; `order` places it among every app's links (smaller first)."""
    _navigation[url_name] = NavEntry(label, url_name, action, group, order)


def navigation() -> list[NavEntry]:
    return sorted(_navigation.values(), key=lambda entry: (entry.order, entry.url_name))


def navigation_group_label(key: str) -> Label:
    group = _navigation_groups.get(key)
    return group.label if group else key


# --- to-dos on the home page ------------------------------------------------------------------


def register_todo_provider(provider: Callable[[Any], list[Any]] | str, *, order: int = 0) -> None:
    """`provider(user)` returns that user's `core.todos.Todo`s; the home page sorts them all."""
    name = _hook_name(provider)
    _todo_providers[name] = Hook(name, provider, order)


def todo_providers() -> list[Callable[[Any], list[Any]]]:
    return [hook.resolve() for hook in sorted(_todo_providers.values(), key=lambda h: (h.order, h.name))]


# --- the policy's reach extensions ------------------------------------------------------------


def register_reach_extension(extension: Callable[[Any, str], Any] | str, *, order: int = 0) -> None:
    """`extension(user, extent)` returns organization paths a later app adds to a role's reach."""
    name = _hook_name(extension)
    _reach_extensions[name] = Hook(name, extension, order)


def reach_extensions() -> list[Callable[..., Any]]:
    return [hook.resolve() for hook in sorted(_reach_extensions.values(), key=lambda h: (h.order, h.name))]


# --- the demo university ----------------------------------------------------------------------


def register_demo_hook(hook: Callable[[dict[str, Any]], Any] | str, *, order: int) -> None:
    """`hook(context)` extends the demo university; hooks run by `order`, each after the earlier ones.

    Give a dotted path: demo modules import the app's services, which the server need not
    load at start-up.
    """
    name = _hook_name(hook)
    _demo_hooks[name] = Hook(name, hook, order)


def demo_hooks() -> list[Callable[[dict[str, Any]], Any]]:
    return [hook.resolve() for hook in sorted(_demo_hooks.values(), key=lambda h: (h.order, h.name))]


# --- the access policy ------------------------------------------------------------------------

_scope: Hook | None = None


def register_scope(scoper: Callable[[Any, Any, str | None], Any] | str) -> None:
    """The function `Model.objects.for_user` asks: `scope(queryset, user, action)` → narrowed queryset.

    The policy lives in a later app (accounts) that imports the organization models, so core's
    base manager reaches it through here instead of importing it.
    """
    global _scope  # one policy per process, registered at start-up
    _scope = Hook(_hook_name(scoper), scoper, 0)


def scope(queryset: Any, user: Any, action: str | None) -> Any:
    if _scope is None:
        raise ImproperlyConfigured("No access policy registered (pangting.accounts must be installed).")
    return _scope.resolve()(queryset, user, action)


# --- sections of shared pages -----------------------------------------------------------------

_page_sections: dict[tuple[str, str], Hook] = {}


def register_page_section(page: str, section: Callable[[Any], str] | str, *, order: int = 0) -> None:
    """`section(request)` returns safe HTML that a later app adds to a shared page ("login", "profile").

    The page's template asks `{% page_sections "login" %}`: the login page shows what a scanned
    check-in code is for, the profile page the calendar subscription, without accounts importing study.
    A page about one record passes it on (`{% page_sections "study_session" session %}`), and its
    sections are called as `section(request, record)`: the session page shows analysis's R-S8 judgement.
    """
    name = _hook_name(section)
    _page_sections[(page, name)] = Hook(name, section, order)


def page_sections(page: str) -> list[Callable[[Any], str]]:
    hooks = [hook for (key, _name), hook in _page_sections.items() if key == page]
    return [hook.resolve() for hook in sorted(hooks, key=lambda h: (h.order, h.name))]


# --- calendar feeds ---------------------------------------------------------------------------

_calendar_providers: dict[str, Hook] = {}


def register_calendar_provider(provider: Callable[[Any, str], list[Any]] | str, *, order: int = 0) -> None:
    """`provider(user, host)` returns `pangting.lib.ical.Event`s of that user's calendar feed.

    Study adds the user's sessions; observation adds visits and the deadlines the user owes.
    """
    name = _hook_name(provider)
    _calendar_providers[name] = Hook(name, provider, order)


def calendar_providers() -> list[Callable[[Any, str], list[Any]]]:
    return [hook.resolve() for hook in sorted(_calendar_providers.values(), key=lambda h: (h.order, h.name))]


# --- flags on texts ---------------------------------------------------------------------------

_text_flag_providers: dict[tuple[str, str], Hook] = {}


def register_text_flags(kind: str, provider: Callable[[list[int]], dict[int, Any]] | str, *, order: int = 0) -> None:
    """`provider(ids)` returns {id: message} for the texts of `kind` ("speech") that it flags.

    A later app judges texts an earlier one stores: the analysis app confirms copied-text
    pairs, and the R-S6 check (compliance, which comes before analysis) keeps a finding for a
    speech with a confirmed copy by asking `text_flags("speech", ids)`, without importing it.
    Each message is a `pangting.lib.messages.Message` (or a stored message), shown translated.
    """
    name = _hook_name(provider)
    _text_flag_providers[(kind, name)] = Hook(name, provider, order)


def text_flags(kind: str, ids: Any) -> dict[int, Any]:
    """The flags every registered provider reports for these ids of `kind`; {} when none is registered.

    When two providers flag the same text, the first by `order` speaks for it.
    """
    wanted = list(ids)
    hooks = [hook for (key, _name), hook in _text_flag_providers.items() if key == kind]
    if not wanted or not hooks:
        return {}
    asked: set[int] = set(wanted)
    found: dict[int, Any] = {}
    for hook in sorted(hooks, key=lambda h: (h.order, h.name)):
        for pk, message in (hook.resolve()(wanted) or {}).items():
            if pk in asked:
                found.setdefault(pk, message)
    return found


def unregister_text_flags(kind: str, provider: Callable[..., Any] | str) -> None:
    """Remove a provider (tests register one for a test and take it away after)."""
    _text_flag_providers.pop((kind, _hook_name(provider)), None)
