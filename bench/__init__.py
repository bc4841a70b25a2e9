"""Benchmarks: run by hand (`python -m bench.planning`), never by the test suite."""
