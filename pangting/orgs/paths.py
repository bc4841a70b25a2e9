"""Records under any of many organizations: one filter, whatever their number (issue 15).

An organization's `path` starts with its ancestors' paths, so "under one of these organizations"
is a path prefix. A few prefixes are an OR of `LIKE 'prefix%'`, which an index on the path
serves. Many (every unit of a province, for the rule checks and the year-end duties) are
grouped by length instead, one `SUBSTR(path, 1, n) IN (…)` per length. A tree has few depths,
so the filter stays a handful of terms: an OR of thousands of LIKEs is slow on PostgreSQL and
refused by SQLite beyond 1,000 terms ("Expression tree is too large").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.db.models.functions import Substr
from django.db.models.lookups import In

from .models import PATH_STEP, Organization

# Up to this many prefixes are ORed LIKEs (index-friendly); more are grouped by length.
FEW_PREFIXES = 20


def ancestor_paths(path: str) -> list[str]:
    """`path` and the paths of every organization above it, the root's first."""
    return [path[:end] for end in range(PATH_STEP, len(path) + 1, PATH_STEP)]


def nearest(path: str, by_path: dict[str, Any]) -> Any:
    """The value of `by_path` at `path` or at its nearest ancestor's path; None when none has one.

    Walks the path's few steps (a dictionary lookup each), not every key: finding each of a
    province's branches its unit this way is linear, where testing every unit was quadratic."""
    for end in range(len(path), 0, -PATH_STEP):
        if (found := by_path.get(path[:end])) is not None:
            return found
    return None


def holding(paths: Iterable[str]) -> set[str]:
    """Every path that is, or is above, one of `paths`: `p in holding(paths)` is "some path lies under p"."""
    return {prefix for path in paths for prefix in ancestor_paths(path)}


def covering(paths: Iterable[str]) -> list[str]:
    """The fewest of `paths` whose subtrees hold them all: a path under another one adds nothing."""
    roots: list[str] = []
    for path in sorted(set(paths)):
        if not roots or not path.startswith(roots[-1]):
            roots.append(path)
    return roots


def under_any(organizations: Iterable[Any], path_field: str = "path") -> Q:
    """Records whose organization (its path at `path_field`) is one of `organizations` or under one.

    `Q(pk__in=[])` (nothing) for no organizations.
    """
    return under_paths((org.path for org in organizations), path_field)


def under_paths(paths: Iterable[str], path_field: str = "path") -> Q:
    """`under_any` given the organizations' paths only."""
    roots = covering(paths)
    if not roots:
        return Q(pk__in=[])
    relation, _, last = path_field.rpartition("__")
    if relation and last == "path":
        # Another table's records by their organization: its id among the organizations under
        # the prefixes (a subquery), not a prefix test of a joined path. The database then
        # finds the few organizations by their path's index and their records by the
        # organization's: a unit's records cost the same in a province as in a city, where a
        # joined path made it read every record of the year (issue 15: a unit's refresh).
        return Q(**{f"{relation}__in": Organization._base_manager.filter(_prefixed(roots, "path")).values("pk")})
    return _prefixed(roots, path_field)


def _prefixed(roots: list[str], path_field: str) -> Q:
    """Organizations (their path at `path_field`) under any of `roots`."""
    condition = Q()
    if len(roots) <= FEW_PREFIXES:
        for path in roots:
            condition |= Q(**{f"{path_field}__startswith": path})
        return condition
    by_length: dict[int, list[str]] = defaultdict(list)
    for path in roots:
        by_length[len(path)].append(path)
    for length, prefixes in sorted(by_length.items()):
        condition |= Q(In(Substr(path_field, 1, length), prefixes))
    return condition
