"""Issue 24 item 6: the demo's DAG (config.yaml, every named check) is at most 60 jobs.

A dry run of the repository's workflow and config in a temporary copy: the jobs are the batches
(workflow/rules/batches.smk: every table in one job, every figure in one, one per named check,
one per design and variant) and the collecting rules; no rule whose jobs a batch runs is
scheduled as jobs of its own.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")

#: Rules a batch runs; none of them is a job of its own in a full run.
BATCHED = {"ingest", "build_panel", "plausibility_checks", "plausibility_gate", "build_index",
           "build_capital", "build_tfp", "analysis_frame", "multiverse_measures", "estimate",
           "did_timing", "did_frame", "did_estimate", "table", "did_table", "figure", "did_figure"}  # fmt: skip


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> dict[str, int]:
    work = tmp_path_factory.mktemp("granularity")
    for item in ("Snakefile", "config.yaml", "workflow", "configs"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
    dry = subprocess.run(
        [SNAKEMAKE, "-n", "--quiet", "rules", "--cores", "2"],
        cwd=work, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert dry.returncode == 0, (dry.stdout + dry.stderr)[-3000:]
    stats = dry.stdout + dry.stderr
    rows = re.findall(r"^(\w+)\s+(\d+)$", stats[stats.index("Job stats") :], flags=re.M)
    return {rule: int(n) for rule, n in rows}


def test_the_demo_dag_is_at_most_60_jobs(planned):
    assert planned["total"] <= 60, planned


def test_one_job_per_named_check_and_one_for_all_tables_and_all_figures(planned):
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    assert planned["check"] == len(config["robustness"])
    assert planned["tables"] == planned["figures"] == planned["models"] == 1
    assert not BATCHED & set(planned), planned
