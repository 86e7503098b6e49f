"""Malmquist–Luenberger index against a published example and an independent formulation.

Stata ``gtfpch`` (Wang, Du & Zhang 2022, Stata Journal 22(1); GitHub kerrydu/gtfpch): its
worked example (30 Chinese provinces 2013–2015, K L = Y : CO2, ``global``) prints TFPCH, TECH
and BPC, but the example data ship only as the binary ``example.dta``, which we could not
obtain (no copy in any text form is reachable from this environment). We therefore test

1. the index arithmetic (effch, geometric-mean techch, tfpch = effch·techch, two and three
   periods) against the published test values of the Julia package
   DataEnvelopmentAnalysis.jl, test/malmluen.jl (``malmluen(X, Y, B)``, directions
   Gx = 0, Gy = Y, Gb = B, CRS, contemporaneous). That package's technology treats bad
   outputs as B·λ ≤ (1 − β)b (Aparicio, Pastor & Zofío 2013), which our
   ``bad_disposability="strong"`` reproduces. Printed to 10 digits (2 periods) and 6
   (3 periods; the package tests atol 1e-5): tolerance 1e-9 and 1e-5.
2. the ``gtfpch`` technology (weakly disposable bad outputs, B·λ = (1 − β)b, the default)
   and the global-frontier convention (tfpch = (1+β_G(t))/(1+β_G(t+1)), effch from the
   contemporaneous frontiers, techch = tfpch/effch = BPC) against an independent
   implementation: the DDF's dual (multiplier) linear programme written directly for
   scipy.optimize.linprog, whose optimum equals the primal one by LP duality. Tolerance 1e-8.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from imtfp.tfp import directional_distance, malmquist_luenberger

pytestmark = pytest.mark.reference


@pytest.fixture
def julia_panel() -> pd.DataFrame:
    Y = [[7, 5, 1, 3, 4], [8, 5.5, 2, 2, 4], [8, 5.5, 2, 2, 4]]
    B = [[2, 5, 3, 3, 2], [1, 3, 2, 4, 1], [0.5, 2, 0.5, 3, 0.5]]
    rows = [
        {"dmu": i, "t": t + 1, "x": 1.0, "y": Y[t][i], "b": B[t][i]}
        for t in range(3)
        for i in range(5)
    ]
    return pd.DataFrame(rows)


def _ml(panel, **kw):
    return malmquist_luenberger(panel, ["x"], ["y"], ["b"], entity="dmu", time="t", **kw)


def test_julia_malmluen_two_periods(julia_panel):
    p = julia_panel[julia_panel["t"] <= 2]
    ml = _ml(p, frontier="contemporaneous", bad_disposability="strong")
    np.testing.assert_allclose(
        ml["tfpch"], [1.3702375781, 1.1, 1.1259778360, 0.91624569458, 1.2792042981], atol=1e-9
    )
    np.testing.assert_allclose(
        ml["effch"], [1.0, 0.9625, 1.027173913, 119 / 144, 21 / 22], atol=1e-9
    )
    np.testing.assert_allclose(
        ml["techch"],
        [1.3702375781, 1.1428571429, 1.0961900625, 1.1087342859, 1.3401187885],
        atol=1e-9,
    )


def test_julia_malmluen_three_periods(julia_panel):
    ml = _ml(julia_panel, frontier="contemporaneous", bad_disposability="strong")
    want = {
        "tfpch": [
            [1.37024, 1.22474],
            [1.1, 1.0],
            [1.12598, 1.25245],
            [0.916246, 1.01484],
            [1.2792, 1.26491],
        ],
        "effch": [
            [1.0, 1.0],
            [0.9625, 1.0],
            [1.02717, 1.11111],
            [0.826389, 0.980392],
            [0.954545, 1.0],
        ],
        "techch": [
            [1.37024, 1.22474],
            [1.14286, 1.0],
            [1.09619, 1.1272],
            [1.10873, 1.03514],
            [1.34012, 1.264910],
        ],
    }
    for col, w in want.items():
        np.testing.assert_allclose(ml[col].unstack("t").to_numpy(), np.array(w), atol=1e-5)


# ------------------------------------------------------------ independent dual formulation


def dual_ddf(Xr, Yr, Br, x, y, b, *, vrs: bool = False) -> float:
    """min v'x − u'y + w'b [+ ω]  s.t.  v'x_j − u'y_j + w'b_j [+ ω] ≥ 0 ∀j,  u'y + w'b = 1,
    v, u ≥ 0, w and ω free — the dual of max β with Xλ ≤ x, Yλ ≥ (1+β)y, Bλ = (1−β)b."""
    m, s, h = Xr.shape[1], Yr.shape[1], Br.shape[1]
    c = np.r_[x, -y, b, [1.0] if vrs else []]
    A_ub = -np.hstack([Xr, -Yr, Br] + ([np.ones((len(Xr), 1))] if vrs else []))
    A_eq = np.r_[np.zeros(m), y, b, [0.0] if vrs else []][None, :]
    bounds = [(0, None)] * (m + s) + [(None, None)] * (h + vrs)
    res = linprog(
        c, A_ub=A_ub, b_ub=np.zeros(len(Xr)), A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs"
    )
    assert res.status == 0, res.message
    return res.fun


@pytest.fixture
def random_panel() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for t in range(4):
        for i in range(12):
            k, l_ = rng.uniform(5, 20), rng.uniform(2, 8)
            y = (1.03**t) * k**0.4 * l_**0.6 * rng.uniform(0.6, 1.0)
            rows.append(
                {
                    "dmu": i,
                    "t": 2000 + t,
                    "k": k,
                    "l": l_,
                    "y": y,
                    "co2": y * rng.uniform(0.3, 0.9) * 0.97**t,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_weak_ddf_equals_dual(random_panel, rts):
    p = random_panel[random_panel["t"] == 2001].set_index("dmu")
    beta = directional_distance(p, ["k", "l"], ["y"], ["co2"], rts=rts)
    X, Y, B = p[["k", "l"]].to_numpy(), p[["y"]].to_numpy(), p[["co2"]].to_numpy()
    dual = [dual_ddf(X, Y, B, X[j], Y[j], B[j], vrs=rts == "vrs") for j in range(len(p))]
    np.testing.assert_allclose(beta, dual, atol=1e-8)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_global_ml_equals_dual_formulation(random_panel, rts):
    ml = malmquist_luenberger(
        random_panel, ["k", "l"], ["y"], ["co2"], entity="dmu", time="t", frontier="global", rts=rts
    )
    periods = sorted(random_panel["t"].unique())
    arrays = {t: g.sort_values("dmu") for t, g in random_panel.groupby("t")}
    pooled = random_panel.sort_values(["t", "dmu"])
    XG, YG, BG = (pooled[c].to_numpy() for c in (["k", "l"], ["y"], ["co2"]))

    def betas(ref_X, ref_Y, ref_B, g):
        X, Y, B = g[["k", "l"]].to_numpy(), g[["y"]].to_numpy(), g[["co2"]].to_numpy()
        return np.array(
            [
                dual_ddf(ref_X, ref_Y, ref_B, X[j], Y[j], B[j], vrs=rts == "vrs")
                for j in range(len(g))
            ]
        )

    glob = {t: betas(XG, YG, BG, arrays[t]) for t in periods}
    own = {
        t: betas(*(arrays[t][c].to_numpy() for c in (["k", "l"], ["y"], ["co2"])), arrays[t])
        for t in periods
    }
    for t0, t1 in itertools.pairwise(periods):
        got = ml.xs(t1, level="t")
        tfpch = (1 + glob[t0]) / (1 + glob[t1])
        effch = (1 + own[t0]) / (1 + own[t1])
        np.testing.assert_allclose(got["tfpch"], tfpch, atol=1e-8)
        np.testing.assert_allclose(got["effch"], effch, atol=1e-8)
        np.testing.assert_allclose(got["techch"], tfpch / effch, atol=1e-8)
