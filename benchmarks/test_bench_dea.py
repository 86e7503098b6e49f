"""DEA + Malmquist for a 31-province × 13-year panel: re-solved HiGHS model vs one linprog per LP.

Workload (2,356 LPs): per year, CRS and VRS input-oriented DEA of the 31 provinces
(13 × 31 × 2 = 806 LPs), then the contemporaneous output-oriented Malmquist index
(own-period CRS and VRS distances, 2 × 403, plus the two cross-period CRS distances of
each adjacent pair, 2 × 12 × 31 = 744). Inputs K, L; output Y; simulated with a fixed seed.

* fast path (``engine="highspy"``): one HiGHS model per reference technology; between
  solves only the evaluated unit's coefficients and row bounds change, and HiGHS
  warm-starts from the previous basis;
* baseline (``engine="linprog"``): ``scipy.optimize.linprog(method="highs")`` called once per
  LP, rebuilding the programme each time.

Run: .venv/bin/pytest benchmarks/test_bench_dea.py --benchmark-only -s
The two paths' results are asserted equal (atol 1e-9); the time ratio is printed and stored
in the benchmark's ``extra_info``.
"""

from __future__ import annotations

import time
from importlib.util import find_spec

import numpy as np
import pandas as pd
import pytest
from _results import load, record

from imtfp.tfp import dea, malmquist

N_PROVINCES, N_YEARS = 31, 13


def simulated_panel(seed: int = 20240601) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(N_PROVINCES):
        level = rng.normal(0, 0.2)
        for t in range(N_YEARS):
            k = np.exp(rng.normal(8 + 0.08 * t, 0.6))
            l_ = np.exp(rng.normal(7, 0.5))
            y = np.exp(level + 0.02 * t) * k**0.4 * l_**0.6 * np.exp(-abs(rng.normal(0, 0.15)))
            rows.append({"province": f"{11 + i}", "year": 2010 + t, "k": k, "l": l_, "y": y})
    return pd.DataFrame(rows)


def full_run(panel: pd.DataFrame, engine: str) -> tuple[np.ndarray, pd.DataFrame]:
    scores = []
    for _, g in panel.groupby("year"):
        g = g.set_index("province")
        for rts in ("crs", "vrs"):
            scores.append(dea(g, ["k", "l"], ["y"], rts=rts, engine=engine).to_numpy())
    m = malmquist(panel, ["k", "l"], ["y"], entity="province", time="year", engine=engine)
    return np.concatenate(scores), m


@pytest.mark.skipif(find_spec("highspy") is None, reason="the fast path needs highspy")
@pytest.mark.benchmark(group="dea-malmquist-31x13")
def test_highspy_resolve_vs_linprog_per_lp(benchmark):
    load_before = load()
    panel = simulated_panel()
    fast_scores, fast_m = benchmark.pedantic(
        full_run, args=(panel, "highspy"), rounds=5, iterations=1, warmup_rounds=1
    )
    t0 = time.perf_counter()
    slow_scores, slow_m = full_run(panel, "linprog")
    t_linprog = time.perf_counter() - t0

    np.testing.assert_allclose(fast_scores, slow_scores, rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(fast_m, slow_m, check_exact=False, rtol=0, atol=1e-9)

    t_fast = benchmark.stats.stats.mean
    ratio = t_linprog / t_fast
    benchmark.extra_info.update(
        {"n_lp": 2356, "linprog_seconds": t_linprog, "highspy_seconds": t_fast, "ratio": ratio}
    )
    record("dea_malmquist", imtfp_s=t_fast, peer="linprog per LP", peer_s=t_linprog, ratio=ratio,
           load_before=load_before)  # fmt: skip
    print(
        f"\nDEA+Malmquist 31x13 (2,356 LPs): highspy {t_fast:.3f}s, "
        f"linprog {t_linprog:.3f}s, ratio {ratio:.1f}x"
    )
