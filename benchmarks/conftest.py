"""Benchmarks import their shared simulated panels from ``benchmarks/_panels.py`` and record
their figures with ``benchmarks/_results.py`` (written to ``results.json`` at the end)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    _results.write_session()
