"""Issue 23 item 7: `make run` (imtfp.supervise) rebuilds an output whose bytes differ from the output
manifest and an intermediate Parquet file that does not open; nobody deletes files by hand."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TARGET = "data/derived/measure/tfp.parquet"
MAKE_RUN = [sys.executable, "-m", "imtfp.supervise", "--", SNAKEMAKE, "--cores", "2",
            "--rerun-incomplete", TARGET]  # fmt: skip


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("verified")
    for item in ("Snakefile", "workflow", "configs", "config.yaml"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, base / item)
    shutil.copytree(ROOT / "data" / "raw", base / "data" / "raw")
    first = subprocess.run(MAKE_RUN, cwd=base, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    return base


def test_a_truncated_intermediate_parquet_is_rebuilt(work):
    panel = work / "data" / "derived" / "panel" / "panel.parquet"
    expected = _sha(panel)
    panel.write_bytes(panel.read_bytes()[: panel.stat().st_size // 2])
    again = subprocess.run(MAKE_RUN, cwd=work, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "panel.parquet" in again.stderr and _sha(panel) == expected


def test_an_output_that_differs_from_the_manifest_is_rebuilt(work):
    tfp = work / "data" / "derived" / "measure" / "tfp.parquet"
    expected = _sha(tfp)
    # the output manifest of the run lists it (here written for the short chain of this test)
    manifest = work / "data" / "derived" / "manifest.json"
    manifest.write_text(json.dumps({TARGET: expected}), encoding="utf-8")
    # a valid Parquet file with other numbers: it opens, but it is not what the run made
    frame = pd.read_parquet(tfp)
    frame[frame.select_dtypes("number").columns[-1]] += 1.0
    frame.to_parquet(tfp, index=False)
    assert _sha(tfp) != expected
    again = subprocess.run(MAKE_RUN, cwd=work, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "tfp.parquet" in again.stderr and _sha(tfp) == expected
