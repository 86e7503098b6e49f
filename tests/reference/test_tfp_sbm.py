"""SBM (Tone 2001, 2004) against a published example and an independent algorithm.

1. Without bad outputs Tone's SBM equals the enhanced Russell graph measure (Pastor, Ruiz &
   Sirvent 1999). Published values: DataEnvelopmentAnalysis.jl, test/deaerg.jl (8 DMUs,
   1 input, 1 output; the one-input/one-output example of Cooper, Seiford & Tone's DEA
   textbook): CRS and VRS efficiencies, and VRS slacks (unique there; the CRS slacks have
   alternative optima and are not compared). Printed to ≥ 4 digits; the package's test uses
   ≈ (rtol 1.5e-8) on the 10-digit values: tolerance 1e-8, and 1e-3 for the 4-digit 2.647.
2. With bad outputs: Dinkelbach's (1967) parametric algorithm applied to the fractional
   programme itself (a sequence of LPs in the original variables, no Charnes–Cooper
   transformation) on seeded random data. Tolerance 1e-8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from imtfp.tfp import sbm, sbm_details

pytestmark = pytest.mark.reference


@pytest.fixture
def erg() -> pd.DataFrame:
    return pd.DataFrame(
        {"x": [2, 4, 8, 12, 6, 14, 14, 9.412], "y": [1, 5, 8, 9, 3, 7, 9, 2.353]},
        index=list("ABCDEFGH"),
    )


def test_erg_crs(erg):
    rho = sbm(erg, ["x"], ["y"], rts="crs")
    np.testing.assert_allclose(
        rho, [0.4, 1.0, 0.8, 0.6, 0.4, 0.4, 0.514285714285650175, 0.2], atol=1e-8
    )


def test_erg_vrs(erg):
    d = sbm_details(erg, ["x"], ["y"], rts="vrs")
    np.testing.assert_allclose(
        d.efficiency,
        [1.0, 1.0, 1.0, 1.0, 0.4, 0.4761904761904763, 0.8571428571428572, 0.2],
        atol=1e-8,
    )
    np.testing.assert_allclose(d.slacks["x"], [0, 0, 0, 0, 2.0, 22 / 3, 2, 5.412], atol=1e-8)
    np.testing.assert_allclose(d.slacks["y"], [0, 0, 0, 0, 2.0, 0, 0, 2.647], atol=1e-3)


def dinkelbach_sbm(X, Y, B, o, *, vrs: bool) -> float:
    """min N(z)/D(z) over z = (λ, s⁻, sᵍ, sᵇ) ≥ 0 with x_o = Xλ + s⁻, y_o = Yλ − sᵍ,
    b_o = Bλ + sᵇ [1'λ = 1]; N = 1 − mean(s⁻/x_o), D = 1 + (Σsᵍ/y_o + Σsᵇ/b_o)/(s+h).
    Iterates q ← N(z_q)/D(z_q) with z_q = argmin N − qD until min N − qD = 0."""
    n, m = X.shape
    s, h = Y.shape[1], B.shape[1]
    x, y, b = X[o], Y[o], B[o]
    A_eq = np.block(
        [
            [X.T, np.eye(m), np.zeros((m, s)), np.zeros((m, h))],
            [Y.T, np.zeros((s, m)), -np.eye(s), np.zeros((s, h))],
            [B.T, np.zeros((h, m)), np.zeros((h, s)), np.eye(h)],
        ]
    )
    b_eq = np.r_[x, y, b]
    if vrs:
        A_eq = np.vstack([A_eq, np.r_[np.ones(n), np.zeros(m + s + h)]])
        b_eq = np.r_[b_eq, 1.0]
    dn = np.r_[np.zeros(n), -1.0 / (m * x), np.zeros(s + h)]  # N = 1 + dn'z
    dd = np.r_[np.zeros(n + m), 1.0 / ((s + h) * y), 1.0 / ((s + h) * b)]  # D = 1 + dd'z
    q = 1.0
    for _ in range(100):
        res = linprog(dn - q * dd, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert res.status == 0, res.message
        z = res.x
        value = (1 + dn @ z) - q * (1 + dd @ z)
        q = (1 + dn @ z) / (1 + dd @ z)
        if value > -1e-13:
            return q
    raise AssertionError("Dinkelbach did not converge")


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_sbm_with_bad_outputs_equals_dinkelbach(rts):
    rng = np.random.default_rng(11)
    n = 15
    df = pd.DataFrame({"k": rng.uniform(5, 20, n), "l": rng.uniform(2, 8, n)})
    df["y"] = df["k"] ** 0.4 * df["l"] ** 0.6 * rng.uniform(0.5, 1.0, n)
    df["gdp2"] = df["y"] * rng.uniform(0.5, 1.5, n)
    df["co2"] = df["y"] * rng.uniform(0.3, 1.0, n)
    df["so2"] = df["y"] * rng.uniform(0.1, 0.4, n)
    rho = sbm(df, ["k", "l"], ["y", "gdp2"], ["co2", "so2"], rts=rts)
    X, Y, B = df[["k", "l"]].to_numpy(), df[["y", "gdp2"]].to_numpy(), df[["co2", "so2"]].to_numpy()
    expected = [dinkelbach_sbm(X, Y, B, o, vrs=rts == "vrs") for o in range(n)]
    np.testing.assert_allclose(rho, expected, atol=1e-8)
