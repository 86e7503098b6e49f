r"""Regression event studies on a staggered panel: binned TWFE, Sun & Abraham (2021), static TWFE.

All three are two-way fixed-effects regressions (unit and period effects partialled out by
:func:`imtfp.core.fe.demean`) with cluster-robust covariances (Stata small-sample factor, units or
the given clusters).

* **TWFE event study** —
  :math:`y_{it} = \alpha_i + \lambda_t + \sum_{e \ne -1-\delta} \beta_e 1\{\min(\max(t-g_i, e_{lo}), e_{hi}) = e\} + x'\gamma`,
  endpoints binned (all leads before :math:`e_{lo}` in one dummy, all lags after :math:`e_{hi}`).
* **Sun–Abraham** interaction-weighted estimator — cohort × event-time dummies
  :math:`D^{g,e}_{it}` (reference :math:`e=-1-\delta`; the never-treated, or else the last-treated
  cohort, as control), then :math:`\hat\beta_e = \sum_g \hat w_{g,e}\hat\delta_{g,e}` with
  :math:`w_{g,e}` the cohort shares among cohorts observed at :math:`e`;
  :math:`V(\hat\beta) = W V(\hat\delta) W'` (weights taken as known, as fixest's ``sunab``).
* **Static TWFE** — :math:`y_{it} = \alpha_i + \lambda_t + \beta D_{it} + x'\gamma`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from imtfp.core.fe import demean, group_codes
from imtfp.core.vcov import absorbed_dof, vcov_cluster
from imtfp.errors import EstimationError
from imtfp.models.did._panel import StaggeredPanel, staggered_panel
from imtfp.models.did._results import DidAggregate, StaticTwfeResult, gaussian_sup_t


def fe_regression(panel: StaggeredPanel, design: np.ndarray, rows: np.ndarray | None = None):
    """OLS of y on ``design`` (+ controls) with unit and period effects, cluster-robust V.

    ``design`` is (n·T, k) in unit-major order; ``rows`` selects observations.
    Returns (beta of the design columns, their V, nobs, n_clusters).
    """
    n, T = panel.Y.shape
    y = panel.Y.ravel()
    X = np.column_stack([design, panel.X.reshape(n * T, -1)]) if panel.controls else design
    unit = np.repeat(np.arange(n), T)
    per = np.tile(np.arange(T), n)
    clus = np.repeat(panel.cluster, T)
    if rows is not None:
        y, X, unit, per, clus = y[rows], X[rows], unit[rows], per[rows], clus[rows]
    keep = X.std(0) > 0
    groups = [group_codes(unit), group_codes(per)]
    Xt = demean(X[:, keep], groups)
    yt = demean(y, groups)
    xtx = Xt.T @ Xt
    xtx_inv = np.linalg.pinv(xtx)
    beta = xtx_inv @ (Xt.T @ yt)
    resid = yt - Xt @ beta
    codes = group_codes(clus)
    k_df = int(keep.sum()) + 1 + absorbed_dof(groups, [codes])
    V = vcov_cluster(Xt, resid, xtx_inv, codes, k_df=k_df)
    full_b = np.full(X.shape[1], np.nan)
    full_b[keep] = beta
    full_V = np.full((X.shape[1], X.shape[1]), np.nan)
    full_V[np.ix_(keep, keep)] = V
    k = design.shape[1]
    return full_b[:k], full_V[:k, :k], len(y), int(codes.max() + 1)


def _event_result(estimator: str, index, b, V, *, panel, nobs, n_cl, dep_var, bootstrap, seed, level,
                  overall: tuple[float, float] | None = None) -> DidAggregate:  # fmt: skip
    ok = np.isfinite(b)
    index, b, V = np.asarray(index)[ok], b[ok], V[np.ix_(ok, ok)]
    post = index >= 0
    if overall is None:
        a = post / max(post.sum(), 1)
        overall = (float(a @ b), float(np.sqrt(a @ V @ a)))
    crit = gaussian_sup_t(V, bootstrap=bootstrap, seed=seed, level=level)
    return DidAggregate(
        kind="dynamic", estimator=estimator, index=index, coef=b, vcov=V, overall_att=overall[0],
        overall_se=overall[1], crit=crit, df_inf=n_cl - 1, cov_type="clustered", nobs=nobs,
        n_clusters=n_cl, dep_var=dep_var, level=level,
    )  # fmt: skip


def _panel(data, y, entity, time, group, controls, cluster, anticipation, drop_always=True):
    return staggered_panel(data, y=y, entity=entity, time=time, group=group, controls=controls,
                           cluster=cluster, anticipation=anticipation,
                           drop_always_treated=drop_always)  # fmt: skip


def twfe_event_study(
    data: pd.DataFrame,
    *,
    y: str,
    entity: str,
    time: str,
    group: str,
    controls: Sequence[str] = (),
    leads: int = 4,
    lags: int = 4,
    anticipation: int = 0,
    cluster: str | None = None,
    bootstrap: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> DidAggregate:
    """Dynamic TWFE with binned endpoints: event times below ``-leads`` and above ``lags`` are
    pooled into the end dummies; reference period ``-1 - anticipation``."""
    panel = _panel(data, y, entity, time, group, controls, cluster, anticipation, drop_always=False)
    rel = panel.rel_time()
    binned = np.clip(rel, -leads, lags)
    ref = -1 - anticipation
    index = [e for e in range(-leads, lags + 1) if e != ref]
    design = np.column_stack([(binned == e).ravel().astype(float) for e in index])
    b, V, nobs, n_cl = fe_regression(panel, design)
    return _event_result("twfe", index, b, V, panel=panel, nobs=nobs, n_cl=n_cl, dep_var=y,
                         bootstrap=bootstrap, seed=seed, level=level)  # fmt: skip


def static_twfe(
    data: pd.DataFrame,
    *,
    y: str,
    entity: str,
    time: str,
    group: str,
    controls: Sequence[str] = (),
    cluster: str | None = None,
) -> StaticTwfeResult:
    """Static TWFE :math:`\\hat\\beta` on the treatment dummy :math:`D_{it}=1\\{t \\ge g_i\\}`
    (term ``ATT``; ``att``, ``se``, ``nobs``, ``n_clusters``), clustered by unit or ``cluster``."""
    panel = _panel(data, y, entity, time, group, controls, cluster, 0, drop_always=False)
    D = (
        ((panel.G[:, None] > 0) & (panel.periods[None, :] >= panel.G[:, None]))
        .ravel()
        .astype(float)
    )
    b, V, nobs, n_cl = fe_regression(panel, D[:, None])
    return StaticTwfeResult(coef=np.asarray(b, float), vcov=np.asarray(V, float), df_inf=n_cl - 1,
                            nobs=nobs, n_clusters=n_cl, dep_var=y)  # fmt: skip


def sun_abraham(
    data: pd.DataFrame,
    *,
    y: str,
    entity: str,
    time: str,
    group: str,
    controls: Sequence[str] = (),
    anticipation: int = 0,
    cluster: str | None = None,
    bootstrap: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> DidAggregate:
    """Sun & Abraham (2021) interaction-weighted event study (see the module docstring)."""
    panel = _panel(data, y, entity, time, group, controls, cluster, anticipation)
    rel = panel.rel_time()
    G = panel.G
    rows = np.ones(rel.size, bool)
    cohorts = list(panel.cohorts)
    if not (G == 0).any():  # the last-treated cohort is the control, until it is treated
        last = cohorts.pop()
        rows = ~((G[:, None] == last) & (panel.periods[None, :] >= last - anticipation)).ravel()
        rel = np.where(G[:, None] == last, np.nan, rel)
    if not cohorts:
        raise EstimationError("sun_abraham: no treated cohort besides the control cohort")
    ref = -1 - anticipation
    cols, keys = [], []
    for g in cohorts:
        for e in np.unique(rel[G == g]):
            if e == ref:
                continue
            d = ((G[:, None] == g) & (rel == e)).ravel()
            if d[rows].any():
                cols.append(d.astype(float))
                keys.append((g, int(e)))
    delta, Vd, nobs, n_cl = fe_regression(panel, np.column_stack(cols), rows)
    sizes = {g: float((G == g).sum()) for g in cohorts}
    index = sorted({e for _, e in keys})
    W = np.zeros((len(index), len(keys)))
    for j, (g, e) in enumerate(keys):
        if np.isfinite(delta[j]):
            W[index.index(e), j] = sizes[g]
    W = W / np.where(W.sum(1, keepdims=True) > 0, W.sum(1, keepdims=True), np.nan)
    delta0, Vd0 = np.nan_to_num(delta), np.nan_to_num(Vd)
    return _event_result("sa", index, W @ delta0, W @ Vd0 @ W.T, panel=panel, nobs=nobs, n_cl=n_cl,
                         dep_var=y, bootstrap=bootstrap, seed=seed, level=level)  # fmt: skip
