"""The DAG on the demo data, in a temporary copy of the workflow."""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SNAKEMAKE, "--cores", "2", *args], cwd=workdir, capture_output=True, text=True, timeout=1500
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("pipeline")
    for item in ("Snakefile", "config.yaml", "workflow", "configs"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
    return work


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dry_run_and_lint_are_clean(workdir):
    dry = _snakemake(workdir, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    lint = _snakemake(workdir, "--lint")
    assert lint.returncode == 0 and "Lints for" not in lint.stdout + lint.stderr, (lint.stdout + lint.stderr)[-3000:]


def test_full_run_is_byte_identical_twice(workdir):
    first = _snakemake(workdir)
    assert first.returncode == 0, first.stderr[-5000:]
    outputs = sorted(p for p in (workdir / "data" / "derived").rglob("*") if p.is_file() and p.suffix != ".duckdb")
    hashes = {p: _sha(p) for p in outputs}
    assert workdir / "data" / "derived" / "panel" / "panel.parquet" in hashes
    shutil.rmtree(workdir / "data" / "derived")
    second = _snakemake(workdir)
    assert second.returncode == 0, second.stderr[-5000:]
    changed = [str(p.relative_to(workdir)) for p in outputs if _sha(p) != hashes[p]]
    assert not changed, f"outputs differ between two runs: {changed}"
