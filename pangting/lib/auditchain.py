"""The hash chain of the audit log, in plain Python.

Each event's hash is ``H(previous hash || canonical serialization of its fields)``, so
changing, inserting or removing one event changes every hash after it. The serialization is
JSON with sorted keys, no whitespace and UTF-8 text, of the fields named in `CHAINED_FIELDS`;
datetimes are written in UTC with microseconds. `H` is SHA-256 by default or SM3 (GB/T
32905, for 密评 deployments), both taken from `hashlib`, which offers SM3 when OpenSSL does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

ALGORITHMS = ("sha256", "sm3")
GENESIS = "0" * 64  # the "previous hash" of the first event ever written

CHAINED_FIELDS = ("seq", "at", "actor_id", "username", "action", "target", "success", "ip", "detail", "algorithm")


class UnknownAlgorithm(ValueError):
    pass


def check_algorithm(name: str) -> None:
    """Raise `UnknownAlgorithm` unless `name` is allowed and this Python's hashlib computes it."""
    if name not in ALGORITHMS:
        raise UnknownAlgorithm(f"audit hash algorithm must be one of {', '.join(ALGORITHMS)}, not {name!r}")
    try:
        hashlib.new(name, b"")
    except ValueError as exc:  # OpenSSL built without SM3
        raise UnknownAlgorithm(f"hashlib cannot compute {name!r} here (OpenSSL lacks it): {exc}") from exc


def timestamp(value: datetime) -> str:
    """A datetime as hashed (and as archive files write it): UTC, with microseconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes hashed for one event: exactly the `CHAINED_FIELDS`, in a fixed form."""
    missing = [name for name in CHAINED_FIELDS if name not in fields]
    if missing:
        raise KeyError(f"audit event lacks chained fields: {', '.join(missing)}")
    data = {name: fields[name] for name in CHAINED_FIELDS}
    data["at"] = timestamp(data["at"]) if isinstance(data["at"], datetime) else str(data["at"])
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def link(previous_hash: str, fields: Mapping[str, Any]) -> str:
    """The hash of an event whose predecessor's hash is `previous_hash`."""
    algorithm = str(fields["algorithm"])
    check_algorithm(algorithm)
    digest = hashlib.new(algorithm)
    digest.update(previous_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(fields))
    return digest.hexdigest()


def plain_json(value: Any) -> Any:
    """`value` as it comes back from a JSON column (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value, allow_nan=False, default=str))
