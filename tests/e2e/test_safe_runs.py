"""Safe experiments (issue 22, item 5): a failed run never removes what the last successful run of the
same config made, a plain `snakemake` beside a live run stops with one line, and a config error at
load stops a dry run naming the key, in the run's language and without a traceback.

Only ingest and the panel run (``data/derived/panel/panel.parquet``): the module takes about a minute.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TARGET = "data/derived/panel/panel.parquet"


def _snakemake(work: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "IMTFP_LANG": lang}
    return subprocess.run(
        [SNAKEMAKE, "--cores", "1", *args],
        cwd=work, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("safe")
    for item in ("Snakefile", "workflow", "configs", "config.yaml"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
    first = _snakemake(work, TARGET)
    assert first.returncode == 0, first.stderr[-3000:]
    return work


def test_a_failed_experiment_keeps_the_last_good_outputs(work):
    # the first run made the outputs of one job (the panel batch: warehouse, panel files, checks)
    # (run_summary.md is the run's, not a job's output)
    derived = work / "data" / "derived"
    made = [p for p in sorted(derived.rglob("*")) if p.is_file() and p.name != "run_summary.md"]
    before = {p: _sha(p) for p in made}
    # panel.years beyond the data passes the config checks and fails in build_panel, after
    # Snakemake has removed the panel's outputs to rebuild them for the changed params
    (work / "longer.yaml").write_text("panel:\n  years: [2011, 2030]\n", encoding="utf-8")
    failed = _snakemake(work, "--configfile", "config.yaml", "longer.yaml", "--", TARGET)
    assert failed.returncode != 0
    assert "rule build_panel failed" in failed.stderr
    assert f"{len(before)} output(s) of the last successful run were put back" in failed.stderr
    assert {p: _sha(p) for p in before} == before
    assert "would be filled beyond" in (work / "logs/panel/build_panel.log").read_text("utf-8")
    # the outputs carry the record of the run that made them: the original config has nothing to do,
    # the changed one reruns them
    assert "Nothing to be done" in _snakemake(work, "-n", TARGET).stdout
    again = _snakemake(work, "-n", "--configfile", "config.yaml", "longer.yaml", "--", TARGET)
    assert "rule panel:" in again.stdout  # the batch that runs build_panel
    assert not (work / ".snakemake" / "imtfp" / "kept").exists()


def test_a_config_error_stops_a_dry_run_at_load_in_one_line(work):
    (work / "typo.yaml").write_text("panel:\n  yeras: [2011, 2022]\n", encoding="utf-8")
    run = _snakemake(work, "-n", "--configfile", "config.yaml", "typo.yaml", lang="zh")
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1] == (
        "[imtfp] 配置错误（没有运行任何任务）：配置项 'panel.yeras' 不是这一节的设置；您是否指 'years'？"
    )
    assert "Traceback" not in run.stderr and 'File "' not in run.stderr


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process checks need /proc (Linux)")
def test_a_plain_snakemake_beside_a_live_run_stops_and_never_advises_cleanup(work):
    fake = work / "snakemake"  # a process named snakemake whose working directory is the run's
    fake.write_text("import time\ntime.sleep(60)\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(fake)], cwd=work)
    try:
        time.sleep(0.5)
        run = _snakemake(work, "-n", TARGET)
    finally:
        proc.kill()
        proc.wait()
        fake.unlink()
    assert run.returncode == 1
    assert f"another Snakemake run of {work.resolve()} is alive (pid {proc.pid})" in run.stderr
    assert "Do not run --unlock or --cleanup-metadata" in run.stderr
    assert _snakemake(work, "-n", TARGET).returncode == 0


def test_a_missing_design_file_stops_a_dry_run_naming_its_key(work):
    (work / "nopilots.yaml").write_text(
        "designs:\n  pilot:\n    pilots: pilot/none.csv\n", encoding="utf-8"
    )
    run = _snakemake(work, "-n", "--configfile", "config.yaml", "nopilots.yaml")
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1] == (
        "[imtfp] config error (no job was run): config key 'designs.pilot.pilots': "
        "the file data/raw/demo/pilot/none.csv does not exist"
    )
