"""Any number of absorbed effects and interactions (``firm + year + industry^year``).

Sources of the reference numbers, computed in this file on the same simulated data:

* linearmodels 7.1 ``AbsorbingLS`` (absorbing the three effects as categoricals; an
  independent implementation, LSMR on the dummies): coefficients, tolerance 1e-7 absolute
  (its iterative solver stops at about 1e-8 relative);
* least squares on explicit dummy matrices (numpy ``lstsq``, an independent second
  implementation of the definition): coefficients to 1e-9 and clustered / robust /
  unadjusted standard errors to 1e-8 relative, with K counted by fixest's rule
  (``ssc(fixef.K = "nested")``): slopes + constant + Σ_j (G_j − 1) over the effects *not*
  nested in the cluster variable;
* pyfixest 0.60 ``feols`` (the ``bench`` extra; skipped when absent): coefficients to 1e-10,
  standard errors to 1e-8 relative, and the singleton count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv.absorbing import AbsorbingLS

from imtfp.core.fe import is_nested
from imtfp.errors import ConfigError
from imtfp.models.formula import feiv, feols, parse_formula
from imtfp.models.panel import twfe

pytestmark = pytest.mark.reference
FORMULA = "y ~ x1 + x2 | firm + year + industry^year"


def _firms(seed: int = 1, F: int = 150, T: int = 8, I: int = 6) -> pd.DataFrame:
    """Firms in industries (firm nested in industry), 80 % of firm-years kept, a few singletons."""
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(F), T)
    year = np.tile(np.arange(2010, 2010 + T), F)
    industry = rng.integers(0, I, F)[firm]
    keep = rng.random(F * T) < 0.8
    keep[firm == 0] = np.arange(T) == 0  # firm 0 is a singleton
    df = pd.DataFrame({"firm": firm, "year": year, "industry": industry})[keep]
    df = df.reset_index(drop=True)
    n = len(df)
    a = rng.normal(size=F)[df["firm"]]
    g = rng.normal(size=(I, T))[df["industry"], df["year"] - 2010]
    df["x1"] = rng.normal(size=n) + a + g
    df["x2"] = rng.normal(size=n) + 0.5 * g
    df["z"] = df["x1"] + rng.normal(size=n)
    df["y"] = 0.5 * df["x1"] - 0.2 * df["x2"] + a + g + rng.normal(size=n)
    return df


def _dummy_fit(df: pd.DataFrame, xs: list[str], effects: list[np.ndarray], cluster, cov):
    """Coefficients and SEs by explicit dummies; K by fixest's nested rule."""
    D = np.column_stack([np.eye(int(g.max()) + 1)[g] for g in effects])
    X = df[xs].to_numpy()
    Z = np.column_stack([X, D])
    coef = np.linalg.lstsq(Z, df["y"].to_numpy(), rcond=None)[0]
    e = df["y"].to_numpy() - Z @ coef
    Xt = X - D @ np.linalg.lstsq(D, X, rcond=None)[0]  # FWL: the slopes' covariance
    A = np.linalg.inv(Xt.T @ Xt)
    n = len(df)
    nested = [cluster is not None and is_nested(g, cluster) for g in effects]
    k = len(xs) + 1 + sum(int(g.max()) for g, nest in zip(effects, nested) if not nest)
    if cov == "unadjusted":
        V = A * (e @ e) / (n - k)
    elif cov == "robust":
        s = Xt * e[:, None]
        V = A @ (s.T @ s) @ A * n / (n - k)
    else:
        G = int(cluster.max()) + 1
        s = np.array([(Xt[cluster == c] * e[cluster == c, None]).sum(0) for c in range(G)])
        V = A @ (s.T @ s) @ A * G / (G - 1) * (n - 1) / (n - k)
    return coef[: len(xs)], np.sqrt(np.diag(V))


def _codes(df, cols):
    key = df[cols].astype(str).agg("_".join, axis=1)
    return pd.factorize(key, sort=True)[0]


@pytest.fixture(scope="module")
def data():
    df = _firms()
    fit = twfe(df, FORMULA)  # drops the singleton firm 0
    return df.iloc[fit.panel.rows].reset_index(drop=True), df, fit


def test_formula_parses_interacted_effects():
    assert parse_formula(FORMULA) == ("y", ["x1", "x2"], ["firm", "year", "industry^year"])
    with pytest.raises(ConfigError, match="interact effects with"):
        parse_formula("y ~ x | firm + industry:year")


def test_singletons_dropped_and_reported(data):
    sample, full, fit = data
    assert fit.n_singletons == 1 and fit.nobs == len(full) - 1
    assert fit.fe_method == "exact" and fit.absorbed == ["firm", "year", "industry^year"]


@pytest.mark.parametrize(
    "cov, cluster",
    [("clustered", "firm"), ("clustered", "industry"), ("robust", None), ("unadjusted", None)],
)
def test_matches_dummy_regression(data, cov, cluster):
    sample, full, _ = data
    fit = feols(FORMULA, full, cov=cov, **({"cluster": cluster} if cluster else {}))
    effects = [
        _codes(sample, ["firm"]),
        _codes(sample, ["year"]),
        _codes(sample, ["industry", "year"]),
    ]
    cl = _codes(sample, [cluster]) if cluster else None
    coef, se = _dummy_fit(sample, ["x1", "x2"], effects, cl, cov)
    np.testing.assert_allclose(fit.params.to_numpy(), coef, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.bse.to_numpy(), se, rtol=1e-8)


def test_matches_absorbingls(data):
    sample, full, fit = data
    absorb = pd.DataFrame(
        {
            "firm": pd.Categorical(sample["firm"]),
            "year": pd.Categorical(sample["year"]),
            "iy": pd.Categorical(sample["industry"].astype(str) + "_" + sample["year"].astype(str)),
        }
    )
    ref = AbsorbingLS(sample["y"], sample[["x1", "x2"]], absorb=absorb).fit(cov_type="unadjusted")
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params[["x1", "x2"]], rtol=0, atol=1e-7)


def test_feiv_with_three_effects_equals_dummy_2sls(data):
    sample, full, _ = data
    fit = feiv("y ~ x2 | firm + year + industry^year | x1 ~ z", full, cov="robust")
    D = np.column_stack(
        [np.eye(int(g.max()) + 1)[g] for g in (_codes(sample, ["firm"]), _codes(sample, ["year"]),
                                                _codes(sample, ["industry", "year"]))]
    )  # fmt: skip
    Z = np.column_stack([sample[["z", "x2"]].to_numpy(), D])
    X = np.column_stack([sample[["x1", "x2"]].to_numpy(), D])
    Xhat = Z @ np.linalg.lstsq(Z, X, rcond=None)[0]
    coef = np.linalg.lstsq(Xhat, sample["y"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fit.params[["x1", "x2"]].to_numpy(), coef[:2], rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "vcov, kw",
    [({"CRV1": "firm"}, {}), ("hetero", {"cov": "robust"}), ("iid", {"cov": "unadjusted"})],
)
def test_matches_pyfixest(data, vcov, kw):
    import pyfixest as pf  # the test extra installs it: a reference test never skips

    sample, full, _ = data
    fit = feols(FORMULA, full, **kw)
    with pytest.warns(UserWarning):  # pyfixest warns that it drops the singleton
        ref = pf.feols(FORMULA, data=full, vcov=vcov)
    np.testing.assert_allclose(fit.params.to_numpy(), ref.coef().to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.se().to_numpy(), rtol=1e-8)
