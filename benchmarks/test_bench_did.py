"""Callaway–Sant'Anna ``att_gt`` at 50,000 units × 10 periods with the multiplier bootstrap.

Workload: a simulated staggered panel (cohorts 2013, 2015, 2017 and never treated, 27 group-time
cells), ``att_gt(..., bootstrap=999)`` then the dynamic aggregation (another sup-t band), in a
fresh subprocess so the peak resident memory above the data is the fit's alone (Linux
``VmHWM``). **Target ≤ 400 MB above the data** (issue 24: 814–1,050 MB before, when the
999 × 50,000 weights were drawn at once). Recorded in ``benchmarks/results.json``.
Run: ``.venv/bin/pytest benchmarks/test_bench_did.py --benchmark-only -s``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from _results import load, record

HERE = Path(__file__).parent
TARGET_MB = 400

CHILD = r"""
import json, sys, time, gc
sys.path.insert(0, {tests!r})
from _did_sim import staggered
from imtfp.models.did.cs import att_gt

def kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])

df = staggered(seed=1, n=50_000, years=range(2010, 2020), cohorts=(2013, 2015, 2017, 0),
               slope=(0.3, 0.1, 0.2, 0.0), sigma=0.5)
gc.collect()
base = kb("VmRSS:")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
t0 = time.perf_counter()
res = att_gt(df, y="y", entity="unit", time="year", group="g", bootstrap=999, seed=1)
agg = res.aggregate("dynamic")
seconds = time.perf_counter() - t0
print(json.dumps({{"seconds": seconds, "peak_above_data_mb": (kb("VmHWM:") - base) / 1024,
                  "cells": len(res.att_gt), "crit": res.crit}}))
"""


def _measure() -> dict:
    tests = str(HERE.parent / "tests" / "unit" / "models" / "did")
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(tests=tests)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONHASHSEED="0"),
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_att_gt_memory(benchmark):
    load_before = load()
    res = benchmark.pedantic(_measure, rounds=1, iterations=1)
    mb = res["peak_above_data_mb"]
    record("att_gt_50k", imtfp_s=res["seconds"], peak_mb=mb, target=f"≤ {TARGET_MB} MB",
           met=bool(mb <= TARGET_MB), cells=res["cells"], load_before=load_before)  # fmt: skip
    print(
        f"\natt_gt 50,000 x 10, B = 999 (+ dynamic aggregation): {res['seconds']:.2f} s, "
        f"{mb:.0f} MB above the data (target <= {TARGET_MB})"
    )
    assert mb <= TARGET_MB
