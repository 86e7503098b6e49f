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
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.core.rank import check_absorbed, collinear_columns
from imtfp.core.vcov import InferenceLimits, vcov_cluster, vcov_robust, vcov_unadjusted
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
    limits: InferenceLimits | None = None,
) -> PanelFit:
    """The baseline with ``x`` (and optionally the controls) lagged ``lag`` periods.

    A :class:`~imtfp.models.panel.PanelFit` whose terms are named ``L<lag>.<var>`` (the IV
    table's column ``lag<lag>``).
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
    return fit_twfe(
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
        limits=limits,
    )


def _wald_F(theta: np.ndarray, V: np.ndarray) -> float:
    return float(theta @ np.linalg.solve(V, theta)) / len(theta)


def _cov(kind: str, X, u, xtx_inv, codes, k_df, limits: InferenceLimits | None = None):
    if kind == "unadjusted":
        return vcov_unadjusted(xtx_inv, u, len(u) - k_df)
    if kind == "robust":
        return vcov_robust(X, u, xtx_inv, k_df=k_df)
    return vcov_cluster(X, u, xtx_inv, codes, k_df=k_df, limits=limits)


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
class IVDesign:
    """The partialled arrays of a 2SLS fit, kept so diagnostics are computed when asked for.

    ``y``, ``Xe`` (endogenous), ``Z`` (excluded instruments) and ``W`` (exogenous controls) with
    the absorbed effects partialled out; ``codes`` the clusters (``clustered`` only), ``fe_dof``
    the absorbed dummies not nested in them, ``k_df`` the K of the second stage.
    """

    y: np.ndarray = field(repr=False)
    Xe: np.ndarray = field(repr=False)
    Z: np.ndarray = field(repr=False)
    W: np.ndarray = field(repr=False)
    codes: np.ndarray | None = field(repr=False)
    fe_dof: int
    k_df: int
    ols_data: pd.DataFrame = field(repr=False)  # the estimation sample, for the OLS comparison
    ols_options: dict = field(repr=False)

    @property
    def X(self) -> np.ndarray:
        return np.column_stack([self.Xe, self.W])

    @cached_property
    def ZW(self) -> np.ndarray:
        return np.column_stack([self.Z, self.W])

    @cached_property
    def ZW_inv(self) -> np.ndarray:
        return np.linalg.inv(self.ZW.T @ self.ZW)


@dataclass(eq=False)
class IVFit(Estimates):
    """A 2SLS fit with absorbed effects: the protocol of :class:`imtfp.results.Estimates`
    for the second-stage coefficients, and, as properties computed on first use (the pattern of
    linearmodels' ``IVResults.first_stage`` / ``wu_hausman``), the first stages
    (:attr:`first_stage`), the weak-identification statistics (:attr:`kp_rk_wald_F`,
    :attr:`cragg_donald_F`), the endogeneity test (:attr:`endogeneity_test`), all of them as
    :attr:`diagnostics`, and the OLS comparison (:attr:`ols`). ``tidy()`` gives the rows
    described in :func:`iv_2sls`.
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
    design: IVDesign = field(repr=False)
    dep_var: str = ""
    nobs: int = 0
    n_clusters: int | None = None
    df_resid: int | None = None
    n_singletons: int = 0

    # ---- first stages --------------------------------------------------------------------------
    @cached_property
    def first_stage(self) -> dict[str, dict]:
        """Each endogenous regressor's first stage: ``coef`` and ``vcov`` of the excluded
        instruments, the Wald ``F`` of their exclusion with the model's covariance and ``p``,
        the classical partial ``F_nonrobust`` and ``p_nonrobust``, and the residuals ``v``."""
        d, cov = self.design, self.cov_type
        n, L = len(d.y), d.Z.shape[1]
        fs_kdf = self._fs_kdf
        den = self.df_inf if self.df_inf is not None else n - fs_kdf
        r_res = d.Xe - (d.W @ np.linalg.lstsq(d.W, d.Xe, rcond=None)[0] if d.W.shape[1] else 0)
        out = {}
        for j, e in enumerate(self.endog):
            pi = d.ZW_inv @ (d.ZW.T @ d.Xe[:, j])
            v = d.Xe[:, j] - d.ZW @ pi
            Vpi = _cov(cov, d.ZW, v, d.ZW_inv, d.codes, fs_kdf)
            F_rob = _wald_F(pi[:L], Vpi[:L, :L])
            ssr_u, ssr_r = float(v @ v), float(r_res[:, j] @ r_res[:, j])
            F_cl = (ssr_r - ssr_u) / L / (ssr_u / (n - fs_kdf))
            out[e] = {
                "coef": pi[:L],
                "vcov": Vpi[:L, :L],
                "F": F_rob,
                "p": float(special.fdtrc(L, den, F_rob)),
                "F_nonrobust": F_cl,
                "p_nonrobust": float(special.fdtrc(L, n - fs_kdf, F_cl)),
                "v": v,
            }
        return out

    @property
    def _fs_kdf(self) -> int:
        """K of a first stage: instruments, exogenous regressors, constant, absorbed dummies."""
        d = self.design
        return d.Z.shape[1] + d.W.shape[1] + 1 + d.fe_dof

    # ---- weak identification -------------------------------------------------------------------
    @cached_property
    def _partialled_on_W(self) -> tuple[np.ndarray, np.ndarray]:
        """Instruments and endogenous regressors with the exogenous regressors partialled out."""
        d = self.design
        if not d.W.shape[1]:
            return d.Z, d.Xe
        L = d.Z.shape[1]
        Wp = d.W @ np.linalg.lstsq(d.W, np.column_stack([d.Z, d.Xe]), rcond=None)[0]
        return d.Z - Wp[:, :L], d.Xe - Wp[:, L:]

    @property
    def _rk_scale(self) -> float:
        n, L = len(self.design.y), self.design.Z.shape[1]
        return (n - self._fs_kdf) / (n * L)

    @cached_property
    def kp_rk_wald_F(self) -> float:
        """Kleibergen–Paap rk Wald F (Cragg–Donald F with ``unadjusted`` covariance)."""
        Zp, Yp = self._partialled_on_W
        G = self.n_clusters
        rk = kp_rk_wald(Zp, Yp, self.cov_type, self.design.codes) * self._rk_scale
        return rk * ((G - 1) / G if G else 1.0)

    @cached_property
    def cragg_donald_F(self) -> float:
        """Cragg–Donald Wald F (homoskedastic weak-identification statistic)."""
        Zp, Yp = self._partialled_on_W
        return kp_rk_wald(Zp, Yp, "unadjusted", None) * self._rk_scale

    # ---- endogeneity ---------------------------------------------------------------------------
    @cached_property
    def endogeneity_test(self) -> tuple[float, float]:
        """Control-function (Durbin–Wu–Hausman) test: (Wald F of the first-stage residuals added
        to the OLS equation, p), with the model's covariance."""
        d = self.design
        vhat = np.column_stack([fs["v"] for fs in self.first_stage.values()])
        Xc = np.column_stack([d.X, vhat])
        Xc_inv = np.linalg.inv(Xc.T @ Xc)
        bc = Xc_inv @ (Xc.T @ d.y)
        uc = d.y - Xc @ bc
        q = vhat.shape[1]
        Vc = _cov(self.cov_type, Xc, uc, Xc_inv, d.codes, d.k_df + q)
        F_end = _wald_F(bc[-q:], Vc[-q:, -q:])
        end_df = self.df_inf if self.cov_type == "clustered" else len(d.y) - d.k_df - q
        return F_end, float(special.fdtrc(q, end_df, F_end))

    @property
    def diagnostics(self) -> dict[str, tuple[float, float]]:
        """Every diagnostic as name → (statistic, p) in the order of the tidy rows
        (``first_stage_F[:<endog>]``, ``first_stage_F_nonrobust[:<endog>]``, ``kp_rk_wald_F``,
        ``cragg_donald_F``, ``endogeneity_test``; p NaN where none is defined)."""
        out: dict[str, tuple[float, float]] = {}
        for e, fs in self.first_stage.items():
            suffix = "" if len(self.endog) == 1 else f":{e}"
            out[f"first_stage_F{suffix}"] = (fs["F"], fs["p"])
            out[f"first_stage_F_nonrobust{suffix}"] = (fs["F_nonrobust"], fs["p_nonrobust"])
        out["kp_rk_wald_F"] = (self.kp_rk_wald_F, np.nan)
        out["cragg_donald_F"] = (self.cragg_donald_F, np.nan)
        out["endogeneity_test"] = self.endogeneity_test
        return out

    # ---- OLS comparison ------------------------------------------------------------------------
    @cached_property
    def ols(self) -> PanelFit:
        """The same equation by fixed-effects OLS on the same sample, with the same covariance."""
        return fit_twfe(self.design.ols_data, **self.design.ols_options)

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
            rows.append(
                {**common, "column": column, "term": name, "estimate": stat, "p": p, "stat": True}
            )
        out = tidy_frame(rows)
        return pd.concat(
            [out, self.ols.tidy(table=table, column="ols", level=level)], ignore_index=True
        )

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


def _check_iv_options(y, endog, instruments, controls, effects, cov) -> tuple[list, list, list]:
    """(endogenous, instruments, exogenous controls) after the checks of :func:`iv_2sls`."""
    check_option(effects, Effects, "effects")
    check_option(cov, CovType, "cov")
    if cov not in IV_COVS:
        raise ConfigError(
            f"cov={cov!r} (models.cov) is not supported by IV-2SLS; use one of {IV_COVS}"
        )
    en, zs = as_list(endog), as_list(instruments)
    ws = [c for c in as_list(controls) if c not in en and c not in zs and c != y]
    if not en or not zs:
        raise ConfigError("iv_2sls needs at least one endogenous regressor and one instrument")
    if len(zs) < len(en):
        raise EstimationError(
            f"underidentified: {len(zs)} instrument(s) for {len(en)} endogenous regressor(s)"
        )
    if set(en) & set(zs):
        raise ConfigError(
            f"a variable is both endogenous and an instrument: {sorted(set(en) & set(zs))}"
        )
    return en, zs, ws


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
    limits: InferenceLimits | None = None,
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
    limits : fewest clusters the covariance accepts (:class:`~imtfp.core.vcov.InferenceLimits`)

    Returns
    -------
    :class:`IVFit`: ``params``, ``bse``, ``pvalues``, ``conf_int()``,
    ``summary()`` of the second stage; the diagnostics as properties; ``tidy()`` gives the rows:
    column ``2sls`` (coefficients, then statistic rows ``first_stage_F[:<endog>]``,
    ``first_stage_F_nonrobust[:<endog>]``, ``kp_rk_wald_F``, ``cragg_donald_F``,
    ``endogeneity_test``, with the statistic in ``estimate`` and its p-value
    in ``p``), column ``first_stage:<endog>`` (first-stage coefficients of the
    instruments) and column ``ols`` (the same equation by OLS with the same
    covariance).
    """
    en, zs, ws = _check_iv_options(y, endog, instruments, controls, effects, cov)
    absorb = None if absorb is None else unique(as_list(absorb))
    ent, tim = effects in ("twoway", "entity"), effects in ("twoway", "time")
    if absorb is not None:
        ent, tim = entity in absorb, time in absorb
    cl = cluster if cluster is not None else entity
    if cov == "clustered" and cl is None:
        raise ConfigError("cov='clustered' needs a cluster variable (cluster and entity are None)")
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
        check_absorbed((p.W[:, idx] ** 2).sum(axis=0), p.raw_ss[idx], cols, what="iv_2sls",
                       absorbed_by=absorbed_by)  # fmt: skip
    codes = s.cluster if cov == "clustered" else None
    fe_dof = p.fe.dof([codes] if codes is not None else []) if p.groups else 0
    design = IVDesign(
        y=p.col(y), Xe=p.cols(en), Z=p.cols(zs), W=p.cols(ws), codes=codes, fe_dof=fe_dof,
        k_df=len(regs) + 1 + fe_dof,
        ols_data=s.frame(
            unique([c for c in (entity, time, cl) if c] + names + absorbed_columns(absorb or ()))
        ),
        ols_options=dict(y=y, x=en, controls=ws, entity=entity, time=time, effects=effects, cov=cov,
                         cluster=cluster, drop_singletons=False, absorb=absorb, what="iv ols",
                         limits=limits),
    )  # fmt: skip
    beta, V = _second_stage(design, regs, zs + ws, cov, limits)
    n = len(design.y)
    G = int(codes.max()) + 1 if codes is not None else None
    return IVFit(
        terms=regs, coef=beta, vcov=V, df_inf=(G - 1) if G is not None else n - design.k_df,
        cov_type=cov, endog=en, instruments=zs, controls=ws, entity_fe=ent, time_fe=tim,
        design=design, dep_var=y, nobs=n, n_clusters=G, df_resid=n - design.k_df,
        n_singletons=s.n_singletons,
    )  # fmt: skip


def _second_stage(
    d: IVDesign, regs: list[str], exog: list[str], cov: str, limits: InferenceLimits | None
) -> tuple[np.ndarray, np.ndarray]:
    """:math:`\\hat\\beta = (\\hat X'X)^{-1}\\hat X'y` with :math:`\\hat X = P_{[Z,W]}[X, W]`, and its covariance."""
    bad = collinear_columns(d.ZW.T @ d.ZW)
    if bad:
        raise EstimationError(
            f"iv_2sls: instruments/controls {[exog[j] for j in bad]} are collinear"
        )
    X = d.X
    Xhat = d.ZW @ (d.ZW_inv @ (d.ZW.T @ X))
    xtx = Xhat.T @ Xhat
    bad = collinear_columns(xtx)
    if bad:
        raise EstimationError(
            f"iv_2sls: {[regs[j] for j in bad]} are not identified by the instruments"
        )
    xtx_inv = np.linalg.inv(xtx)
    beta = xtx_inv @ (Xhat.T @ d.y)
    u = d.y - X @ beta
    return beta, _cov(cov, Xhat, u, xtx_inv, d.codes, d.k_df, limits)
