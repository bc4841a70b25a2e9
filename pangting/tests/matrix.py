"""The permission matrix's vocabulary: personas, who reaches what, and the `Case` record.

`pangting/tests/test_permission_matrix.py` holds the cases of the directory, accounts and
calendar; every other app declares its own in `pangting/<app>/tests/permission_cases.py`
(a module-level `CASES: list[Case]`), which the matrix test collects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse

from pangting.tests.conftest import ScopedWorld

# --- the personas and what they reach ---------------------------------------------------

PERSONAS = (
    "supervisor", "leader", "liaison", "secretary_a", "secretary_b", "member",
    "viewer", "sysadmin", "secadmin", "auditor", "outsider",
)  # fmt: skip
ANONYMOUS = "anonymous"
EVERYONE = frozenset(PERSONAS)

ALL_ORGS = frozenset({"root", "A", "A1", "B"})
DIRECTORY_VIEW: dict[str, frozenset[str]] = {
    "supervisor": ALL_ORGS,
    "leader": frozenset({"A", "A1"}),
    "liaison": frozenset({"A", "A1"}),
    "secretary_a": frozenset({"A", "A1"}),
    "secretary_b": frozenset({"B"}),
    "member": frozenset({"A"}),
    "viewer": ALL_ORGS,
    "sysadmin": ALL_ORGS,
    # Issue 14 item 1: the security administrator reads no business data, the directory included.
    "secadmin": frozenset(),
    "auditor": frozenset(),
    "outsider": frozenset(),
}
DIRECTORY_CHANGE: dict[str, frozenset[str]] = {"supervisor": ALL_ORGS, "sysadmin": ALL_ORGS}
PERSON_PHONE: dict[str, frozenset[str]] = {
    "supervisor": ALL_ORGS,
    "leader": frozenset({"A", "A1"}),
    "liaison": frozenset({"A", "A1"}),
    "secretary_a": frozenset({"A", "A1"}),
    "secretary_b": frozenset({"B"}),
}


def reaching(table: dict[str, frozenset[str]], org: str) -> frozenset[str]:
    """The personas whose reach in `table` includes the organization `org`."""
    return frozenset(p for p, orgs in table.items() if org in orgs)


def anywhere(table: dict[str, frozenset[str]]) -> frozenset[str]:
    """The personas who hold the action somewhere."""
    return frozenset(p for p, orgs in table.items() if orgs)


VIEWERS = anywhere(DIRECTORY_VIEW)
CHANGERS = anywhere(DIRECTORY_CHANGE)
SECADMIN = frozenset({"secadmin"})
AUDITOR = frozenset({"auditor"})
SYSADMIN = frozenset({"sysadmin"})

# Anonymous outcomes.
LOGIN = "login"  # redirected to the login page
UNAUTHORIZED = 401

Kwargs = Callable[[ScopedWorld], dict[str, Any]]
Data = Callable[[ScopedWorld], dict[str, Any]]


def no_kwargs(w: ScopedWorld) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Case:
    """One request and who may make it. `allowed` get `ok`; other personas get `denied`."""

    name: str
    allowed: frozenset[str]
    target: str = ""  # "A" / "B": which side of the fence the object is on
    variant: str = ""  # tells apart two cases of one URL name on the same side
    kwargs: Kwargs = no_kwargs
    method: str = "get"
    data: Data | None = None
    ok: int | str = 200
    denied: int = 404
    anonymous: int | str = LOGIN
    api: bool = False
    overrides: dict[str, int] = field(default_factory=dict)  # persona → status, for the odd case
    # Ask only these personas (and an anonymous visitor): for a costly answer that no role changes.
    only: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        suffix = f"[{self.target}]" if self.target else ""
        if self.variant:
            suffix += f"({self.variant})"
        verb = "" if self.method == "get" else f"{self.method.upper()} "
        return f"{verb}{self.name}{suffix}"

    def expected(self, persona: str) -> int | str:
        if persona == ANONYMOUS:
            return self.overrides.get(persona, self.anonymous)
        if persona in self.overrides:
            return self.overrides[persona]
        return self.ok if persona in self.allowed else self.denied


def on_both_sides(
    name: str,
    table: dict[str, frozenset[str]],
    objects: Callable[[ScopedWorld, str], dict[str, Any]],
    *,
    data: Callable[[ScopedWorld, str], dict[str, Any]] | None = None,
    **options: Any,
) -> list[Case]:
    """The same URL with an object of unit A and of unit B; allowed = who reaches that unit."""
    return [
        Case(
            name,
            reaching(table, side),
            target=side,
            kwargs=lambda w, s=side: objects(w, s),
            data=(lambda w, s=side: data(w, s)) if data else None,
            **options,
        )
        for side in ("A", "B")
    ]


def org(w: ScopedWorld, side: str) -> Any:
    return {"A": w.unit_a, "B": w.unit_b}[side]


def person(w: ScopedWorld, side: str) -> Any:
    return {"A": w.member_person, "B": w.member_b_person}[side]


def pk_of(getter: Callable[[ScopedWorld, str], Any]) -> Callable[[ScopedWorld, str], dict[str, Any]]:
    return lambda w, side: {"pk": getter(w, side).pk}


def link_kwargs(kind: str) -> Callable[[ScopedWorld, str], dict[str, Any]]:
    def build(w: ScopedWorld, side: str) -> dict[str, Any]:
        links = {
            "leader": {"A": w.leader_link_a, "B": w.leader_link_b},
            "liaison": {"A": w.liaison_a, "B": w.liaison_b},
        }
        return {"kind": kind, "pk": links[kind][side].pk}

    return build


POST_REDIRECT = {"method": "post", "ok": 302}


API = {"api": True, "anonymous": UNAUTHORIZED}

# --- sending a case -----------------------------------------------------------------------


def client_for(world: ScopedWorld, persona: str, *, api: bool) -> Any:
    """A client signed in as `persona`: a session for the web, a bearer token for the API."""
    return world.client(None if persona == ANONYMOUS else persona, api=api)


def send(world: ScopedWorld, case: Case, persona: str, *, method: str | None = None) -> Any:
    """Send `case` as `persona` inside a savepoint that is rolled back: personas never see each other's writes."""
    method = method or case.method
    with transaction.atomic():
        client = client_for(world, persona, api=case.api)
        url = reverse(case.name, kwargs=case.kwargs(world))
        data = case.data(world) if case.data and method == case.method else {}
        if case.api and method in ("post", "patch", "put"):
            response = getattr(client, method)(url, data, content_type="application/json")
        else:
            response = getattr(client, method)(url, data)
        transaction.set_rollback(True)
    return response


def outcome(response: Any) -> int | str:
    """The status, or LOGIN for a redirect to the login page."""
    if response.status_code == 302 and response.url.startswith(reverse("accounts:login")):
        return LOGIN
    return response.status_code


def mismatches(world: ScopedWorld, case: Case) -> list[str]:
    """One line per persona whose answer differs from the declared one."""
    problems = []
    for persona in (*(case.only or PERSONAS), ANONYMOUS):
        expected = case.expected(persona)
        got = outcome(send(world, case, persona))
        if got != expected:
            problems.append(f"{case.id} as {persona}: got {got}, expected {expected}")
    return problems
