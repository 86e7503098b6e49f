"""Invariants of the frontier kernel (:mod:`imtfp.core.frontier`) and recovery of a known truth.

* The analytic gradient equals a central-difference gradient of the log-likelihood at random
  parameter points of every model variant (ECF cross-section / BC92 panel with μ and η, BC95
  with and without Z intercept, uhet with μ, cost frontiers). Tolerance 1e-6 relative to
  max(1, |g|) (central differences with step 1e-6 are accurate to ~1e-8 here).
* A simulated BC92 panel with time-varying inefficiency recovers β, σ², γ and η within three
  standard errors (fixed seed).
* With γ → 0 the frontier collapses to OLS: at γ = 1e-10 and the OLS coefficients the
  log-likelihood equals the Gaussian OLS log-likelihood, to 1e-6.
"""

import numpy as np
import pandas as pd
import pytest

from imtfp.core import frontier as F
from imtfp.models.frontier import sfa

pytestmark = pytest.mark.reference


def _central_gradient(fun, x, h=1e-6):
    g = np.zeros_like(x)
    for j in range(len(x)):
        step = h * max(1.0, abs(x[j]))
        up, dn = x.copy(), x.copy()
        up[j] += step
        dn[j] -= step
        g[j] = (fun(up) - fun(dn)) / (2 * step)
    return g


def _design(rng, n_units=25, n_periods=6):
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(1, n_periods + 1), n_units)
    keep = rng.uniform(size=unit.size) > 0.1  # unbalanced
    unit, period = unit[keep], period[keep]
    n = unit.size
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    y = X @ [1.0, 0.5, 0.3] + rng.normal(scale=0.3, size=n)
    return unit, (period - n_periods).astype(float), X, y


VARIANTS = {
    "cross_section_truncated": dict(panel=False, truncated=True),
    "bc92_truncated_eta": dict(panel=True, truncated=True, time_varying=True),
    "bc92_cost": dict(panel=True, truncated=True, time_varying=True, cost=True),
    "bc95": dict(panel=False, Z=2),
    "bc95_intercept": dict(panel=False, Z=3),
    "uhet_truncated": dict(panel=False, W=2, truncated=True),
    "uhet_cost": dict(panel=False, W=3, cost=True),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_analytic_gradient_matches_numerical(name):
    spec = dict(VARIANTS[name])
    rng = np.random.default_rng(sorted(VARIANTS).index(name))
    unit, tau, X, y = _design(rng)
    n = len(y)
    panel = spec.pop("panel")
    m, p = spec.pop("Z", 0), spec.pop("W", 0)
    Z = rng.normal(size=(n, m)) if m else None
    if Z is not None and m == 3:
        Z[:, 0] = 1.0
    W = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))]) if p else None
    d = F.FrontierData(
        y=y,
        X=X,
        unit=unit if panel else np.arange(n),
        tau=tau if panel else np.zeros(n),
        Z=Z,
        W=W,
        **spec,
    )
    L = d.layout()
    for _ in range(4):
        theta = np.zeros(d.n_params)
        theta[L["beta"]] = [1.0, 0.5, 0.3] + 0.2 * rng.normal(size=3)
        if d.uhet:
            theta[L["delta_u"]] = rng.normal(-1.5, 0.4, size=d.p)
            theta[L["lnsig2v"]] = rng.normal(-2.5, 0.3)
        else:
            theta[L["sigmaSq"]] = rng.uniform(0.05, 1.0)
            theta[L["gamma"]] = rng.uniform(0.05, 0.95)
            theta[L["delta"]] = rng.normal(0, 0.3, size=d.m)
            theta[L["eta"]] = rng.normal(0, 0.1, size=L["eta"].stop - L["eta"].start)
        theta[L["mu"]] = rng.normal(0, 0.5, size=L["mu"].stop - L["mu"].start)
        analytic = F.score(theta, d)
        numeric = _central_gradient(lambda t: F.loglik(t, d), theta)
        np.testing.assert_allclose(
            analytic, numeric, rtol=0, atol=1e-6 * max(1, np.abs(analytic).max())
        )


def test_bc92_time_varying_recovers_truth():
    rng = np.random.default_rng(7)
    n_units, n_periods = 300, 8
    entity = np.repeat(np.arange(n_units), n_periods)
    year = np.tile(np.arange(2001, 2001 + n_periods), n_units)
    x1, x2 = rng.normal(size=(2, entity.size))
    sigma_u, sigma_v, eta = 0.4, 0.2, 0.05
    u_i = np.abs(rng.normal(size=n_units)) * sigma_u
    u = np.exp(-eta * (year - year.max())) * u_i[entity]
    y = 1.0 + 0.6 * x1 + 0.3 * x2 + rng.normal(scale=sigma_v, size=entity.size) - u
    data = pd.DataFrame({"id": entity, "year": year, "y": y, "x1": x1, "x2": x2})
    fit = sfa(data, "y ~ x1 + x2", entity="id", time="year", time_varying=True)
    s2 = sigma_u**2 + sigma_v**2
    truth = {
        "(Intercept)": 1.0,
        "x1": 0.6,
        "x2": 0.3,
        "sigmaSq": s2,
        "gamma": sigma_u**2 / s2,
        "eta": eta,
    }
    for term, value in truth.items():
        assert abs(fit.params[term] - value) < 3 * fit.bse[term], term
    true_te = np.exp(-u)
    assert np.corrcoef(fit.efficiency, true_te)[0, 1] > 0.9


def test_gamma_to_zero_is_ols():
    rng = np.random.default_rng(3)
    n = 200
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = X @ [1.0, 2.0] + rng.normal(size=n)
    d = F.FrontierData(y=y, X=X, unit=np.arange(n), tau=np.zeros(n))
    ols = F.ols_start(d)
    gamma = 1e-10
    theta = np.r_[ols.beta, ols.sigma2_ml, gamma]
    assert F.loglik(theta, d) == pytest.approx(ols.loglik, abs=1e-6)
