"""Covariance kernels against independent implementations (statsmodels, linearmodels)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels import PanelOLS

from imtfp.core.fe import demean, group_codes
from imtfp.core.vcov import (
    InferenceLimits,
    absorbed_dof,
    cluster_factor,
    dk_default_bandwidth,
    is_nested,
    vcov_cluster,
    vcov_driscoll_kraay,
    vcov_robust,
    vcov_twoway_cluster,
    vcov_unadjusted,
)
from imtfp.errors import EstimationError

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def sim():
    rng = np.random.default_rng(7)
    G, T = 20, 9
    e = np.repeat(np.arange(G), T)
    t = np.tile(np.arange(T), G)
    X = rng.normal(size=(G * T, 2)) + rng.normal(size=G)[e][:, None]
    y = (
        X @ [1.0, -0.5]
        + rng.normal(size=G)[e]
        + rng.normal(size=G * T) * (1 + 0.5 * np.abs(X[:, 0]))
    )
    df = pd.DataFrame({"e": e, "t": t, "x1": X[:, 0], "x2": X[:, 1], "y": y}).set_index(["e", "t"])
    Xt = demean(X, [group_codes(e)])
    yt = demean(y, [group_codes(e)])
    A = np.linalg.inv(Xt.T @ Xt)
    u = yt - Xt @ (A @ Xt.T @ yt)
    return dict(df=df, e=e, t=t, Xt=Xt, u=u, A=A, n=G * T, G=G, T=T)


def test_cluster_matches_linearmodels_stata_convention(sim):
    # linearmodels documents debiased=True + group_debias=True as Stata's xtreg, fe vce(cluster)
    res = PanelOLS(sim["df"].y, sim["df"][["x1", "x2"]], entity_effects=True).fit(
        cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True
    )
    V = vcov_cluster(sim["Xt"], sim["u"], sim["A"], sim["e"], k_df=2)
    np.testing.assert_allclose(V, res.cov.to_numpy(), rtol=1e-10)


def test_driscoll_kraay_matches_linearmodels(sim):
    res = PanelOLS(sim["df"].y, sim["df"][["x1", "x2"]], entity_effects=True).fit(
        cov_type="kernel", debiased=True
    )
    k_df = 2 + 1 + absorbed_dof([group_codes(sim["e"])])  # slopes, constant, G-1 dummies
    forced = InferenceLimits(dk_force=True)
    with pytest.warns(UserWarning, match="T = "):
        V = vcov_driscoll_kraay(sim["Xt"], sim["u"], sim["A"], sim["t"], k_df=k_df, limits=forced)
    np.testing.assert_allclose(V, res.cov.to_numpy(), rtol=1e-10)


def test_twoway_unadjusted_matches_linearmodels(sim):
    clusters = pd.DataFrame({"a": sim["e"], "b": sim["t"]}, index=sim["df"].index)
    res = PanelOLS(sim["df"].y, sim["df"][["x1", "x2"]], entity_effects=True).fit(
        cov_type="clustered",
        clusters=clusters,
        debiased=False,
        group_debias=False,
        auto_df=False,
        count_effects=False,
    )
    V = vcov_twoway_cluster(sim["Xt"], sim["u"], sim["A"], sim["e"], sim["t"], k_df=2, adjust=False)
    np.testing.assert_allclose(V, res.cov.to_numpy(), rtol=1e-10)


def test_robust_and_unadjusted_match_statsmodels():
    rng = np.random.default_rng(3)
    X = sm.add_constant(rng.normal(size=(80, 2)))
    y = X @ [1, 2, 3] + rng.normal(size=80) * (1 + X[:, 1] ** 2)
    res = sm.OLS(y, X).fit()
    A = np.linalg.inv(X.T @ X)
    np.testing.assert_allclose(
        vcov_robust(X, res.resid, A, k_df=3),
        res.get_robustcov_results("HC1").cov_params(),
        rtol=1e-10,
    )
    np.testing.assert_allclose(vcov_unadjusted(A, res.resid, 77), res.cov_params(), rtol=1e-10)


def test_factor_and_errors():
    assert cluster_factor(200, 3, 10) == pytest.approx(10 / 9 * 199 / 197)
    with pytest.raises(EstimationError):
        cluster_factor(200, 3, 1)
    with pytest.raises(EstimationError):
        cluster_factor(3, 3, 2)
    assert dk_default_bandwidth(12) == 2


def test_nesting_and_absorbed_dof():
    prov = np.repeat(np.arange(6), 4)
    region = prov // 3
    year = np.tile(np.arange(4), 6)
    assert is_nested(prov, region) and not is_nested(region, prov)
    assert absorbed_dof([prov, year]) == 5 + 3
    assert absorbed_dof([prov, year], [prov]) == 3  # province dummies nested in province clusters
    assert absorbed_dof([prov, year], [region]) == 3
