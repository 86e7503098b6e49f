"""Simulated panels and a subprocess runner that measures time and peak memory above the data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def simulate(
    n_entities: int, n_periods: int, *, unbalanced: bool = False, seed: int = 0
) -> pd.DataFrame:
    """y = 0.5 x1 − 0.3 x2 + 0.1 x3 + a_i + g_t + e; x1 correlated with a_i, x2 with g_t.

    ``unbalanced`` keeps each entity-period with probability 0.7 (so about 30 % of cells
    are missing and a few entities are singletons).
    """
    rng = np.random.default_rng(seed)
    e = np.repeat(np.arange(n_entities, dtype=np.int64), n_periods)
    t = np.tile(np.arange(2000, 2000 + n_periods, dtype=np.int64), n_entities)
    if unbalanced:
        keep = rng.random(len(e)) < 0.7
        e, t = e[keep], t[keep]
    n = len(e)
    a = rng.normal(size=n_entities)[e]
    g = rng.normal(size=n_periods)[t - 2000]
    x1 = rng.normal(size=n) + a
    x2 = rng.normal(size=n) + g
    x3 = rng.normal(size=n)
    y = 0.5 * x1 - 0.3 * x2 + 0.1 * x3 + a + g + rng.normal(size=n)
    return pd.DataFrame({"id": e, "t": t, "x1": x1, "x2": x2, "x3": x3, "y": y})


_CHILD = r"""
import json, sys, time, gc
sys.path.insert(0, {here!r})
from _panels import simulate

def rss_kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])
    return 0

df = simulate({E}, {T}, unbalanced={unbalanced})
gc.collect()
base = rss_kb("VmRSS:")
try:  # reset the peak so VmHWM measures the fit alone
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
{setup}
t0 = time.perf_counter()
{call}
seconds = time.perf_counter() - t0
peak = rss_kb("VmHWM:")
print(json.dumps({{"seconds": seconds, "peak_above_data_mb": (peak - base) / 1024, "rows": len(df)}}))
"""

IMTFP_CALL = (
    "from imtfp.models.panel import fit_twfe\n",
    "fit_twfe(df, y='y', x=['x1', 'x2', 'x3'], entity='id', time='t')",
)
PYFIXEST_CALL = (
    "import pyfixest as pf\n",
    "pf.feols('y ~ x1 + x2 + x3 | id + t', data=df, vcov={'CRV1': 'id'}).coef()",
)


def measure(E: int, T: int, *, unbalanced: bool = False, who: str = "imtfp") -> dict:
    """Time and peak RSS above the data of one fit, in a fresh subprocess (Linux /proc)."""
    setup, call = IMTFP_CALL if who == "imtfp" else PYFIXEST_CALL
    code = _CHILD.format(here=str(HERE), E=E, T=T, unbalanced=unbalanced, setup=setup, call=call)
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def peak_above(fn, *args, **kwargs) -> tuple[object, float]:
    """Run ``fn`` and return (its result, peak RSS in MB above the RSS before the call; Linux)."""
    base = _status_kb("VmRSS:")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    out = fn(*args, **kwargs)
    return out, max(_status_kb("VmHWM:") - base, 0) / 1024
