"""Fuzzing the API from its own schema: whatever a client sends, the server never answers 500.

Schemathesis reads the OpenAPI document drf-spectacular generates, makes requests for every
operation (valid and invalid bodies, odd query strings, strange ids), and sends them to the
app in-process over WSGI, signed in as the supervisor with a bearer token. Ids that the
generator picks as integers are folded onto small numbers, so that many requests reach real
records instead of stopping at a 404. The number of examples is kept small, so the file runs
in well under a minute; raise `PANGTING_FUZZ_EXAMPLES` for a longer hunt.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from pangting.tests.conftest import ScopedWorld

EXAMPLES = int(os.environ.get("PANGTING_FUZZ_EXAMPLES", "15"))


def load_schema() -> Any:
    """The app's own schema, generated without a request (the endpoint itself needs sign-in)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(_plain(document))
    loaded.app = WSGIHandler()
    return loaded


def _plain(value: Any) -> Any:
    """drf-spectacular leaves lazy translation strings in the document; JSON-ify them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


schema = load_schema()


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Keep the test's database connection open across WSGI requests, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fold_ids(case: Any) -> None:
    """Map generated integer ids onto 1..12, where the world's records live."""
    parameters = case.path_parameters or {}
    for name, value in parameters.items():
        if isinstance(value, int) and not isinstance(value, bool) and value % 3:
            parameters[name] = abs(value) % 12 + 1


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    # Generated cases only: schemathesis's "coverage" phase adds hundreds of explicit cases per
    # operation through Phase.explicit, which alone takes minutes over the whole API.
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
def test_api_never_answers_a_server_error(case: Any, scoped_world: ScopedWorld, in_process_requests: None):
    _fold_ids(case)
    response = case.call(headers={"Authorization": f"Bearer {scoped_world.tokens['supervisor']}"})
    case.validate_response(response, checks=[not_a_server_error])
