r"""Borusyak, Jaravel & Spiess (2024) imputation estimator (Stata ``did_imputation``).

1. Fit :math:`y_{it} = \alpha_i + \lambda_t + x_{it}'\gamma + \varepsilon_{it}` on the untreated
   observations :math:`\Omega_0` (never treated, and treated units before :math:`g_i-\delta`).
2. Impute :math:`\hat y_{it}(0)` and :math:`\hat\tau_{it} = y_{it} - \hat y_{it}(0)` on the
   treated observations :math:`\Omega_1`.
3. :math:`\hat\tau_e = \sum_{it \in \Omega_1} w^e_{it}\hat\tau_{it}` with equal weights over the
   observations at event time :math:`e` (and over all of :math:`\Omega_1` for the overall ATT).

Variance (BJS Theorem 3, clustered): the estimator is linear, :math:`\hat\tau = \sum v_{it}y_{it}`
with :math:`v = w` on :math:`\Omega_1` and :math:`v_0 = -Z_0(Z_0'Z_0)^{-1}Z_1'w_1` on
:math:`\Omega_0`; :math:`\hat\sigma^2 = \sum_c(\sum_{it\in c} v_{it}\tilde\varepsilon_{it})^2`
with :math:`\tilde\varepsilon` the fit residuals on :math:`\Omega_0` and
:math:`\hat\tau_{it}-\bar\tau_{g,e}` (cohort × horizon means) on :math:`\Omega_1`
(BJS's conservative choice without their leave-out correction).

Pre-trends (BJS test): on :math:`\Omega_0` only, regress y on the fixed effects and lead dummies
:math:`1\{t-g_i=k\}`, :math:`k=-K,\dots,-1`; the leads are the pre-period coefficients.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from imtfp.core.fe import group_codes
from imtfp.errors import EstimationError
from imtfp.models.did._panel import staggered_panel
from imtfp.models.did._results import DidAggregate, gaussian_sup_t
from imtfp.models.did.regression import fe_regression


def did_imputation(
    data: pd.DataFrame,
    *,
    y: str,
    entity: str,
    time: str,
    group: str,
    controls: Sequence[str] = (),
    anticipation: int = 0,
    horizons: int | None = None,
    pretrends: int = 4,
    cluster: str | None = None,
    bootstrap: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> DidAggregate:
    """Imputation event study: horizons ``0..horizons`` (all when None) and ``pretrends`` leads."""
    panel = staggered_panel(data, y=y, entity=entity, time=time, group=group, controls=controls,
                            cluster=cluster, anticipation=anticipation)  # fmt: skip
    n, T = panel.Y.shape
    rel = panel.rel_time().ravel()
    treated = np.isfinite(rel) & (rel >= -anticipation)
    untreated = ~treated
    unit = np.repeat(np.arange(n), T)
    per = np.tile(np.arange(T), n)
    yv = panel.Y.ravel()
    Xc = panel.X.reshape(n * T, -1)
    # dense design of unit and period dummies (first period dropped) and controls
    Z = np.zeros((n * T, n + T - 1 + Xc.shape[1]))
    Z[np.arange(n * T), unit] = 1.0
    pm = per > 0
    Z[np.flatnonzero(pm), n + per[pm] - 1] = 1.0
    Z[:, n + T - 1 :] = Xc
    Z0, Z1 = Z[untreated], Z[treated]
    if Z0.shape[0] == 0 or Z1.shape[0] == 0:
        raise EstimationError("did_imputation: needs both treated and untreated observations")
    cols = np.abs(Z0).sum(0) > 0
    if (np.abs(Z1[:, ~cols]).sum(0) > 0).any():
        raise EstimationError(
            "did_imputation: a treated unit or period has no untreated observation"
        )
    Z0, Z1 = Z0[:, cols], Z1[:, cols]
    ZtZ = Z0.T @ Z0
    try:  # unit and period dummies of a connected panel: full rank, a Cholesky-based solve is exact
        solve = lambda B: np.linalg.solve(ZtZ, B)  # noqa: E731
        coef = solve(Z0.T @ yv[untreated])
    except np.linalg.LinAlgError:
        A = np.linalg.pinv(ZtZ)
        solve = lambda B: A @ B  # noqa: E731
        coef = solve(Z0.T @ yv[untreated])
    resid0 = yv[untreated] - Z0 @ coef
    tau = yv[treated] - Z1 @ coef
    e1 = rel[treated]
    hmax = int(e1.max()) if horizons is None else int(horizons)
    index = [e for e in range(-anticipation, hmax + 1) if (e1 == e).any()]
    w1 = np.column_stack(
        [(e1 == e) / (e1 == e).sum() for e in index] + [np.full(len(e1), 1 / len(e1))]
    )
    est = tau @ w1
    v0 = -Z0 @ solve(Z1.T @ w1)
    # residuals of treated observations: deviations from cohort × horizon means
    g1 = panel.G[unit[treated]]
    key = group_codes(g1 * 10_000 + e1)
    means = np.bincount(key, tau) / np.bincount(key)
    eps1 = tau - means[key]
    clus = panel.cluster[unit]
    contrib = np.zeros((panel.cluster.max() + 1, w1.shape[1]))
    np.add.at(contrib, clus[untreated], v0 * resid0[:, None])
    np.add.at(contrib, clus[treated], w1 * eps1[:, None])
    V = contrib.T @ contrib
    k = len(index)
    b_post, V_post = est[:k], V[:k, :k]
    overall = (float(est[k]), float(np.sqrt(V[k, k])))
    # BJS pre-trend leads on untreated observations
    lead_idx = [
        e for e in range(-pretrends - anticipation, -anticipation) if ((rel == e) & untreated).any()
    ]
    if lead_idx:
        design = np.column_stack([(rel == e).astype(float) for e in lead_idx])
        b_pre, V_pre, _, _ = fe_regression(panel, design, rows=untreated)
    else:
        b_pre, V_pre = np.zeros(0), np.zeros((0, 0))
    idx = np.array(lead_idx + index, float)
    b = np.concatenate([b_pre, b_post])
    Vall = np.zeros((len(b), len(b)))
    Vall[: len(b_pre), : len(b_pre)] = V_pre
    Vall[len(b_pre) :, len(b_pre) :] = V_post
    ok = np.isfinite(b)
    n_cl = int(panel.cluster.max() + 1)
    crit = gaussian_sup_t(Vall[np.ix_(ok, ok)], bootstrap=bootstrap, seed=seed, level=level)
    return DidAggregate(
        kind="dynamic", estimator="bjs", index=idx[ok], coef=b[ok], vcov=Vall[np.ix_(ok, ok)],
        overall_att=overall[0], overall_se=overall[1], crit=crit, cov_type="clustered",
        nobs=n * T, n_clusters=n_cl, dep_var=y, level=level,
    )  # fmt: skip
