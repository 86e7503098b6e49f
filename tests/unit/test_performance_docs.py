"""The performance figures the docs print are those of ``benchmarks/results.json`` (issue 24).

``make bench`` writes the results file and regenerates the tables of docs/performance.md and
README.md from it; this test fails when a page's table is edited by hand or left stale.
"""

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _results_module():
    spec = importlib.util.spec_from_file_location(
        "bench_results", ROOT / "benchmarks" / "_results.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_docs_quote_the_results_file():
    mod = _results_module()
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    for which, path in mod.DOCS.items():
        assert mod.render(results, which) in path.read_text(), f"{path.name}: run make bench"


def test_every_target_of_issue_24_is_recorded():
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())["benchmarks"]
    for key in ("twfe_75k_balanced", "twfe_1M_unbalanced", "twfe_three_effects_1M",
                "multiverse_1M_vs_pyfixest", "wild_ci_vs_p_only", "att_gt_50k"):  # fmt: skip
        entry = results[key]
        assert {"target", "met", "load_before", "load_after", "imtfp_s"} <= set(entry), key
