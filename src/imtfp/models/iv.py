"""Endogeneity: lagged regressors and IV-2SLS with absorbed fixed effects.

2SLS with absorbed effects (Frisch–Waugh for IV): partial the effects (or,
without effects, the constant) out of y, the endogenous regressors X, the
exogenous controls W and the instruments Z in one pass of imtfp's own
engine (:mod:`imtfp.core.fe`; singletons dropped and reported as in
ivreghdfe), then

.. math::
    \\hat\\beta = (\\hat X'X)^{-1}\\hat X'y,\\quad \\hat X = P_{[Z,W]}[X, W].

Covariances come from :mod:`imtfp.core.vcov` on :math:`\\hat X` with the
residuals :math:`y - X\\hat\\beta`: clustered with
:math:`G/(G-1)\\cdot(N-1)/(N-K)`, robust HC1 :math:`N/(N-K)`, or
unadjusted :math:`e'e/(N-K)`, K = regressors + constant + effect dummies
not nested in the clusters (``ivreg2 ..., small`` / ``ivreghdfe``).
Driscoll–Kraay and two-way clustering are not offered and raise
:class:`~imtfp.errors.ConfigError` (no silent substitution).

Diagnostics:

* ``first_stage_F[:<endog>]``: Wald F of the excluded instruments in each
  first stage, :math:`\\hat\\pi'\\hat V_\\pi^{-1}\\hat\\pi/L`, with the covariance
  and small-sample factor of the model;
* ``first_stage_F_nonrobust[:<endog>]``: the classical partial F;
* ``kp_rk_wald_F``: the Kleibergen–Paap (2006) rk Wald F for rank
  :math:`K-1` of the first-stage coefficient matrix, as ``ranktest`` inside
  ``ivreg2``: :math:`\\Theta = (Z'Z/N)^{1/2}\\hat\\Pi\\,\\hat\\Sigma_{vv}^{-1/2}`,
  its smallest singular direction tested with the (cluster-)robust covariance
  of :math:`\\hat\\Pi` without small-sample factor, reported as
  :math:`rk\\cdot(N-K_Z)/(N L)` (times :math:`(G-1)/G` when clustered), K_Z
  the number of instruments with the exogenous regressors, constant and
  absorbed dummies. With homoskedastic (``unadjusted``) covariance it is the
  Cragg–Donald F. ``cragg_donald_F`` is the Cragg–Donald F in every case;
* ``endogeneity_test``: control-function (Durbin–Wu–Hausman) test, the Wald
  F that the first-stage residuals have zero coefficients when added to the
  OLS equation, with the model's covariance (with ``unadjusted`` it is the
  Wu–Hausman F of ``ivendog``).

Checked against Stata ``ivreg2`` on Griliches (1976) in
``tests/reference/test_iv_reference.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.core.rank import check_absorbed, collinear_columns
from imtfp.core.vcov import vcov_cluster, vcov_robust, vcov_unadjusted
from imtfp.errors import ConfigError, EstimationError
from imtfp.models._common import CovType, Effects, as_list, check_option, lag_within, unique
from imtfp.models.panel import (
    PanelFit,
    absorbed_columns,
    coef_rows,
    fit_twfe,
    panel_sample,
    partial_out,
)
from imtfp.results import Estimates
from imtfp.tidy import tidy_frame

IV_COVS = ("clustered", "robust", "unadjusted")


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
        df,
        y=y,
        x=new_x,
        controls=new_c,
        entity=entity,
        time=time,
        effects=effects,
        cov=cov,
        cluster=cluster,
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


def _sym_power(A: np.ndarray, power: float) -> np.ndarray:
    w, Q = np.linalg.eigh((A + A.T) / 2)
    return (Q * w**power) @ Q.T


def kp_rk_wald(Z: np.ndarray, Y: np.ndarray, kind: str, codes: np.ndarray | None) -> float:
    """Kleibergen–Paap (2006) rk Wald statistic (chi-square form) for rank K−1 of :math:`\\Pi`.

    ``Z`` (n × L) are the excluded instruments and ``Y`` (n × K) the
    endogenous regressors, both already partialled on the exogenous
    regressors. Follows ``ranktest`` (Kleibergen and Schaffer): with
    :math:`\\hat\\Pi = (Z'Z)^{-1}Z'Y`, :math:`G = (Z'Z/N)^{1/2}`,
    :math:`F = (\\hat V'\\hat V/N)^{-1/2}` and :math:`\\Theta = G\\hat\\Pi F` with SVD
    :math:`U S V'`, the statistic is :math:`\\lambda'\\Omega_\\lambda^{-1}\\lambda`,
    :math:`\\lambda = (B_q'\\otimes A_q')\\,\\mathrm{vec}\\,\\Theta`, where
    :math:`A_q, B_q` are the last :math:`L-K+1` and last singular vectors
    normalised as in KP (eq. 12), and :math:`\\Omega_\\lambda` uses the
    heteroskedasticity- or cluster-robust (``kind``) covariance of
    :math:`\\mathrm{vec}\\hat\\Pi` with no small-sample factor; ``unadjusted``
    gives :math:`N` times the Cragg–Donald eigenvalue.
    """
    n, L = Z.shape
    K = Y.shape[1]
    zz = Z.T @ Z
    zz_inv = np.linalg.inv(zz)
    Pi = zz_inv @ (Z.T @ Y)
    V = Y - Z @ Pi
    Sigma = V.T @ V / n
    Gm, Fm = _sym_power(zz / n, 0.5), _sym_power(Sigma, -0.5)
    Theta = Gm @ Pi @ Fm
    U, _, Vt = np.linalg.svd(Theta)
    Vm = Vt.T
    U22 = U[K - 1 :, K - 1 :]
    V22 = Vm[K - 1 :, K - 1 :]
    A = U[:, K - 1 :] @ np.linalg.inv(U22) @ _sym_power(U22 @ U22.T, 0.5)
    B = Vm[:, K - 1 :] @ np.linalg.inv(V22) @ _sym_power(V22 @ V22.T, 0.5)
    lam = np.kron(B.T, A.T) @ Theta.reshape(-1, order="F")
    # robust covariance of vec(Pi): scores v_i ⊗ z_i (column-major vec), summed by cluster
    if kind == "unadjusted":
        var_pi = np.kron(Sigma, zz_inv)
    else:
        scores = (V[:, :, None] * Z[:, None, :]).reshape(n, K * L)
        if kind == "clustered":
            G = int(codes.max()) + 1
            summed = np.zeros((G, K * L))
            np.add.at(summed, codes, scores)
            scores = summed
        bread = np.kron(np.eye(K), zz_inv)
        var_pi = bread @ (scores.T @ scores) @ bread
    T = np.kron(Fm.T, Gm)
    var_theta = T @ var_pi @ T.T
    W = np.kron(B.T, A.T)
    omega = W @ var_theta @ W.T
    return float(lam @ np.linalg.solve(omega, lam))


@dataclass(eq=False)
class IVFit(Estimates):
    """A 2SLS fit with absorbed effects: the protocol of :class:`imtfp.results.Estimates`
    for the second-stage coefficients, plus the first stages, the diagnostics and
    the OLS comparison. ``tidy()`` gives the rows described in :func:`iv_2sls`.
    """

    terms: list[str]
    coef: np.ndarray
    vcov: np.ndarray
    df_inf: int | None
    cov_type: str
    endog: list[str]
    instruments: list[str]
    controls: list[str]
    entity_fe: bool
    time_fe: bool
    first_stage: dict[str, dict] = field(repr=False)  # endog -> {coef, vcov, F, F_nonrobust, p...}
    diagnostics: dict[str, tuple[float, float]] = field(repr=False)  # name -> (statistic, p)
    ols: PanelFit | None = field(default=None, repr=False)
    dep_var: str = ""
    nobs: int = 0
    n_clusters: int | None = None
    df_resid: int | None = None
    n_singletons: int = 0

    def tidy(self, *, table: str = "iv", column: str = "2sls", level: float = 0.95) -> pd.DataFrame:
        """Column ``2sls`` (coefficients, then statistic rows), ``first_stage:<endog>`` and ``ols``."""
        common = {
            "table": table,
            "nobs": self.nobs,
            "entity_fe": self.entity_fe,
            "time_fe": self.time_fe,
            "controls": ",".join(self.controls),
            "cov": self.cov_type,
            "dep_var": self.dep_var,
        }
        rows = coef_rows(
            {**common, "column": column}, self.terms, self.coef, self.vcov, self.df_inf, level
        )
        for e, fs in self.first_stage.items():
            rows += coef_rows(
                {**common, "dep_var": e, "column": f"first_stage:{e}"},
                self.instruments,
                fs["coef"],
                fs["vcov"],
                self.df_inf,
                level,
            )
        for name, (stat, p) in self.diagnostics.items():
            rows.append({**common, "column": column, "term": name, "estimate": stat, "p": p})
        out = tidy_frame(rows)
        if self.ols is not None:
            out = pd.concat(
                [out, self.ols.tidy(table=table, column="ols", level=level)], ignore_index=True
            )
        return out

    def _summary_header(self) -> list[tuple[str, str]]:
        lines = super()._summary_header()
        lines[0] = (
            "Model",
            "IV-2SLS with absorbed effects" if (self.entity_fe or self.time_fe) else "IV-2SLS",
        )
        lines.insert(3, ("Instrumented", ", ".join(self.endog)))
        lines.insert(4, ("Excluded instruments", ", ".join(self.instruments)))
        for name in ("first_stage_F", "kp_rk_wald_F"):
            if name in self.diagnostics:
                lines.append((name, f"{self.diagnostics[name][0]:.3f}"))
        return lines


def iv_2sls(
    data: pd.DataFrame,
    *,
    y: str,
    endog: str | Sequence[str],
    instruments: Sequence[str],
    controls: Sequence[str] = (),
    entity: str | None = "province",
    time: str | None = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    drop_singletons: bool = True,
    absorb: Sequence[str] | None = None,
) -> IVFit:
    """IV-2SLS with absorbed fixed effects, first-stage diagnostics and the OLS comparison.

    Parameters
    ----------
    endog : endogenous regressor(s)
    instruments : excluded instruments (at least as many as ``endog``)
    cov : ``clustered`` (by ``cluster``, default the entity), ``robust`` or
        ``unadjusted``; ``driscoll_kraay`` and ``twoway_clustered`` raise
        :class:`~imtfp.errors.ConfigError`.
    absorb : absorbed effects by name instead of ``effects`` (columns or ``a^b``
        interactions, any number), as :func:`~imtfp.models.panel.fit_twfe`

    Returns
    -------
    :class:`IVFit`: ``params``, ``bse``, ``pvalues``, ``conf_int()``,
    ``summary()`` of the second stage; ``tidy()`` gives the rows: column
    ``2sls`` (coefficients, then statistic rows ``first_stage_F[:<endog>]``,
    ``first_stage_F_nonrobust[:<endog>]``, ``kp_rk_wald_F``, ``cragg_donald_F``,
    ``endogeneity_test``, with the statistic in ``estimate`` and its p-value
    in ``p``), column ``first_stage:<endog>`` (first-stage coefficients of the
    instruments) and column ``ols`` (the same equation by OLS with the same
    covariance).
    """
    check_option(effects, Effects, "effects")
    check_option(cov, CovType, "cov")
    if cov not in IV_COVS:
        raise ConfigError(
            f"cov={cov!r} (models.cov) is not supported by IV-2SLS; use one of {IV_COVS}"
        )
    en, zs = as_list(endog), as_list(instruments)
    ws = [c for c in as_list(controls) if c not in en and c not in zs and c != y]
    if not en or not zs:
        raise ValueError("iv_2sls needs at least one endogenous regressor and one instrument")
    if len(zs) < len(en):
        raise EstimationError(
            f"underidentified: {len(zs)} instrument(s) for {len(en)} endogenous regressor(s)"
        )
    if set(en) & set(zs):
        raise ValueError(
            f"a variable is both endogenous and an instrument: {sorted(set(en) & set(zs))}"
        )
    absorb = None if absorb is None else unique(as_list(absorb))
    ent, tim = effects in ("twoway", "entity"), effects in ("twoway", "time")
    if absorb is not None:
        ent, tim = entity in absorb, time in absorb
    cl = cluster if cluster is not None else entity
    if cov == "clustered" and cl is None:
        raise ValueError("cov='clustered' needs a cluster variable (cluster and entity are None)")
    names = unique([y] + en + zs + ws)
    s = panel_sample(
        data,
        names,
        entity=entity if absorb is None else None,
        time=time if absorb is None else None,
        cluster=cl if cov == "clustered" else None,
        absorb=absorb or (),
        what="iv_2sls",
    )
    p = partial_out(s, ent=ent, tim=tim, drop_singletons=drop_singletons, what="iv_2sls")
    s = p.sample
    regs = en + ws
    absorbed_by = "fixed effects" if p.groups else "constant"
    for cols in (regs, zs):
        idx = [names.index(c) for c in cols]
        check_absorbed(
            (p.W[:, idx] ** 2).sum(axis=0),
            p.raw_ss[idx],
            cols,
            what="iv_2sls",
            absorbed_by=absorbed_by,
        )
    yt, Xe, Z, W = p.col(y), p.cols(en), p.cols(zs), p.cols(ws)
    n = len(yt)
    X = np.column_stack([Xe, W])
    ZW = np.column_stack([Z, W])
    bad = collinear_columns(ZW.T @ ZW)
    if bad:
        raise EstimationError(
            f"iv_2sls: instruments/controls {[(zs + ws)[j] for j in bad]} are collinear"
        )
    ZW_inv = np.linalg.inv(ZW.T @ ZW)
    Xhat = ZW @ (ZW_inv @ (ZW.T @ X))
    xtx = Xhat.T @ Xhat
    bad = collinear_columns(xtx)
    if bad:
        raise EstimationError(
            f"iv_2sls: {[regs[j] for j in bad]} are not identified by the instruments"
        )
    xtx_inv = np.linalg.inv(xtx)
    beta = xtx_inv @ (Xhat.T @ yt)
    u = yt - X @ beta
    codes = s.cluster if cov == "clustered" else None
    fe_dof = p.fe.dof([codes] if codes is not None else []) if p.groups else 0
    k_df = X.shape[1] + 1 + fe_dof
    V = _cov(cov, Xhat, u, xtx_inv, codes, k_df)
    G = int(codes.max()) + 1 if codes is not None else None
    df_inf = (G - 1) if G is not None else n - k_df

    # first stages
    L = Z.shape[1]
    fs_kdf = L + W.shape[1] + 1 + fe_dof
    vhat = np.empty_like(Xe)
    first, diag = {}, {}
    den = df_inf if df_inf is not None else n - fs_kdf
    r_res = Xe - (W @ np.linalg.lstsq(W, Xe, rcond=None)[0] if W.shape[1] else 0)
    for j, e in enumerate(en):
        pi = ZW_inv @ (ZW.T @ Xe[:, j])
        v = Xe[:, j] - ZW @ pi
        vhat[:, j] = v
        Vpi = _cov(cov, ZW, v, ZW_inv, codes, fs_kdf)
        F_rob = _wald_F(pi[:L], Vpi[:L, :L])
        ssr_u, ssr_r = float(v @ v), float(r_res[:, j] @ r_res[:, j])
        F_cl = (ssr_r - ssr_u) / L / (ssr_u / (n - fs_kdf))
        first[e] = {"coef": pi[:L], "vcov": Vpi[:L, :L]}
        suffix = "" if len(en) == 1 else f":{e}"
        diag[f"first_stage_F{suffix}"] = (F_rob, float(special.fdtrc(L, den, F_rob)))
        diag[f"first_stage_F_nonrobust{suffix}"] = (F_cl, float(special.fdtrc(L, n - fs_kdf, F_cl)))
    # weak identification: Z and the endogenous regressors partialled on W as well
    if W.shape[1]:
        Wp = W @ np.linalg.lstsq(W, np.column_stack([Z, Xe]), rcond=None)[0]
        Zp, Yp = Z - Wp[:, :L], Xe - Wp[:, L:]
    else:
        Zp, Yp = Z, Xe
    scale = (n - fs_kdf) / (n * L)
    rk = kp_rk_wald(Zp, Yp, cov, codes) * scale * ((G - 1) / G if G else 1.0)
    diag["kp_rk_wald_F"] = (rk, np.nan)
    diag["cragg_donald_F"] = (kp_rk_wald(Zp, Yp, "unadjusted", None) * scale, np.nan)

    # control-function endogeneity test
    Xc = np.column_stack([X, vhat])
    Xc_inv = np.linalg.inv(Xc.T @ Xc)
    bc = Xc_inv @ (Xc.T @ yt)
    uc = yt - Xc @ bc
    q = vhat.shape[1]
    Vc = _cov(cov, Xc, uc, Xc_inv, codes, k_df + q)
    F_end = _wald_F(bc[-q:], Vc[-q:, -q:])
    end_df = df_inf if cov == "clustered" else n - k_df - q
    diag["endogeneity_test"] = (F_end, float(special.fdtrc(q, end_df, F_end)))

    ols = fit_twfe(
        s.frame(
            unique([c for c in (entity, time, cl) if c] + names + absorbed_columns(absorb or ()))
        ),
        y=y,
        x=en,
        controls=ws,
        entity=entity,
        time=time,
        effects=effects,
        cov=cov,
        cluster=cluster,
        drop_singletons=False,
        absorb=absorb,
        what="iv ols",
    )
    return IVFit(
        terms=regs,
        coef=beta,
        vcov=V,
        df_inf=df_inf,
        cov_type=cov,
        endog=en,
        instruments=zs,
        controls=ws,
        entity_fe=ent,
        time_fe=tim,
        first_stage=first,
        diagnostics=diag,
        ols=ols,
        dep_var=y,
        nobs=n,
        n_clusters=G,
        df_resid=n - k_df,
        n_singletons=s.n_singletons,
    )
