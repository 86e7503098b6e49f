"""IV-2SLS with absorbed effects against the closed form, recovery and diagnostics."""

import numpy as np
import pandas as pd
import pytest

from imtfp.core.fe import demean, group_codes
from imtfp.errors import ConfigError, EstimationError
from imtfp.models._common import lag_within
from imtfp.models.iv import iv_2sls, lagged_regression

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def endo():
    """x correlated with the error; w a valid instrument; true slope 1."""
    rng = np.random.default_rng(12)
    G, T = 31, 12
    e = np.repeat(np.arange(G), T)
    t = np.tile(np.arange(2011, 2011 + T), G)
    w = rng.normal(size=G * T)
    v = rng.normal(size=G * T)
    x = w + v + rng.normal(size=G)[e]
    y = (
        1.0 * x
        + 0.8 * v
        + rng.normal(size=G)[e]
        + rng.normal(size=T)[t - 2011]
        + rng.normal(size=G * T)
    )
    return pd.DataFrame({"province": [f"{i:02d}" for i in e], "year": t, "x": x, "w": w, "y": y})


def test_just_identified_equals_closed_form(endo):
    out = iv_2sls(endo, y="y", endog="x", instruments=["w"]).tidy()
    groups = [group_codes(endo.province), group_codes(endo.year)]
    yt, xt, wt = (demean(endo[c].to_numpy(), groups) for c in ("y", "x", "w"))
    b = float(wt @ yt / (wt @ xt))  # (Z'X)^{-1} Z'y
    est = out[(out.column == "2sls") & (out.term == "x")].iloc[0]
    assert est.estimate == pytest.approx(b, rel=1e-10)
    assert abs(est.estimate - 1.0) < 4 * est.se  # recovery of the true slope
    ols = out[(out.column == "ols") & (out.term == "x")].iloc[0]
    assert ols.estimate > 1.2  # OLS biased upward by construction (cov(x, error) > 0)


def test_diagnostics(endo):
    out = iv_2sls(endo, y="y", endog="x", instruments=["w"]).tidy().set_index("term")
    stats = out[out.column == "2sls"]
    # one endogenous regressor: KP rk Wald F (ivreg2: no small-sample factor, then (N-K)/N and
    # (G-1)/G) and the clustered first-stage F (factor G/(G-1)(N-1)/(N-K)) differ by (N-1)/N
    n = len(endo)
    kp, fs = stats.loc["kp_rk_wald_F", "estimate"], stats.loc["first_stage_F", "estimate"]
    assert kp == pytest.approx(fs * (n - 1) / n, rel=1e-10)
    assert stats.loc["first_stage_F", "estimate"] > 50
    assert stats.loc["endogeneity_test", "p"] < 0.01  # x is endogenous by construction


def test_errors(endo):
    with pytest.raises(EstimationError, match="underidentified"):
        iv_2sls(endo.assign(x2=endo.x**2), y="y", endog=["x", "x2"], instruments=["w"])
    for cov in ("driscoll_kraay", "twoway_clustered"):
        with pytest.raises(ConfigError, match=f"cov='{cov}'.*not supported by IV-2SLS"):
            iv_2sls(endo, y="y", endog="x", instruments=["w"], cov=cov)
    with pytest.raises(EstimationError, match=r"\['w2'\] are absorbed"):
        iv_2sls(endo.assign(w2=endo.year * 1.0), y="y", endog="x", instruments=["w2"])


def test_result_protocol(endo):
    fit = iv_2sls(endo, y="y", endog="x", instruments=["w"])
    assert list(fit.params.index) == ["x"] and fit.n_clusters == 31 and fit.df_inf == 30
    assert fit.pvalues["x"] < 0.01 and "Excluded instruments" in fit.summary()
    ci = fit.conf_int()
    assert ci.loc["x", "lower"] < 1.0 < ci.loc["x", "upper"]


def test_lag_within_respects_gaps():
    df = pd.DataFrame(
        {"p": ["a"] * 3 + ["b"] * 2, "t": [2010, 2011, 2013, 2010, 2011], "v": [1.0, 2, 3, 4, 5]}
    )
    lagged = lag_within(df, "v", entity="p", time="t", lag=1)
    assert np.isnan(lagged[0]) and lagged[1] == 1 and np.isnan(lagged[2]) and lagged[4] == 4


def test_lagged_regression(endo):
    fit = lagged_regression(endo, y="y", x="x", lag=1)
    out = fit.tidy(table="iv", column="lag1")
    assert out.term.tolist() == ["L1.x"] and out.nobs.iloc[0] == 31 * 11 and fit.nobs == 31 * 11
