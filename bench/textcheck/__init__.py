"""Near-duplicate text detection benchmark: `python -m bench.textcheck --docs 20000`."""
