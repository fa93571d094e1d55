"""Benchmark, load and fault scripts of issue 7 (not in the test suite); see docs/performance.md."""
