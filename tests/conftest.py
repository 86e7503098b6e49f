"""Shared fixtures: where the real data live, and skipping when they do not."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip with the reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (a fresh clone); CI provides it")
    return SHARED_DATA


@pytest.fixture(scope="session")
def reference_data(shared_data: Path) -> Path:
    return shared_data / "reference"
