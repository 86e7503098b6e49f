"""Unit tests of the stochastic frontier API (:mod:`imtfp.models.frontier`) and its stage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.models.frontier import estimate_sfa, sfa
from imtfp.models.registry import model_spec
from imtfp.tidy import TIDY_COLUMNS

pytestmark = pytest.mark.unit


def simulate_frontier(seed: int = 0, G: int = 31, T: int = 10) -> pd.DataFrame:
    """Cobb–Douglas production frontier panel: ln Y = 1 + 0.4 ln K + 0.5 ln L + 0.01 t + v - u."""
    rng = np.random.default_rng(seed)
    prov = np.repeat(np.arange(G), T)
    year = np.tile(np.arange(2011, 2011 + T), G)
    lk = rng.normal(size=G)[prov] + 0.05 * (year - 2011) + rng.normal(0, 0.1, G * T)
    ll = rng.normal(size=G)[prov] + rng.normal(0, 0.1, G * T)
    z = rng.uniform(size=G * T)
    u = np.abs(rng.normal(0.2 + 0.5 * z, 0.2))
    ly = 1 + 0.4 * lk + 0.5 * ll + 0.01 * (year - 2011) + rng.normal(0, 0.1, G * T) - u
    return pd.DataFrame(
        {
            "province": [f"{11 + p:02d}" for p in prov],
            "year": year,
            "output": np.exp(ly),
            "capital": np.exp(lk),
            "labour": np.exp(ll),
            "ly": ly,
            "lk": lk,
            "ll": ll,
            "z": z,
        }
    )


@pytest.fixture(scope="module")
def panel():
    return simulate_frontier()


def test_names_and_tidy(panel):
    fit = sfa(panel, "ly ~ lk + ll", inefficiency=["z"])
    assert list(fit.params.index) == [
        "(Intercept)",
        "lk",
        "ll",
        "Z_(Intercept)",
        "Z_z",
        "sigmaSq",
        "gamma",
    ]
    tidy = fit.tidy(column="(1)")
    assert list(tidy.columns) == [*TIDY_COLUMNS, "converged", "gradient_norm"]
    assert (tidy["converged"] == fit.converged).all()
    assert (tidy["gradient_norm"] == fit.fit.grad_norm).all()
    assert tidy["term"].tolist()[-4:] == [
        "mean_efficiency",
        "log_likelihood",
        "lr_statistic",
        "lr_df",
    ]
    assert (tidy["table"] == "sfa").all() and (tidy["column"] == "(1)").all()
    assert tidy.set_index("term").loc["log_likelihood", "estimate"] == pytest.approx(fit.loglik)
    assert "efficiency effects" in fit.summary()
    assert fit.params["Z_z"] > 0  # u rises with z in the simulation


def test_panel_names(panel):
    fit = sfa(
        panel,
        "ly ~ lk + ll",
        entity="province",
        time="year",
        distribution="truncated-normal",
        time_varying=True,
    )
    assert fit.params.index[-4:].tolist() == ["sigmaSq", "gamma", "mu", "eta"]
    assert fit.n_entities == 31 and fit.n_periods == 10
    uh = sfa(panel, "ly ~ lk + ll", uhet=["z"])
    assert uh.params.index[-3:].tolist() == ["Zu_(Intercept)", "Zu_z", "Zv_(Intercept)"]


def test_cost_frontier_mirrors_production(panel):
    prod = sfa(panel, "ly ~ lk + ll")
    mirrored = panel.assign(ly=-panel["ly"], lk=-panel["lk"], ll=-panel["ll"])
    cost = sfa(mirrored, "ly ~ lk + ll", cost=True)
    assert cost.loglik == pytest.approx(prod.loglik, abs=1e-8)
    # -y = -b0 + b1 (-x1) + b2 (-x2) - v + u: the intercept changes sign, the slopes do not
    assert cost.params["(Intercept)"] == pytest.approx(-prod.params["(Intercept)"], abs=1e-6)
    np.testing.assert_allclose(cost.params[1:3], prod.params[1:3], atol=1e-6)
    np.testing.assert_allclose(cost.params[3:], prod.params[3:], atol=1e-6)
    np.testing.assert_allclose(cost.efficiency, prod.efficiency, atol=1e-7)


def test_missing_rows_dropped_and_index_kept(panel):
    data = panel.copy()
    data.loc[[3, 7], "lk"] = np.nan
    data.loc[5, "ll"] = -np.inf
    fit = sfa(data, "ly ~ lk + ll", entity="province", time="year")
    assert fit.nobs == len(data) - 3
    assert not fit.efficiency.index.isin([3, 5, 7]).any()
    assert fit.efficiency.between(0, 1).all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"distribution": "exponential"},
        {"inefficiency": ["z"], "uhet": ["z"]},
        {"time_varying": True},
        {"time_varying": True, "entity": "province", "time": "year", "inefficiency": ["z"]},
        {"inefficiency": [], "z_intercept": False},
        {"start": [1.0, 2.0]},
    ],
)
def test_contradictory_options_raise(panel, kwargs):
    with pytest.raises(ConfigError):
        sfa(panel, "ly ~ lk + ll", **kwargs)


def test_formula_and_data_errors(panel):
    with pytest.raises(ConfigError):
        sfa(panel, "ly ~ lk + ll | province")
    with pytest.raises(MissingColumnError):
        sfa(panel, "ly ~ lk + nope")
    with pytest.raises(EstimationError):
        sfa(pd.concat([panel, panel.iloc[:1]]), "ly ~ lk + ll", entity="province", time="year")


def test_stage_columns_and_rows(panel):
    spec = {
        "entity": "province",
        "time": "year",
        "sfa": {
            "output": "output",
            "inputs": ["capital", "labour"],
            "columns": [
                {"name": "bc92", "time_varying": True},
                {"name": "bc95", "inefficiency": ["z"]},
                {"name": "translog", "form": "translog"},
            ],
        },
    }
    out = estimate_sfa(panel, model_spec(spec), seed=1)
    assert list(out.columns) == [*TIDY_COLUMNS, "converged", "gradient_norm"]
    assert (out["table"] == "sfa").all()
    assert out["column"].unique().tolist() == ["bc92", "bc95", "translog"]
    bc92 = out[out["column"] == "bc92"].set_index("term")
    assert {"ln_capital", "ln_labour", "t", "sigmaSq", "gamma", "eta"} <= set(bc92.index)
    assert {"mean_efficiency", "log_likelihood", "lr_statistic", "lr_df"} <= set(bc92.index)
    assert "Z_z" in set(out.loc[out["column"] == "bc95", "term"])
    assert "ln_capital_x_ln_labour" in set(out.loc[out["column"] == "translog", "term"])
    assert (out["dep_var"] == "ln_output").all() and (out["nobs"] == 310).all()


def test_stage_rejects_unknown_keys(panel):
    with pytest.raises(ConfigError):
        estimate_sfa(
            panel,
            model_spec({"sfa": {"output": "output", "inputs": ["capital"], "bad": 1}}),
            seed=0,
        )
    with pytest.raises(ConfigError):
        estimate_sfa(panel, model_spec({"sfa": {"inputs": ["capital"]}}), seed=0)
