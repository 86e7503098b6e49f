"""SBM, DDF and Malmquist–Luenberger invariants and error paths."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp import dea, directional_distance, malmquist_luenberger, sbm, sbm_details

pytestmark = pytest.mark.unit

FRONTIERS = ["global", "contemporaneous", "sequential"]


def _cross(seed: int, n: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {"k": rng.uniform(5, 20, n), "l": rng.uniform(2, 8, n)}, index=[f"p{i}" for i in range(n)]
    )
    df["y"] = df["k"] ** 0.4 * df["l"] ** 0.6 * rng.uniform(0.6, 1.0, n)
    df["co2"] = df["y"] * rng.uniform(0.3, 0.9, n)
    return df


def _panel(seed: int, periods: int = 3, same: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = _cross(seed)
    frames = []
    for t in range(periods):
        f = base if same else base * rng.uniform(0.95, 1.05, base.shape)
        frames.append(f.assign(dmu=base.index, year=2010 + t).reset_index(drop=True))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("seed", [1, 2])
def test_sbm_bounded_by_radial_ccr(seed):
    # Tone (2001): the SBM score never exceeds the CCR (CRS radial) score
    df = _cross(seed)
    rho = sbm(df, ["k", "l"], ["y"], rts="crs")
    theta = dea(df, ["k", "l"], ["y"], rts="crs")
    assert ((rho > 0) & (rho <= theta + 1e-9)).all()
    assert np.isclose(rho.max(), 1.0)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_sbm_with_bads_in_unit_interval_and_slacks_consistent(rts):
    df = _cross(3)
    d = sbm_details(df, ["k", "l"], ["y"], ["co2"], rts=rts)
    assert ((d.efficiency > 0) & (d.efficiency <= 1)).all()
    # reconstruct ρ from the slacks: (1 − mean(s⁻/x)) / (1 + mean over goods and bads)
    s = d.slacks
    num = 1 - ((s["k"] / df["k"]) + (s["l"] / df["l"])) / 2
    den = 1 + ((s["y"] / df["y"]) + (s["co2"] / df["co2"])) / 2
    np.testing.assert_allclose(d.efficiency, num / den, atol=1e-9)
    # and the projection is spanned by the λ-weighted units
    lam = d.lambdas.to_numpy()
    np.testing.assert_allclose(lam @ df["k"].to_numpy() + s["k"], df["k"], atol=1e-7)
    np.testing.assert_allclose(lam @ df["co2"].to_numpy() + s["co2"], df["co2"], atol=1e-7)


def test_ddf_nonnegative_and_vrs_below_crs():
    df = _cross(4)
    crs = directional_distance(df, ["k", "l"], ["y"], ["co2"], rts="crs")
    vrs = directional_distance(df, ["k", "l"], ["y"], ["co2"], rts="vrs")
    assert (crs >= 0).all() and np.isclose(crs.min(), 0.0)
    assert (vrs <= crs + 1e-9).all()
    strong = directional_distance(df, ["k", "l"], ["y"], ["co2"], bad_disposability="strong")
    assert (strong >= crs - 1e-9).all()  # a larger technology is never closer


@pytest.mark.parametrize("frontier", FRONTIERS)
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_ml_identities(frontier, rts):
    # cross-period DDFs with weakly disposable bads are often infeasible on the
    # contemporaneous and sequential frontiers; "missing" reports them as gtfpch does
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ml = malmquist_luenberger(
            _panel(5),
            ["k", "l"],
            ["y"],
            ["co2"],
            entity="dmu",
            time="year",
            frontier=frontier,
            rts=rts,
            on_infeasible="missing",
        )
    ok = ml["tfpch"].notna()
    assert ok.any()
    assert (not ok.all()) == bool(caught)  # NaN only with a warning that lists them
    np.testing.assert_allclose(ml["tfpch"], ml["effch"] * ml["techch"], rtol=1e-12)
    level = ml["tfpch"].groupby(level="dmu").cumprod(skipna=False)
    np.testing.assert_allclose(ml["tfp_level"], level, rtol=1e-12)
    assert list(ml.columns) == ["tfpch", "effch", "techch", "tfp_level"]
    assert ml.index.names == ["dmu", "year"] and len(ml) == 15 * 2
    if frontier == "global":  # always feasible
        assert np.isfinite(ml.to_numpy()).all() and not caught


@pytest.mark.parametrize("frontier", FRONTIERS)
def test_ml_is_one_when_nothing_changes(frontier):
    ml = malmquist_luenberger(
        _panel(6, same=True),
        ["k", "l"],
        ["y"],
        ["co2"],
        entity="dmu",
        time="year",
        frontier=frontier,
    )
    np.testing.assert_allclose(ml[["tfpch", "effch", "techch"]], 1.0, atol=1e-9)


def test_infeasible_cross_period_ddf_names_dmu_and_period():
    # DataEnvelopmentAnalysis.jl example; with weakly disposable CO2 the period-1 unit 1
    # (y = 5, b = 5) cannot be projected on the period-2 technology (max b there is 4)
    Y = [[7, 5, 1, 3, 4], [8, 5.5, 2, 2, 4]]
    B = [[2, 5, 3, 3, 2], [1, 3, 2, 4, 1]]
    p = pd.DataFrame(
        [
            {"dmu": i, "t": t, "x": 1.0, "y": Y[t][i], "b": B[t][i]}
            for t in range(2)
            for i in range(5)
        ]
    )
    with pytest.raises(EstimationError, match="DMU 1, period 0, against the contemporaneous"):
        malmquist_luenberger(
            p, ["x"], ["y"], ["b"], entity="dmu", time="t", frontier="contemporaneous"
        )
    ml = malmquist_luenberger(p, ["x"], ["y"], ["b"], entity="dmu", time="t")  # global: feasible
    assert np.isfinite(ml.to_numpy()).all()


def test_green_option_errors():
    p = _panel(1)
    with pytest.raises(ConfigError, match="bad_disposability='free'"):
        malmquist_luenberger(
            p, ["k"], ["y"], ["co2"], entity="dmu", time="year", bad_disposability="free"
        )
    with pytest.raises(ConfigError, match="frontier='window'"):
        malmquist_luenberger(p, ["k"], ["y"], ["co2"], entity="dmu", time="year", frontier="window")
    with pytest.raises(ConfigError, match="bad_outputs"):
        malmquist_luenberger(p, ["k"], ["y"], [], entity="dmu", time="year")
    with pytest.raises(ConfigError, match="rts='nirs'"):
        sbm(_cross(1), ["k"], ["y"], rts="nirs")
    bad = _cross(1)
    bad.loc["p2", "co2"] = -3.0
    with pytest.raises(EstimationError, match="DMU p2 co2=-3.0"):
        sbm(bad, ["k"], ["y"], ["co2"])
