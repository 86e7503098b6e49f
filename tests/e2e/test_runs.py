"""Runs per config, failures on the console, the run summary: the ingest stage in a workflow copy.

Only the first stage runs (``data/derived/warehouse.duckdb``), so the module takes seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TARGET = "data/derived/warehouse.duckdb"


def _snakemake(workdir: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "IMTFP_LANG": lang}  # the demo's report.language is zh; IMTFP_LANG wins
    return subprocess.run(
        [SNAKEMAKE, "--cores", "1", *args], cwd=workdir, capture_output=True, text=True, timeout=600,
        env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("runs")
    for item in ("Snakefile", "workflow", "configs", "config.yaml"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
    return work


def _config(workdir: Path, name: str, **changes) -> Path:
    cfg = yaml.safe_load((workdir / "config.yaml").read_text(encoding="utf-8"))
    cfg.update(changes)
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def test_run_name_writes_outputs_logs_and_benchmarks_under_runs(workdir):
    cfg = _config(workdir, "mine", run_name="mine")
    run = _snakemake(workdir, f"--configfile={cfg.name}", TARGET)
    assert run.returncode == 0, run.stderr[-4000:]
    run_dir = workdir / "runs" / "mine"
    assert (run_dir / TARGET).stat().st_size > 0
    assert (run_dir / "logs" / "ingest.log").is_file()
    assert (run_dir / "logs" / "ingest.benchmark.tsv").read_text(encoding="utf-8").startswith("s\t")
    assert not (workdir / "data" / "derived").exists() and not (workdir / "logs").exists()
    summary = (run_dir / "data" / "derived" / "run_summary.md").read_text(encoding="utf-8")
    assert summary.startswith("# Run summary") and summary in run.stderr


def test_a_failed_job_prints_its_error_on_the_console(workdir):
    cfg = _config(workdir, "broken", run_name="broken")
    raw = workdir / "data" / "raw" / "demo" / "legacy" / "01_gdp.csv"
    original = raw.read_bytes()
    try:
        raw.write_text("this is not an NBS export\n1,2,3\n", encoding="utf-8")
        run = _snakemake(workdir, f"--configfile={cfg.name}", TARGET)
    finally:
        raw.write_bytes(original)
    assert run.returncode != 0
    line = next(
        (x for x in run.stderr.splitlines() if x.startswith("[imtfp] rule ingest failed:")), None
    )
    assert line is not None, run.stderr[-4000:]
    # the log as seen from where snakemake started (issue 22: not the run folder's logs/ingest.log)
    assert "01_gdp.csv" in line and "(log: runs/broken/logs/ingest.log)" in line
    assert "[imtfp] failed jobs" in run.stderr  # the onerror summary repeats it at the end
    assert "[runs/broken/logs/ingest.log]" in run.stderr


def test_the_console_and_the_summary_in_chinese(workdir):
    cfg = _config(workdir, "zh_run", run_name="zh_run")
    run = _snakemake(workdir, f"--configfile={cfg.name}", TARGET, lang="zh")
    assert run.returncode == 0, run.stderr[-4000:]
    summary = workdir / "runs" / "zh_run" / "data" / "derived" / "run_summary.md"
    assert summary.read_text(encoding="utf-8").startswith("# 运行摘要")
