"""Fixtures of the study tests."""

from __future__ import annotations

import pytest

from conftest import World


@pytest.fixture
def live_world(transactional_db) -> World:
    """The personas' world for `live_server` tests, whose server thread needs committed rows."""
    return World()
