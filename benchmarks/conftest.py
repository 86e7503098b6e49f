"""Benchmarks import their shared simulated panels from ``benchmarks/_panels.py``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
