"""kill -9 in the middle of a run, then the `make run` command again: it resumes unattended and the
outputs are byte-identical to an uninterrupted run; no job outlives the killed run (issue 16, item 6)."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from imtfp.supervise import clear_stale_lock, snakemake_processes

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
# A short chain (ingest -> panel -> capital -> TFP) keeps the test short (about a minute on 2 cores).
TARGETS = ["data/derived/measure/tfp.parquet"]
# What `make run` runs, with the targets of this test.
MAKE_RUN = [
    sys.executable,
    "-m",
    "imtfp.supervise",
    "--",
    SNAKEMAKE,
    "--cores",
    "2",
    "--rerun-incomplete",
    *TARGETS,
]


def _workdir(base: Path) -> Path:
    base.mkdir()
    for item in ("Snakefile", "workflow", "configs"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, base / item)
    shutil.copytree(ROOT / "data" / "raw", base / "data" / "raw")
    shutil.copy(ROOT / "config.yaml", base / "config.yaml")
    cfg = yaml.safe_load((base / "config.yaml").read_text(encoding="utf-8"))
    assert cfg["dataset"]["manifest"].startswith("data/raw/")
    return base


def _outputs(work: Path) -> dict[str, str]:
    # DuckDB files carry internal timestamps; everything else must be byte-identical.
    return {
        str(p.relative_to(work)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((work / "data" / "derived").rglob("*"))
        if p.is_file() and p.suffix != ".duckdb"
    }


def _processes_in(work: Path) -> list[int]:
    """Every live process whose working directory lies inside ``work``."""
    target, found = work.resolve(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = Path(os.readlink(entry / "cwd")).resolve()
                state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
            except OSError:
                continue
            if state != "Z" and (cwd == target or target in cwd.parents):
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process checks need /proc (Linux)")
def test_kill_9_then_make_run_resumes_with_identical_outputs(tmp_path):
    ref = _workdir(tmp_path / "uninterrupted")
    done = subprocess.run(MAKE_RUN, cwd=ref, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = _outputs(ref)
    assert "data/derived/measure/tfp.parquet" in expected

    work = _workdir(tmp_path / "interrupted")
    run = subprocess.Popen(MAKE_RUN, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (work / "data" / "derived" / "warehouse.duckdb").exists():
        assert time.monotonic() < deadline and run.poll() is None, (
            "the run ended before it could be killed"
        )
        time.sleep(0.05)
    time.sleep(0.5)  # a downstream job is running now
    live = snakemake_processes(work)
    assert live, "no Snakemake process to kill"
    for pid in live:
        os.kill(pid, signal.SIGKILL)
    run.wait(timeout=60)
    # the lock is left behind (this used to stop every later run) and no job keeps running
    assert list((work / ".snakemake" / "locks").glob("*.lock"))
    deadline = time.monotonic() + 10
    while _processes_in(work) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_in(work) == []
    assert _outputs(work) != expected  # the run really was interrupted

    again = subprocess.run(MAKE_RUN, cwd=work, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "removed a stale lock" in again.stderr
    assert _outputs(work) == expected


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process checks need /proc (Linux)")
def test_a_live_run_keeps_its_lock(tmp_path):
    locks = tmp_path / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("x")
    # a process named snakemake whose working directory is tmp_path holds the lock
    fake = tmp_path / "snakemake"
    fake.write_text("import time\ntime.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, str(fake)], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 10
        while not snakemake_processes(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(RuntimeError, match=f"alive \\(pid {proc.pid}\\)"):
            clear_stale_lock(tmp_path)
        assert (locks / "0.input.lock").exists()
    finally:
        proc.kill()
        proc.wait()
    assert clear_stale_lock(tmp_path).startswith("removed a stale lock")
    assert not (locks / "0.input.lock").exists()


def test_missing_raw_file_stops_the_workflow_as_it_loads(tmp_path):
    # issue 15: a manifest entry whose file is missing must never be silently ignored, outputs or not
    work = _workdir(tmp_path / "w")
    (work / "data" / "raw" / "demo" / "legacy" / "01_gdp.csv").unlink()
    out = subprocess.run(
        [SNAKEMAKE, "-n", "--cores", "1"], cwd=work, capture_output=True, text=True, timeout=300
    )
    assert out.returncode != 0
    assert "01_gdp.csv does not exist" in out.stdout + out.stderr
