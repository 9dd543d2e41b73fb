"""Benchmarks for the Duban engine (run with `python -m bench`; not tests)."""
