"""The plausibility-checks stage in the DAG: it writes quality/checks.parquet, and a `fail` stops the run.

Runs the demo (config.yaml) up to the quality report in a temporary copy of the workflow, then the
same workflow with one check made to fail: the run stops at the checks' gate, names the cells, no
measure is built, and the quality report (scheduled before the gate) shows the failure.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    # the quality report's English headings (the demo's report.language is zh; IMTFP_LANG wins)
    env = {**os.environ, "IMTFP_LANG": "en"}
    return subprocess.run([SNAKEMAKE, *args, "--cores", "2"], cwd=workdir, capture_output=True, text=True,
                          timeout=900, env=env)  # fmt: skip


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("checks")
    for item in ("Snakefile", "config.yaml", "workflow", "configs"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
    return work


def test_demo_run_writes_the_checks_and_the_report_summarises_them(workdir):
    run = _snakemake(workdir, "data/derived/quality/report.md")
    assert run.returncode == 0, run.stderr[-5000:]
    checks = pd.read_parquet(workdir / "data" / "derived" / "quality" / "checks.parquet")
    configured = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["checks"]
    assert set(checks["check"]) == set(configured)
    assert {"check", "indicator", "status", "n_cells", "detail"} <= set(checks.columns)
    assert set(checks["status"]) == {"pass"}, checks.loc[
        checks["status"] != "pass", ["check", "detail"]
    ]
    report = (workdir / "data" / "derived" / "quality" / "report.md").read_text(encoding="utf-8")
    assert (
        report.index("## Summary")
        < report.index("## Plausibility checks")
        < report.index("## Row accounting")
    )
    assert f"{len(checks)} results: {len(checks)} pass, 0 warn, 0 fail" in report
    assert not (
        workdir / "data" / "derived" / "quality" / "checks.passed"
    ).exists()  # no measure asked for


def test_a_failing_check_stops_the_run_naming_the_cells(workdir):
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    cfg["checks"]["shares"]["bounds"] = [
        0,
        60,
    ]  # the demo's urban rates exceed 60 % in some provinces
    (workdir / "failing.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    run = _snakemake(workdir, "data/derived/measure/index.parquet", "data/derived/quality/report.md",
                     "--configfile", "failing.yaml")  # fmt: skip
    assert run.returncode != 0
    log = (workdir / "logs" / "quality" / "checks_gate.log").read_text(encoding="utf-8")
    assert "PlausibilityError" in log and "shares (range) on urban_rate" in log
    assert re.search(r"cells: [\u4e00-\u9fff]{2,3} 20\d\d \(\d", log)  # province name, year (value)
    derived = workdir / "data" / "derived"
    assert not (derived / "measure" / "index.parquet").exists()
    assert not (derived / "quality" / "checks.passed").exists()
    checks = pd.read_parquet(derived / "quality" / "checks.parquet")
    assert checks.set_index("indicator").loc["urban_rate", "status"] == "fail"
    # The quality report runs before the gate and still shows the failure at its top.
    report = (derived / "quality" / "report.md").read_text(encoding="utf-8")
    summary = report[: report.index("## Plausibility checks")]
    assert "| shares | urban_rate | fail |" in summary
