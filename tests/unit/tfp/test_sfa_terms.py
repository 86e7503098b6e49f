"""Unit tests of the translog builder and the SFA-TFP frame (:mod:`imtfp.tfp.sfa`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp.sfa import sfa_tfp, sfa_tfp_level, sfa_tfp_options, translog

pytestmark = pytest.mark.unit


def frame():
    return pd.DataFrame(
        {
            "year": [2001, 2002, 2003],
            "Y": [2.0, 3.0, 4.0],
            "K": [1.0, 2.0, 5.0],
            "L": [3.0, 1.0, 2.0],
        }
    )


def test_translog_columns_and_values():
    tl = translog(frame(), "Y", ["K", "L"], time="year")
    assert tl.columns.tolist() == [
        "ln_Y",
        "ln_K",
        "ln_L",
        "ln_K_sq",
        "ln_L_sq",
        "ln_K_x_ln_L",
        "t",
        "t_sq",
        "ln_K_x_t",
        "ln_L_x_t",
    ]
    k, ll, t = np.log([1.0, 2.0, 5.0]), np.log([3.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(tl["ln_K_sq"], 0.5 * k**2)
    np.testing.assert_allclose(tl["ln_K_x_ln_L"], k * ll)
    np.testing.assert_allclose(tl["t_sq"], 0.5 * t**2)
    np.testing.assert_allclose(tl["ln_L_x_t"], ll * t)
    cd = translog(frame(), "Y", ["K", "L"], time="year", form="cobb_douglas")
    assert cd.columns.tolist() == ["ln_Y", "ln_K", "ln_L", "t"]
    raw = translog(frame(), "Y", ["K"], form="translog", log=False)
    assert raw.columns.tolist() == ["Y", "K", "K_sq"]


def test_translog_errors():
    bad = frame().assign(K=[1.0, 0.0, 2.0])
    with pytest.raises(EstimationError):
        translog(bad, "Y", ["K", "L"])
    with pytest.raises(ConfigError):
        translog(frame(), "Y", ["K"], form="ces")
    with pytest.raises(ConfigError):
        translog(frame(), "Y", [])


def _panel(seed=0, G=30, T=8):
    rng = np.random.default_rng(seed)
    e = np.repeat(np.arange(G), T)
    yr = np.tile(np.arange(2001, 2001 + T), G)
    lk = rng.normal(size=G)[e] + 0.05 * (yr - 2001) + rng.normal(0, 0.05, G * T)
    ll = rng.normal(size=G)[e] + rng.normal(0, 0.05, G * T)
    u = np.exp(-0.05 * (yr - yr.max())) * np.abs(rng.normal(0, 0.3, G))[e]
    ly = 1 + 0.5 * lk + 0.5 * ll + 0.02 * (yr - 2000) + rng.normal(0, 0.1, G * T) - u
    return pd.DataFrame({"id": e, "year": yr, "Y": np.exp(ly), "K": np.exp(lk), "L": np.exp(ll)})


def test_sfa_tfp_gap_and_duplicates():
    data = _panel()
    gap = data[~((data["id"] == 0) & (data["year"] == 2004))]
    out = sfa_tfp(gap, "Y", ["K", "L"], entity="id", time="year", form="cobb_douglas")
    first = out[out["id"] == 0].set_index("year")
    assert np.isnan(first.loc[2005, "sfa_tfpch"])  # no 2004: the change cannot be measured
    assert first.loc[2005:, "tfp_sfa"].isna().all()  # and the index chain is broken after it
    assert first.loc[:2003, "tfp_sfa"].notna().all()
    with pytest.raises(EstimationError):
        sfa_tfp(pd.concat([data, data.iloc[:1]]), "Y", ["K", "L"], entity="id", time="year")
    with pytest.raises(ConfigError):
        sfa_tfp(data, "Y", ["K", "L"], entity="id", time="year", distribution="gamma")


def test_translog_on_the_demo_panel_converges():
    """Raw-log translog terms (squares ~ 100, trend interactions) are ill-conditioned; the
    kernel's standardisation must still reach a maximum (regression test)."""
    from imtfp.demo import simulate

    sim = simulate(1)
    keys = ["province", "year"]
    data = sim["latent"].merge(sim["wide"][[*keys, "employment"]], on=keys)
    out = sfa_tfp(data, "gdp_real", ["capital", "employment"], entity="province", time="year")
    assert len(out) == len(data) and out["tfp_sfa"].notna().all()
    assert out["sfa_te"].between(0, 1).all()


def test_sfa_tfp_level_is_on_the_rows_of_the_frame():
    """The pipeline's variant: the level of sfa_tfp, aligned with the (unsorted) rows given."""
    data = _panel().sample(frac=1.0, random_state=0)
    level = sfa_tfp_level(
        data, y="Y", capital="K", labour="L", entity="id", time="year", form="cobb_douglas"
    )
    full = sfa_tfp(data, "Y", ["K", "L"], entity="id", time="year", form="cobb_douglas")
    expected = full.set_index(["id", "year"])["tfp_sfa"].loc[list(zip(data["id"], data["year"]))]
    assert level.index.equals(data.index) and level.name == "tfp_sfa"
    np.testing.assert_array_equal(level.to_numpy(), expected.to_numpy())
    first = data["year"] == data.groupby("id")["year"].transform("min")
    assert (level[first] == 1.0).all()


def test_sfa_tfp_options():
    assert sfa_tfp_options(None) == {
        "form": "translog",
        "distribution": "half-normal",
        "time_varying": True,
    }
    assert sfa_tfp_options({"form": "cobb_douglas"})["form"] == "cobb_douglas"
    with pytest.raises(ConfigError, match="tfp.sfa: unknown keys"):
        sfa_tfp_options({"shape": "translog"})
