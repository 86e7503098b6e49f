"""README's demo-run timings are those of ``benchmarks/pipeline.json`` (issue 24 item 6).

``python benchmarks/pipeline_timing.py --before DIR`` measures the demo run of two trees
interleaved and writes the file and README's table; this test fails when the table is edited by
hand or left stale, or the file lacks what the table is made of.
"""

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location(
        "pipeline_timing", ROOT / "benchmarks" / "pipeline_timing.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_quotes_the_results_file():
    mod = _module()
    results = json.loads((ROOT / "benchmarks" / "pipeline.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert mod.render(results) in readme, (
        "README: run python benchmarks/pipeline_timing.py --render"
    )


def test_every_run_records_wall_cpu_jobs_and_load():
    results = json.loads((ROOT / "benchmarks" / "pipeline.json").read_text(encoding="utf-8"))
    for tree in ("before", "after"):
        assert len(results[tree]["runs"]) == results["repeats"] >= 2
        for run in results[tree]["runs"]:
            for kind in ("full", "report_only"):
                fields = {"wall_s", "cpu_s", "jobs", "jobs_by_rule", "load_before", "load_after"}
                assert fields <= set(run[kind]), (tree, kind)
