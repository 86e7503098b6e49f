"""workflow/scripts/batch.py: several jobs' scripts in one process, each as a job of its own.

The runner is driven here as Snakemake drives it (a ``snakemake`` object whose params hold the
steps), in a subprocess: it redirects the process's stderr and logging, as every job does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
BATCH = ROOT / "workflow" / "scripts" / "batch.py"

# A library module (imported once, kept between steps) that warns: Python logs a warning once per
# location unless the registry is reset, which the runner does for every step.
HELPER = """
import warnings


def estimate():
    warnings.warn("only 3 clusters: few-cluster inference")
"""

MEMBER = """
import helper
from imtfp.logs import to_file
log = to_file(snakemake.log[0])
helper.estimate()  # the same warning at the same line in every step
with open(snakemake.output.table, "w", encoding="utf-8") as fh:
    fh.write(f"{snakemake.params.spec['k']} {snakemake.wildcards.n} {snakemake.input[0]}")
log.info("done %s", snakemake.rule)
"""

FAILING = """
from imtfp.errors import EstimationError
from imtfp.logs import to_file
to_file(snakemake.log[0])
raise EstimationError("iv: the instrument is constant")
"""

DRIVER = """
import importlib.util, sys
from snakemake.iocontainers import (
    InputFiles, Log, OutputFiles, Params, ResourceList, Snakemake, Wildcards)

spec = importlib.util.spec_from_file_location("batch", {batch!r})
batch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(batch)


def step(rule, n, script):
    return {{
        "rule": rule, "script": script, "wildcards": {{"n": n}},
        "input": {{"items": ["in.txt"], "names": {{}}}},
        "output": {{"items": [f"out/{{n}}.txt"], "names": {{"table": [0, None]}}}},
        "params": {{"items": [{{"k": int(n) * 2}}], "names": {{"spec": [0, None]}}}},
        "log": {{"items": [f"logs/{{n}}.log"], "names": {{}}}},
        "benchmark": f"logs/{{n}}.benchmark.tsv",
    }}


steps = [step("member", "1", "member.py"), step("member", "2", "member.py")]
if sys.argv[1:] == ["fail"]:
    steps.append(step("failing", "3", "failing.py"))
obj = Snakemake(InputFiles(), OutputFiles(), Params(fromdict={{"steps": steps}}), Wildcards(), 1,
                ResourceList(), Log(["logs/batch.log"]), {{}}, "batch", 0, {scripts!r})
batch.main(obj)
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "helper.py").write_text(HELPER, encoding="utf-8")
    (tmp_path / "member.py").write_text(MEMBER, encoding="utf-8")
    (tmp_path / "failing.py").write_text(FAILING, encoding="utf-8")
    (tmp_path / "in.txt").write_text("x", encoding="utf-8")
    driver = tmp_path / "driver.py"
    driver.write_text(
        textwrap.dedent(DRIVER.format(batch=str(BATCH), scripts=str(tmp_path))), encoding="utf-8"
    )
    return subprocess.run(
        [sys.executable, str(driver), *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_each_step_gets_its_own_input_params_wildcards_log_and_benchmark(tmp_path):
    run = _run(tmp_path)
    assert run.returncode == 0, run.stderr
    for n in ("1", "2"):
        assert (tmp_path / "out" / f"{n}.txt").read_text(
            encoding="utf-8"
        ) == f"{int(n) * 2} {n} in.txt"
        log = (tmp_path / "logs" / f"{n}.log").read_text(encoding="utf-8")
        # the second step's warning is logged too: Python's once-per-location registry is reset
        assert "WARNING py.warnings" in log and "only 3 clusters" in log, log
        assert "INFO imtfp: done member" in log
        bench = (tmp_path / "logs" / f"{n}.benchmark.tsv").read_text(encoding="utf-8").splitlines()
        assert bench[0].split("\t")[0] == "s" and bench[0].split("\t")[-1] == "cpu_time"
        assert float(bench[1].split("\t")[-1]) >= 0
    batch_log = (tmp_path / "logs" / "batch.log").read_text(encoding="utf-8")
    assert "batch: 2 jobs in one process" in batch_log and "member(n='2')" in batch_log


def test_a_failing_step_fails_the_batch_naming_its_rule_and_log(tmp_path):
    run = _run(tmp_path, "fail")
    assert run.returncode == 1
    line = "[imtfp] rule failing failed: EstimationError: iv: the instrument is constant (log: logs/3.log)"
    assert line in run.stderr  # the console, as a job of its own prints it
    step_log = (tmp_path / "logs" / "3.log").read_text(encoding="utf-8")
    assert "Traceback" in step_log and "EstimationError: iv: the instrument" in step_log
    batch_log = (tmp_path / "logs" / "batch.log").read_text(encoding="utf-8")
    # the batch's log ends with the error, which Snakemake's onerror summary shows
    assert line in batch_log and batch_log.rstrip().endswith(
        "EstimationError: iv: the instrument is constant"
    )
    assert not (tmp_path / "logs" / "3.benchmark.tsv").exists()
