"""Shared fixtures: where the real data live, and skipping when they do not.

``IMTFP_SHARED_DATA`` overrides the location of the real data (default ``../shared/data``);
pointing it at a missing folder simulates a fresh clone. Public reference datasets are
vendored in ``tests/data/reference`` and never depend on it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("IMTFP_SHARED_DATA", ROOT.parent / "shared" / "data"))
REFERENCE_DATA = ROOT / "tests" / "data" / "reference"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip with the reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (a fresh clone); CI provides it")
    return SHARED_DATA


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """The vendored public reference datasets (source and licence: tests/data/reference/README.md)."""
    return REFERENCE_DATA
