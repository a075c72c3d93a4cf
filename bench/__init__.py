"""Benchmarks, evaluation and the judge's training: run as python -m bench.NAME from the repository root."""
