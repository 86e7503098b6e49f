"""Two-way fixed-effects panel regressions and their inference with few clusters.

Model (``effects="twoway"``)

.. math::
    y_{it} = \\beta' X_{it} + \\gamma' Z_{it} + \\mu_i + \\lambda_t + \\varepsilon_{it}

Point estimates come from linearmodels ``PanelOLS`` (statsmodels ``OLS`` for a
cross-section without entity and time columns). Covariances come from
:mod:`imtfp.core.vcov` applied to the within-transformed design, with
Stata's conventions:

* ``clustered`` (default, by ``cluster``, default the entity):
  :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}` where K counts the slopes, the
  constant and the effect dummies *not* nested in the clusters. With entity
  effects clustered by entity this is ``xtreg, fe vce(cluster id)``; with
  two-way effects it is ``xtreg y x i.year, fe vce(cluster id)`` (K includes
  the T−1 year dummies). ``reghdfe`` gives the same numbers here (it also
  drops nested effects from K); ``areg`` counts the nested province dummies
  and is not reproduced. Inference uses t(G−1).
* ``unadjusted``: :math:`s^2 = e'e/(N-K)` with all effect dummies in K
  (``xtreg, fe`` conventional errors); t(N−K).
* ``robust``: HC1 with all effect dummies in K; t(N−K). (Stata's
  ``xtreg, fe vce(robust)`` is clustered by panel: use ``clustered``.)
* ``driscoll_kraay``: Bartlett kernel with :math:`\\lfloor 4(T/100)^{2/9}\\rfloor`
  lags, factor N/(N−K), K with all effect dummies (linearmodels'
  ``cov_type="kernel", debiased=True``); t(T−1). Warns when T < 20.
* ``twoway_clustered``: Cameron–Gelbach–Miller by ``cluster`` and time,
  each component with its own G/(G−1)·(N−1)/(N−K); t(min(G₁,G₂)−1).

Within R² is :math:`1 - e'e/\\ddot y'\\ddot y` with :math:`\\ddot y` the
dependent variable with all absorbed effects partialled out (reghdfe's
"within R-sq."; with entity effects only it is xtreg's "R-sq within").
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from linearmodels import PanelOLS
from scipy import stats

from imtfp.core.fe import demean, group_codes
from imtfp.core.ols import ols
from imtfp.core.vcov import (
    absorbed_dof,
    vcov_cluster,
    vcov_driscoll_kraay,
    vcov_robust,
    vcov_twoway_cluster,
    vcov_unadjusted,
)
from imtfp.core.wild import WildWeights, wild_cluster_bootstrap
from imtfp.errors import EstimationError
from imtfp.models._common import (
    CovType,
    Effects,
    as_list,
    check_option,
    effect_groups,
    logger,
    prepare_sample,
    unique,
)
from imtfp.tidy import tidy_frame

DK_MIN_PERIODS = 20


@dataclass
class PanelFit:
    """A fitted linear panel model with its covariance (see module docstring)."""

    dep_var: str
    terms: list[str]
    params: np.ndarray
    cov: np.ndarray
    nobs: int
    r2_within: float
    df_inf: int | None  # degrees of freedom of the t reference distribution (None: normal)
    cov_type: str
    entity_fe: bool
    time_fe: bool
    controls: list[str]
    n_clusters: int | None
    k_df: int
    sample: pd.DataFrame = field(repr=False)
    groups: list[np.ndarray] = field(repr=False)
    Xt: np.ndarray = field(repr=False)
    yt: np.ndarray = field(repr=False)
    resid: np.ndarray = field(repr=False)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    def coef(self, term: str) -> float:
        return float(self.params[self.terms.index(term)])

    def stderr(self, term: str) -> float:
        return float(self.se[self.terms.index(term)])

    def tidy(self, *, table: str = "", column: str = "", level: float = 0.95, terms: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per coefficient in the :mod:`imtfp.tidy` format."""
        keep = list(self.terms) if terms is None else [t for t in terms if t in self.terms]
        meta = {
            "table": table,
            "column": column,
            "nobs": self.nobs,
            "r2_within": self.r2_within,
            "entity_fe": self.entity_fe,
            "time_fe": self.time_fe,
            "controls": ",".join(self.controls),
            "cov": self.cov_type,
            "dep_var": self.dep_var,
        }
        rows = coef_rows(meta, self.terms, self.params, self.cov, self.df_inf, level, keep=keep)
        return tidy_frame(rows)


def inference_row(est: float, se: float, df: int | None, level: float = 0.95) -> dict:
    """t, two-sided p and CI from an estimate and its standard error."""
    t = est / se if se > 0 else np.nan
    dist = stats.norm if df is None else stats.t(df)
    p = 2 * dist.sf(abs(t)) if np.isfinite(t) else np.nan
    q = dist.ppf(1 - (1 - level) / 2)
    return {"estimate": est, "se": se, "t": t, "p": p, "ci_low": est - q * se, "ci_high": est + q * se}


def coef_rows(
    meta: Mapping,
    terms: Sequence[str],
    params: np.ndarray,
    vcov: np.ndarray,
    df: int | None,
    level: float = 0.95,
    *,
    keep: Sequence[str] | None = None,
) -> list[dict]:
    """Tidy rows ``{**meta, term, estimate, se, t, p, ci_low, ci_high}``, one per coefficient.

    ``terms`` name ``params`` (and the rows/columns of ``vcov``) in order; rows
    follow ``keep`` (default: all ``terms``).
    """
    names = list(terms)
    order = range(len(names)) if keep is None else [names.index(t) for t in keep]
    return [
        {
            **meta,
            "term": names[i],
            **inference_row(float(params[i]), float(np.sqrt(vcov[i, i])), df, level),
        }
        for i in order
    ]


def _effects_for(entity: str | None, time: str | None, effects: str) -> tuple[bool, bool]:
    ent = effects in ("twoway", "entity")
    tim = effects in ("twoway", "time")
    if ent and entity is None:
        raise ValueError(f"effects={effects!r} needs an entity column (entity is None)")
    if tim and time is None:
        raise ValueError(f"effects={effects!r} needs a time column (time is None)")
    return ent, tim


def _point_estimates(df, y, regs, entity, time, ent, tim, groups) -> np.ndarray:
    """Slopes from linearmodels PanelOLS, or statsmodels OLS for a cross-section.

    Without both an entity and a time column (e.g. ``entity=None`` with year
    effects) there is no panel index for PanelOLS and the slopes are the
    least squares fit on the within-transformed data (the same estimator).
    """
    if entity is not None and time is not None:
        panel = df.set_index([entity, time])
        exog = panel[regs].copy()
        if not (ent or tim):
            exog.insert(0, "const", 1.0)
        try:
            res = PanelOLS(panel[y], exog, entity_effects=ent, time_effects=tim).fit(cov_type="unadjusted")
        except Exception as err:  # AbsorbingEffectError, rank errors, …
            raise EstimationError(f"PanelOLS cannot estimate {y} on {regs}: {err}") from err
        return res.params[regs].to_numpy(dtype=float)
    if groups:
        Xt = demean(df[regs].to_numpy(dtype=float), groups)
        return ols(Xt, demean(df[y].to_numpy(dtype=float), groups)).beta
    exog = sm.add_constant(df[regs], has_constant="add")
    res = sm.OLS(df[y], exog).fit()
    if not np.all(np.isfinite(res.params)) or np.linalg.matrix_rank(exog.to_numpy(dtype=float)) < exog.shape[1]:
        raise EstimationError(f"the regressors of {y} are collinear: {regs}")
    return res.params[regs].to_numpy(dtype=float)


def fit_twfe(
    data: pd.DataFrame,
    *,
    y: str,
    x: str | Sequence[str],
    controls: Sequence[str] = (),
    entity: str | None = "province",
    time: str | None = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    dk_bandwidth: int | None = None,
    what: str = "twfe",
) -> PanelFit:
    """Fit the fixed-effects model and return a :class:`PanelFit` (see :func:`twfe`)."""
    check_option(effects, Effects, "effects")
    check_option(cov, CovType, "cov")
    xs = as_list(x)
    if not xs:
        raise ValueError("x must name at least one regressor")
    regs = unique(xs + [c for c in as_list(controls) if c not in xs])
    if y in regs:
        raise ValueError(f"the dependent variable {y!r} is also a regressor")
    ent, tim = _effects_for(entity, time, effects)
    clustered = cov in ("clustered", "twoway_clustered")
    cl = cluster if cluster is not None else entity
    if clustered and cl is None:
        raise ValueError(f"cov={cov!r} needs a cluster variable (cluster and entity are None)")
    if cov in ("driscoll_kraay", "twoway_clustered") and time is None:
        raise ValueError(f"cov={cov!r} needs a time column")
    extra = [cl] if (clustered and cl not in (entity, time)) else []
    df = prepare_sample(data, [y] + regs, entity=entity, time=time, extra=extra, what=what)
    if clustered:
        df = df.dropna(subset=[cl]).reset_index(drop=True)
    n = len(df)
    if n == 0:
        raise EstimationError(f"{what}: no complete observations")

    groups = effect_groups(df, entity=entity, time=time, effects=effects)
    beta = _point_estimates(df, y, regs, entity, time, ent, tim, groups)
    X = df[regs].to_numpy(dtype=float)
    yv = df[y].to_numpy(dtype=float)
    if groups:
        Xt, yt = demean(X, groups), demean(yv, groups)
        resid = yt - Xt @ beta
        design, tss = Xt, float(yt @ yt)
    else:
        design = np.column_stack([np.ones(n), X])
        coef_full = np.linalg.lstsq(design, yv, rcond=None)[0]
        resid = yv - design @ coef_full
        Xt, yt = X - X.mean(axis=0), yv - yv.mean()
        tss = float(yt @ yt)
    xtx_inv = np.linalg.inv(design.T @ design)
    k = len(regs) + 1  # slopes and the constant (absorbed or explicit)
    all_fe = absorbed_dof(groups)
    n_clusters = None
    time_codes = group_codes(df[time].to_numpy()) if time is not None else None

    if cov == "unadjusted":
        k_df = k + all_fe
        V = vcov_unadjusted(xtx_inv, resid, n - k_df)
        df_inf = n - k_df
    elif cov == "robust":
        k_df = k + all_fe
        V = vcov_robust(design, resid, xtx_inv, k_df=k_df)
        df_inf = n - k_df
    elif cov == "clustered":
        codes = group_codes(df[cl].to_numpy())
        n_clusters = int(codes.max()) + 1
        k_df = k + absorbed_dof(groups, [codes])
        V = vcov_cluster(design, resid, xtx_inv, codes, k_df=k_df)
        df_inf = n_clusters - 1
    elif cov == "twoway_clustered":
        codes = group_codes(df[cl].to_numpy())
        n_clusters = int(codes.max()) + 1
        k_df = k + absorbed_dof(groups, [codes, time_codes])
        V = vcov_twoway_cluster(design, resid, xtx_inv, codes, time_codes, k_df=k_df)
        df_inf = min(n_clusters, int(time_codes.max()) + 1) - 1
    else:  # driscoll_kraay
        T = int(time_codes.max()) + 1
        if T < DK_MIN_PERIODS:
            msg = f"Driscoll–Kraay standard errors with only T = {T} periods (< {DK_MIN_PERIODS}) are unreliable"
            warnings.warn(msg, UserWarning, stacklevel=2)
            logger.warning(msg)
        k_df = k + all_fe
        V = vcov_driscoll_kraay(design, resid, xtx_inv, time_codes, k_df=k_df, bandwidth=dk_bandwidth)
        df_inf = T - 1

    if not groups:  # drop the intercept row/column
        V = V[1:, 1:]
    r2 = 1 - float(resid @ resid) / tss if tss > 0 else np.nan
    return PanelFit(
        dep_var=y,
        terms=regs,
        params=beta,
        cov=V,
        nobs=n,
        r2_within=r2,
        df_inf=df_inf,
        cov_type=cov,
        entity_fe=ent,
        time_fe=tim,
        controls=[c for c in regs if c not in xs],
        n_clusters=n_clusters,
        k_df=k_df,
        sample=df,
        groups=groups,
        Xt=Xt,
        yt=yt,
        resid=resid,
    )


def twfe(
    data: pd.DataFrame,
    *,
    y: str,
    x: str | Sequence[str],
    controls: Sequence[str] = (),
    entity: str | None = "province",
    time: str | None = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    level: float = 0.95,
    table: str = "",
    column: str = "",
) -> pd.DataFrame:
    """Fixed-effects regression of ``y`` on ``x`` and ``controls``, as a tidy frame.

    .. math::
        y_{it} = \\beta'x_{it} + \\gamma'z_{it} + \\mu_i + \\lambda_t + \\varepsilon_{it}

    Parameters
    ----------
    data : panel with the entity, time and model columns
    y, x, controls : column names; all coefficients are reported
    effects : ``twoway`` (entity and time), ``entity``, ``time`` or ``none``
    cov : covariance estimator (see the module docstring for the exact
        small-sample conventions; ``clustered`` reproduces Stata's ``xtreg, fe
        vce(cluster id)``)
    cluster : cluster variable; ``None`` clusters by the entity

    Returns
    -------
    Tidy frame (:data:`imtfp.tidy.TIDY_COLUMNS`) with one row per coefficient.
    """
    fit = fit_twfe(
        data, y=y, x=x, controls=controls, entity=entity, time=time, effects=effects, cov=cov, cluster=cluster
    )
    return fit.tidy(table=table, column=column, level=level)


def inference_panel(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    controls: Sequence[str] = (),
    entity: str = "province",
    time: str = "year",
    effects: Effects = "twoway",
    cluster: str | None = None,
    B: int = 9999,
    weights: WildWeights = "webb",
    seed: int,
    level: float = 0.95,
    table: str = "inference",
) -> pd.DataFrame:
    """The core coefficient under four kinds of inference, side by side.

    Columns (the ``column`` field): ``clustered`` (by ``cluster``, default the
    entity), ``driscoll_kraay``, ``twoway_clustered`` (entity and time) and
    ``wild_bootstrap``: the restricted wild cluster bootstrap (WCR) with
    ``weights`` and ``B`` draws, whose p-value tests :math:`\\beta = 0` and
    whose interval inverts the bootstrap test (see
    :func:`imtfp.core.wild.wild_cluster_bootstrap`). The wild row reports the
    clustered standard error and the original t statistic.
    """
    common = dict(y=y, x=x, controls=controls, entity=entity, time=time, effects=effects, cluster=cluster)
    frames = []
    fits = {}
    for cov in ("clustered", "driscoll_kraay", "twoway_clustered"):
        fits[cov] = fit_twfe(data, cov=cov, what=f"inference ({cov})", **common)
        frames.append(fits[cov].tidy(table=table, column=cov, level=level, terms=[x]))
    base = fits["clustered"]
    df = base.sample
    cl = cluster if cluster is not None else entity
    regs = base.terms
    X = df[regs].to_numpy(dtype=float)
    if not base.groups:
        X = np.column_stack([X, np.ones(len(df))])
    wild = wild_cluster_bootstrap(
        X,
        df[y].to_numpy(dtype=float),
        df[cl].to_numpy(),
        param=regs.index(x),
        B=B,
        weights=weights,
        seed=seed,
        absorb=base.groups,
        k_df=base.k_df,
        level=level,
    )
    row = frames[0].iloc[[0]].copy()
    row["column"] = "wild_bootstrap"
    row["cov"] = f"wild_bootstrap ({weights}, B={B})"
    row["t"] = wild.t_stat
    row["p"] = wild.p_value
    row["ci_low"] = wild.ci_low
    row["ci_high"] = wild.ci_high
    frames.append(row)
    return pd.concat(frames, ignore_index=True)
