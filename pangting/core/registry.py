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


_can: Hook | None = None


def register_can(checker: Callable[[Any, str], bool] | str) -> None:
    """The policy's `can(user, action)` for core's own pages (a job over the user's whole reach)."""
    global _can  # one policy per process, registered at start-up
    _can = Hook(_hook_name(checker), checker, 0)


def can(user: Any, action: str) -> bool:
    if _can is None:
        raise ImproperlyConfigured("No access policy registered (pangting.accounts must be installed).")
    return bool(_can.resolve()(user, action))


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


# --- texts: the near-duplicate check on save, and the flags rule checks read -------------------

_text_saved_hooks: dict[str, Hook] = {}


def register_text_saved(hook: Callable[[str, Any], Any] | str, *, order: int = 0) -> None:
    """`hook(kind, record)` is told each time a service saves a text of `kind` ("speech", "reflection" …).

    The services of study and observation call `text_saved` after writing a text; analysis (a later
    app) registers the near-duplicate check here, so the earlier apps never import it.
    """
    name = _hook_name(hook)
    _text_saved_hooks[name] = Hook(name, hook, order)


def text_saved(kind: str, record: Any) -> None:
    """Tell the registered hooks that `record`, a text of `kind`, was saved (or soft-deleted)."""
    for hook in sorted(_text_saved_hooks.values(), key=lambda h: (h.order, h.name)):
        hook.resolve()(kind, record)


_text_flag_providers: dict[str, Hook] = {}


def register_text_flags(kind: str, provider: Callable[[Any], Any] | str) -> None:
    """`provider(ids)` returns {record id: [flag, …]} for the texts of `kind` among `ids`.

    A flag is a plain mapping describing why the text is suspect (e.g. a confirmed copy of
    another text: its pair, score and the other record). The rule check owning the kind reads
    them through `text_flags` without importing the app that computes them. One provider per kind.
    """
    _text_flag_providers[kind] = Hook(_hook_name(provider), provider, 0)


def text_flags(kind: str, ids: Any) -> dict[int, list[Any]]:
    """The flags of the texts of `kind` among `ids`; empty when no provider is registered."""
    hook = _text_flag_providers.get(kind)
    ids = list(ids)
    if hook is None or not ids:
        return {}
    return dict(hook.resolve()(ids))
