"""Endogeneity: lagged regressors and IV-2SLS with two-way fixed effects.

2SLS with absorbed effects (Frisch–Waugh for IV): partial the effects out
of y, the endogenous regressors X, the exogenous controls W and the
instruments Z, then

.. math::
    \\hat\\beta = (\\hat X'X)^{-1}\\hat X'y,\\quad \\hat X = P_{[Z,W]}[X, W]

fitted by linearmodels ``IV2SLS`` on the partialled data. Its covariance is
recomputed here because IV2SLS does not know about the absorbed effects:
clustered as :func:`imtfp.core.vcov.vcov_cluster` on :math:`\\hat X` with
:math:`G/(G-1)\\cdot(N-1)/(N-K)`, K = regressors + constant + effect
dummies not nested in the clusters (the convention of ``xtivreg2, fe
small`` / ``ivreghdfe`` with province clusters).

Diagnostics, per endogenous regressor:

* ``first_stage_F``: cluster-robust Wald F of the excluded instruments in
  the first stage, :math:`\\hat\\pi'\\hat V_\\pi^{-1}\\hat\\pi/L`, same
  small-sample factor. With one endogenous regressor this is the
  Kleibergen–Paap rk Wald F (``kp_rk_wald_F``; ivreg2 reports it with its
  own degrees-of-freedom convention, so digits can differ slightly). With
  several endogenous regressors ``kp_rk_wald_F`` is not computed (NaN).
* ``first_stage_F_nonrobust``: the classical partial F.
* ``endogeneity_test``: control-function (Durbin–Wu–Hausman) test, the
  cluster-robust Wald F that the first-stage residuals have zero
  coefficients when added to the OLS equation; a Hausman-type comparison
  of OLS and 2SLS that is valid under clustering.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS
from scipy import stats

from imtfp.core.fe import demean, group_codes
from imtfp.core.vcov import absorbed_dof, vcov_cluster, vcov_robust, vcov_unadjusted
from imtfp.errors import ConfigError, EstimationError
from imtfp.models._common import CovType, Effects, as_list, check_option, effect_groups, lag_within, prepare_sample, unique
from imtfp.models.panel import coef_rows, fit_twfe
from imtfp.tidy import tidy_frame

IVCov = CovType  # driscoll_kraay / twoway_clustered fall back to clustered (documented in iv_2sls)


def lagged_regression(
    data: pd.DataFrame,
    *,
    y: str,
    x: str | Sequence[str],
    controls: Sequence[str] = (),
    lag: int = 1,
    lag_controls: bool = False,
    entity: str = "province",
    time: str = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    table: str = "iv",
    level: float = 0.95,
) -> pd.DataFrame:
    """The baseline with ``x`` (and optionally the controls) lagged ``lag`` periods.

    Terms are named ``L<lag>.<var>``; ``column`` is ``lag<lag>``.
    """
    xs = as_list(x)
    ctrl = as_list(controls)
    df = data.copy()
    lagged = xs + (ctrl if lag_controls else [])
    for v in lagged:
        if v not in df.columns:
            raise ConfigError(f"lagged regression: the data have no column {v!r}")
        df[f"L{lag}.{v}"] = lag_within(df, v, entity=entity, time=time, lag=lag)
    new_x = [f"L{lag}.{v}" for v in xs]
    new_c = [f"L{lag}.{v}" if lag_controls else v for v in ctrl]
    fit = fit_twfe(
        df, y=y, x=new_x, controls=new_c, entity=entity, time=time, effects=effects, cov=cov, cluster=cluster,
        what=f"lag {lag}",
    )
    return fit.tidy(table=table, column=f"lag{lag}", level=level)


def _wald_F(theta: np.ndarray, V: np.ndarray) -> float:
    return float(theta @ np.linalg.solve(V, theta)) / len(theta)


def _cov(kind: str, X, u, xtx_inv, codes, k_df):
    if kind == "unadjusted":
        return vcov_unadjusted(xtx_inv, u, len(u) - k_df)
    if kind == "robust":
        return vcov_robust(X, u, xtx_inv, k_df=k_df)
    return vcov_cluster(X, u, xtx_inv, codes, k_df=k_df)


def iv_2sls(
    data: pd.DataFrame,
    *,
    y: str,
    endog: str | Sequence[str],
    instruments: Sequence[str],
    controls: Sequence[str] = (),
    entity: str = "province",
    time: str = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    table: str = "iv",
    level: float = 0.95,
) -> pd.DataFrame:
    """IV-2SLS with absorbed fixed effects, first-stage diagnostics and the OLS comparison.

    Parameters
    ----------
    endog : endogenous regressor(s)
    instruments : excluded instruments (at least as many as ``endog``)
    cov : ``clustered`` (by ``cluster``, default the entity), ``robust`` or
        ``unadjusted``; ``driscoll_kraay`` and ``twoway_clustered`` are
        not offered for IV and raise ``ValueError``.

    Returns
    -------
    Tidy rows: column ``2sls`` (coefficients, then statistic rows
    ``first_stage_F[:<endog>]``, ``first_stage_F_nonrobust[:<endog>]``,
    ``kp_rk_wald_F``, ``endogeneity_test``, with the statistic in
    ``estimate`` and its p-value in ``p``), column ``first_stage:<endog>``
    (first-stage coefficients of the instruments) and column ``ols`` (the
    same equation by OLS with the same covariance).
    """
    check_option(effects, Effects, "effects")
    check_option(cov, CovType, "cov")
    if cov in ("driscoll_kraay", "twoway_clustered"):
        raise ValueError(f"cov={cov!r} is not offered for IV-2SLS; use 'clustered', 'robust' or 'unadjusted'")
    en, zs = as_list(endog), as_list(instruments)
    ws = [c for c in as_list(controls) if c not in en and c not in zs and c != y]
    if not en or not zs:
        raise ValueError("iv_2sls needs at least one endogenous regressor and one instrument")
    if len(zs) < len(en):
        raise EstimationError(f"underidentified: {len(zs)} instrument(s) for {len(en)} endogenous regressor(s)")
    if set(en) & set(zs):
        raise ValueError(f"a variable is both endogenous and an instrument: {sorted(set(en) & set(zs))}")
    cl = cluster if cluster is not None else entity
    extra = [cl] if cov == "clustered" and cl not in (entity, time) else []
    df = prepare_sample(data, unique([y] + en + zs + ws), entity=entity, time=time, extra=extra, what="iv_2sls")
    groups = effect_groups(df, entity=entity, time=time, effects=effects)
    n = len(df)

    def part(cols):
        A = df[cols].to_numpy(dtype=float) if cols else np.empty((n, 0))
        if not cols:
            return A
        return demean(A, groups) if groups else A

    yt, Xe, Z, W = part([y])[:, 0], part(en), part(zs), part(ws)
    if not groups:
        W = np.column_stack([np.ones(n), W])
    exog_names = ws if groups else ["const"] + ws
    try:
        res = IV2SLS(
            pd.Series(yt, name=y),
            pd.DataFrame(W, columns=exog_names) if W.shape[1] else None,
            pd.DataFrame(Xe, columns=en),
            pd.DataFrame(Z, columns=zs),
        ).fit(cov_type="unadjusted")
    except Exception as err:
        raise EstimationError(f"IV2SLS cannot estimate {y} on {en} with {zs}: {err}") from err
    names = en + exog_names
    beta = res.params[names].to_numpy(dtype=float)
    X = np.column_stack([Xe, W])
    ZW = np.column_stack([Z, W])
    Xhat = ZW @ np.linalg.lstsq(ZW, X, rcond=None)[0]
    u = yt - X @ beta
    codes = group_codes(df[cl].to_numpy()) if cov == "clustered" else None
    const = 0 if not groups else 1
    k_df = X.shape[1] + const + absorbed_dof(groups, [codes] if codes is not None else [])
    xtx_inv = np.linalg.inv(Xhat.T @ Xhat)
    V = _cov(cov, Xhat, u, xtx_inv, codes, k_df)
    G = int(codes.max()) + 1 if codes is not None else None
    df_inf = (G - 1) if G is not None else n - k_df
    ent, tim = effects in ("twoway", "entity"), effects in ("twoway", "time")
    common = {
        "table": table,
        "nobs": n,
        "entity_fe": ent,
        "time_fe": tim,
        "controls": ",".join(ws),
        "cov": cov,
        "dep_var": y,
    }
    keep = [t for t in names if t != "const"]
    rows = coef_rows({**common, "column": "2sls"}, names, beta, V, df_inf, level, keep=keep)

    # first stages
    fs_kdf = Z.shape[1] + W.shape[1] + const + absorbed_dof(groups, [codes] if codes is not None else [])
    ZW_inv = np.linalg.inv(ZW.T @ ZW)
    L = Z.shape[1]
    vhat = np.empty_like(Xe)
    fs_F = []
    for j, e in enumerate(en):
        pi = ZW_inv @ (ZW.T @ Xe[:, j])
        v = Xe[:, j] - ZW @ pi
        vhat[:, j] = v
        Vpi = _cov(cov, ZW, v, ZW_inv, codes, fs_kdf)
        F_rob = _wald_F(pi[:L], Vpi[:L, :L])
        # classical partial F: (SSR_r - SSR_u)/L / (SSR_u/(n - k))
        Wr = W if W.shape[1] else np.empty((n, 0))
        r_res = Xe[:, j] - (Wr @ np.linalg.lstsq(Wr, Xe[:, j], rcond=None)[0] if Wr.shape[1] else 0)
        ssr_u, ssr_r = float(v @ v), float(r_res @ r_res)
        F_cl = (ssr_r - ssr_u) / L / (ssr_u / (n - fs_kdf))
        fs_F.append(F_rob)
        fcol = f"first_stage:{e}"
        rows += coef_rows({**common, "dep_var": e, "column": fcol}, zs, pi, Vpi, df_inf, level)
        suffix = "" if len(en) == 1 else f":{e}"
        den = df_inf if df_inf is not None else n - fs_kdf
        rows.append({**common, "column": "2sls", "term": f"first_stage_F{suffix}", "estimate": F_rob, "p": float(stats.f.sf(F_rob, L, den))})
        rows.append({**common, "column": "2sls", "term": f"first_stage_F_nonrobust{suffix}", "estimate": F_cl, "p": float(stats.f.sf(F_cl, L, n - fs_kdf))})
    rows.append({**common, "column": "2sls", "term": "kp_rk_wald_F", "estimate": fs_F[0] if len(en) == 1 else np.nan})

    # control-function endogeneity test
    Xc = np.column_stack([X, vhat])
    Xc_inv = np.linalg.inv(Xc.T @ Xc)
    bc = Xc_inv @ (Xc.T @ yt)
    uc = yt - Xc @ bc
    Vc = _cov(cov, Xc, uc, Xc_inv, codes, k_df + vhat.shape[1])
    q = vhat.shape[1]
    F_end = _wald_F(bc[-q:], Vc[-q:, -q:])
    rows.append({**common, "column": "2sls", "term": "endogeneity_test", "estimate": F_end, "p": float(stats.f.sf(F_end, q, df_inf))})

    ols = fit_twfe(
        df, y=y, x=en, controls=ws, entity=entity, time=time, effects=effects, cov=cov, cluster=cluster, what="iv ols"
    ).tidy(table=table, column="ols", level=level)
    return pd.concat([tidy_frame(rows), ols], ignore_index=True)
