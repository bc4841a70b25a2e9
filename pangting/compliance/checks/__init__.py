"""The checks, one module per part of the domain; importing this package registers them all."""

from . import branches, followup, observation, study  # noqa: F401
