"""Benchmarks of the microtask plugin; each module runs with ``python -m bench.microtask.NAME``."""
