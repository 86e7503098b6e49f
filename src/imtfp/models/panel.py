"""Two-way fixed-effects panel regressions and their inference with few clusters.

Model (``effects="twoway"``)

.. math::
    y_{it} = \\beta' X_{it} + \\gamma' Z_{it} + \\mu_i + \\lambda_t + \\varepsilon_{it}

Point estimates are least squares on the design with every absorbed effect
partialled out by imtfp's own engine (:mod:`imtfp.core.fe`: exact for one
or two factors, balanced or not; all columns at once; singletons dropped
and reported as in reghdfe). Without effects the constant is partialled
out instead (Frisch–Waugh), which gives the pooled OLS slopes and
covariances. Regressors that are constant or absorbed by the effects raise
:class:`~imtfp.errors.EstimationError` naming them; a regressor that is a
linear combination of earlier ones is omitted with a warning naming it
(Stata's "omitted because of collinearity"). Covariances come from
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
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.core.blas import single_blas_thread
from imtfp.core.fe import AbsorbPlan, compact_codes, group_codes, singleton_mask
from imtfp.core.rank import centred_ss, check_absorbed, collinear_columns
from imtfp.core.vcov import (
    InferenceLimits,
    vcov_cluster,
    vcov_driscoll_kraay,
    vcov_robust,
    vcov_twoway_cluster,
    vcov_unadjusted,
)
from imtfp.core.wild import WildResult, WildWeights, wild_cluster_bootstrap
from imtfp.errors import ConfigError, EstimationError
from imtfp.models._common import (
    CovType,
    Effects,
    as_list,
    check_option,
    logger,
    unique,
)
from imtfp.results import Estimates, ResultSet
from imtfp.tidy import tidy_frame

_DUP_DENSE_MAX = 50_000_000  # entity × period cells checked for duplicates with one bincount


# ---------------------------------------------------------------------------- the sample
@dataclass
class PanelSample:
    """The rows and columns a model uses, as float64 arrays (no pandas copy of the design).

    ``values`` holds ``names`` column-wise (Fortran order), one row per used
    row of ``data`` (positions ``rows``); codes are 0..G-1 in sorted label
    order. ``n_missing`` rows had a missing value, ``n_singletons`` were
    singletons of an absorbed factor (dropped as reghdfe does).
    """

    data: pd.DataFrame = field(repr=False)
    rows: np.ndarray = field(repr=False)
    names: list[str]
    values: np.ndarray = field(repr=False)
    entity: np.ndarray | None = field(repr=False)
    time: np.ndarray | None = field(repr=False)
    cluster: np.ndarray | None = field(repr=False)
    n_missing: int = 0
    n_singletons: int = 0
    absorbed: list[np.ndarray] | None = field(default=None, repr=False)  # codes of ``absorb``

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def subset(self, keep: np.ndarray) -> PanelSample:
        done: dict[int, np.ndarray] = {}
        idx = np.flatnonzero(keep)

        def cut(c):  # the cluster is often the entity array itself: compact it once, keep it shared
            if c is None:
                return None
            if id(c) not in done:
                done[id(c)] = compact_codes(c.take(idx))
            return done[id(c)]

        values = _take_rows(self.values, idx)
        return PanelSample(
            self.data,
            self.rows.take(idx),
            self.names,
            values,
            cut(self.entity),
            cut(self.time),
            cut(self.cluster),
            self.n_missing,
            self.n_singletons + int((~keep).sum()),
            None if self.absorbed is None else [cut(c) for c in self.absorbed],
        )

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The used rows of the caller's frame (a copy; only built on demand)."""
        cols = list(self.data.columns) if columns is None else list(columns)
        return self.data.iloc[self.rows][cols].reset_index(drop=True)


def _take_rows(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Rows ``keep`` (mask or positions) of a Fortran-ordered array, column by column."""
    idx = np.flatnonzero(keep) if keep.dtype == bool else keep  # the mask is scanned once
    out = np.empty((len(idx), values.shape[1]), order="F")
    for j in range(values.shape[1]):
        out[:, j] = values[:, j].take(idx)  # (np.take with out= into a strided column is slower)
    return out


def _numeric(col: pd.Series) -> np.ndarray:
    if col.dtype == np.float64:  # the common case: a view, no copy
        return col.to_numpy()
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        col = pd.to_numeric(col, errors="raise")
    return col.to_numpy(dtype=float, na_value=np.nan)


def _check_duplicates(s: PanelSample, entity: str, time: str, what: str) -> None:
    E, T = int(s.entity.max()) + 1, int(s.time.max()) + 1
    key = s.entity * T + s.time
    if E * T <= _DUP_DENSE_MAX:
        counts = np.bincount(key, minlength=E * T)
        if counts.max() <= 1:  # the usual case: one pass, no per-row lookup
            return
        dup = counts[key] > 1
    else:
        _, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
        dup = cnt[inv] > 1
    if dup.any():
        ex = s.data.iloc[s.rows[dup]][[entity, time]].head(3).to_dict("records")
        raise EstimationError(f"{what}: duplicate ({entity}, {time}) rows, e.g. {ex}")


def absorbed_columns(absorb: Sequence[str]) -> list[str]:
    """The data columns named by absorbed effects (``a^b`` names ``a`` and ``b``)."""
    return unique(c for spec in absorb for c in spec.split("^"))


def _effect_codes(
    data: pd.DataFrame, spec: str, rows: np.ndarray | None, known: dict
) -> np.ndarray:
    """Codes of one absorbed effect: a column, or the interaction ``a^b`` (one level per pair)."""
    codes = None
    for c in spec.split("^"):
        if c not in known:
            arr = data[c].to_numpy()
            known[c] = group_codes(arr if rows is None else arr[rows])
        g = known[c]
        codes = g if codes is None else group_codes(codes * (int(g.max()) + 1) + g)
    return codes


def _refuse_infinite(data, names, values, keys, what) -> None:
    """±inf is not data (x/0 upstream): refuse naming the column and the first rows."""
    j = int(np.flatnonzero(np.isinf(values).any(axis=0))[0])
    rows = np.flatnonzero(np.isinf(values[:, j]))
    where = "; ".join(
        ", ".join(f"{k} {data[k].iat[i]}" for k in keys) or f"row {i}" for i in rows[:5]
    )
    raise EstimationError(
        f"{what}: non-finite values (±inf) in column {names[j]!r} ({len(rows)} rows: {where})"
    )


def panel_sample(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    entity: str | None,
    time: str | None,
    cluster: str | None = None,
    absorb: Sequence[str] = (),
    what: str = "model",
) -> PanelSample:
    """Complete cases of ``variables`` (and keys, cluster, absorbed effects) as arrays.

    Raises :class:`ConfigError` for a missing column and :class:`EstimationError`
    for duplicate (entity, time) pairs (not checked when effects are named by
    ``absorb``: absorbing effects needs no unique panel key). Only the needed
    columns are read; missing rows are counted.
    """
    keys = [c for c in (entity, time) if c is not None]
    fe_cols = absorbed_columns(absorb)
    cols = unique(keys + list(variables) + ([cluster] if cluster else []) + fe_cols)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ConfigError(f"{what}: the data have no column(s) {missing}")
    names = unique(variables)
    N = len(data)
    values = np.empty((N, len(names)), order="F")
    bad = np.zeros(N, dtype=bool)
    for j, v in enumerate(names):
        values[:, j] = _numeric(data[v])
        bad |= np.isnan(values[:, j])
    if np.isinf(values).any():
        _refuse_infinite(data, names, values, keys, what)
    for c in unique(keys + ([cluster] if cluster else []) + fe_cols):
        if data[c].dtype.kind not in "iub":  # integer and boolean columns have no missing value
            bad |= data[c].isna().to_numpy()
    ok = ~bad
    n_missing = int(N - ok.sum())
    if n_missing:
        logger.info(
            "%s: dropped %d of %d rows with a missing value in %s", what, n_missing, N, cols
        )
        rows = np.flatnonzero(ok)
        values = _take_rows(values, ok)
    else:
        rows = np.arange(N)

    known: dict[str, np.ndarray] = {}  # codes by column, shared (the same array) between roles
    sub = rows if n_missing else None

    def codes(c):
        return None if c is None else _effect_codes(data, c, sub, known)

    ent, tim = codes(entity), codes(time)
    cl = codes(cluster) if cluster else None
    fe = [codes(spec) for spec in absorb] if absorb else None
    s = PanelSample(data, rows, names, values, ent, tim, cl, n_missing, 0, fe)
    if entity is not None and time is not None and len(rows) and not absorb:
        _check_duplicates(s, entity, time, what)
    return s


# ---------------------------------------------------------------------------- the result
@dataclass(eq=False)
class PanelFit(Estimates):
    """A fitted linear panel model (see the module docstring), with the statsmodels-like
    accessors of :class:`imtfp.results.Estimates`: ``params``, ``bse``, ``tvalues``,
    ``pvalues`` (Series by term), ``conf_int()``, ``summary()``, ``tidy()``.

    ``coef(term)`` and ``stderr(term)`` return one coefficient and its standard
    error as floats; ``beta`` and ``vcov`` are the arrays; ``omitted`` lists
    regressors dropped for collinearity; ``n_singletons`` the singleton rows
    dropped before estimation.
    """

    terms: list[str]
    beta: np.ndarray
    vcov: np.ndarray
    r2_within: float
    df_inf: int | None  # degrees of freedom of the t reference distribution (None: normal)
    cov_type: str
    entity_fe: bool
    time_fe: bool
    controls: list[str]
    k_df: int
    groups: list[np.ndarray] = field(repr=False)
    Xt: np.ndarray = field(repr=False)
    yt: np.ndarray = field(repr=False)
    resid: np.ndarray = field(repr=False)
    panel: PanelSample | None = field(default=None, repr=False)
    dep_var: str = ""
    nobs: int = 0
    n_clusters: int | None = None
    df_resid: int | None = None
    n_singletons: int = 0
    omitted: list[str] = field(default_factory=list)
    fe_method: str = ""
    absorbed: list[str] = field(default_factory=list)  # effects named by ``absorb``

    @property
    def params(self) -> pd.Series:
        return pd.Series(np.asarray(self.beta, dtype=float), index=list(self.terms), name="params")

    @property
    def cov(self) -> np.ndarray:
        """The covariance array (same as ``vcov``)."""
        return self.vcov

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    @property
    def sample(self) -> pd.DataFrame:
        """The estimation sample's rows of the input (built on demand; aligned with ``Xt``)."""
        return self.panel.frame()

    def coef(self, term: str) -> float:
        return float(self.beta[self.terms.index(term)])

    def stderr(self, term: str) -> float:
        return float(self.se[self.terms.index(term)])

    def tidy(
        self,
        *,
        table: str = "",
        column: str = "",
        level: float = 0.95,
        terms: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """One row per coefficient in the :mod:`imtfp.tidy` format, with the model facts."""
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
        rows = coef_rows(meta, self.terms, self.beta, self.vcov, self.df_inf, level, keep=keep)
        return tidy_frame(rows)

    def _summary_header(self) -> list[tuple[str, str]]:
        fe = list(self.absorbed) or [
            n for n, on in (("entity", self.entity_fe), ("time", self.time_fe)) if on
        ]
        lines = [
            ("Model", "fixed-effects (within) regression" if fe else "pooled OLS"),
            ("Dep. variable", self.dep_var),
            ("No. observations", f"{self.nobs:,}"),
            ("Fixed effects", " + ".join(fe) if fe else "none"),
        ]
        if self.n_singletons:
            lines.append(("Singletons dropped", f"{self.n_singletons:,}"))
        if self.omitted:
            lines.append(("Omitted (collinear)", ", ".join(self.omitted)))
        lines.append(("Within R²" if fe else "R²", f"{self.r2_within:.4f}"))
        lines.append(("Inference", self.cov_type))
        if self.n_clusters is not None:
            lines.append(("No. clusters", str(self.n_clusters)))
        lines.append(
            ("Reference distribution", "normal" if self.df_inf is None else f"t({self.df_inf})")
        )
        return lines


def inference_row(est: float, se: float, df: int | None, level: float = 0.95) -> dict:
    """t, two-sided p and CI from an estimate and its standard error."""
    t = est / se if se > 0 else np.nan
    upper = 1 - (1 - level) / 2
    if df is None:
        p = 2 * special.ndtr(-abs(t)) if np.isfinite(t) else np.nan
        q = special.ndtri(upper)
    else:
        p = 2 * special.stdtr(df, -abs(t)) if np.isfinite(t) else np.nan
        q = special.stdtrit(df, upper)
    return {
        "estimate": est,
        "se": se,
        "t": t,
        "p": p,
        "ci_low": est - q * se,
        "ci_high": est + q * se,
    }


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
            "stat": False,
        }
        for i in order
    ]


def _effects_for(entity: str | None, time: str | None, effects: str) -> tuple[bool, bool]:
    ent = effects in ("twoway", "entity")
    tim = effects in ("twoway", "time")
    if ent and entity is None:
        raise ConfigError(f"effects={effects!r} needs an entity column (entity is None)")
    if tim and time is None:
        raise ConfigError(f"effects={effects!r} needs a time column (time is None)")
    return ent, tim


# ---------------------------------------------------------------------------- partialling
@dataclass
class Partialled:
    """A sample with its absorbed effects partialled out (every column at once)."""

    sample: PanelSample
    groups: list[np.ndarray]
    fe: AbsorbPlan
    W: np.ndarray  # partialled ``sample.values``
    raw_ss: np.ndarray  # centred sums of squares of the raw columns

    def col(self, name: str) -> np.ndarray:
        return self.W[:, self.sample.names.index(name)]

    def cols(self, names: Sequence[str]) -> np.ndarray:
        idx = [self.sample.names.index(c) for c in names]
        return self.W[:, idx] if idx else np.empty((self.W.shape[0], 0))


def partial_out(
    s: PanelSample, *, ent: bool, tim: bool, drop_singletons: bool = True, what: str = "model"
) -> Partialled:
    """Drop singletons (reported), then partial the absorbed effects out of every column.

    Without effects the constant is partialled out (one group), so slopes and
    their covariances equal pooled OLS with an intercept (Frisch–Waugh). A sample
    built with ``absorb`` partials out those effects (any number; ``ent``/``tim`` ignored).
    """

    def effect_groups(s: PanelSample) -> list[np.ndarray]:
        if s.absorbed is not None:
            return list(s.absorbed)
        return [g for g, on in ((s.entity, ent), (s.time, tim)) if on]

    groups = effect_groups(s)
    if groups and drop_singletons:
        keep = singleton_mask(groups)
        if not keep.all():
            n_single = int((~keep).sum())
            logger.info(
                "%s: dropped %d singleton observation(s) (alone in an absorbed group)",
                what,
                n_single,
            )
            s = s.subset(keep)
            groups = effect_groups(s)
    n = len(s.rows)
    if n == 0:
        raise EstimationError(f"{what}: no complete observations")
    fe = AbsorbPlan(groups if groups else [np.zeros(n, dtype=np.intp)])
    raw_ss = centred_ss(s.values)
    W = fe.demean(s.values)
    return Partialled(s, groups, fe, W, raw_ss)


def _covariance(cov, design, resid, xtx_inv, p: Partialled, k, dk_bandwidth, limits):
    """(V, k_df, df_inf, n_clusters) with Stata's conventions (module docstring)."""
    s, n = p.sample, len(resid)
    fe = p.fe if p.groups else None
    all_fe = fe.dof() if fe else 0
    if cov == "unadjusted":
        k_df = k + all_fe
        return vcov_unadjusted(xtx_inv, resid, n - k_df), k_df, n - k_df, None
    if cov == "robust":
        k_df = k + all_fe
        return vcov_robust(design, resid, xtx_inv, k_df=k_df), k_df, n - k_df, None
    if cov == "clustered":
        G = int(s.cluster.max()) + 1
        k_df = k + (fe.dof([s.cluster]) if fe else 0)
        V = vcov_cluster(design, resid, xtx_inv, s.cluster, k_df=k_df, limits=limits)
        return V, k_df, G - 1, G
    if cov == "twoway_clustered":
        G = int(s.cluster.max()) + 1
        k_df = k + (fe.dof([s.cluster, s.time]) if fe else 0)
        V = vcov_twoway_cluster(design, resid, xtx_inv, s.cluster, s.time, k_df=k_df, limits=limits)
        return V, k_df, min(G, int(s.time.max()) + 1) - 1, G
    T = (
        int(s.time.max()) + 1
    )  # driscoll_kraay (vcov refuses, or warns when forced, below its minimum T)
    k_df = k + all_fe
    V = vcov_driscoll_kraay(
        design, resid, xtx_inv, s.time, k_df=k_df, bandwidth=dk_bandwidth, limits=limits
    )
    return V, k_df, T - 1, None


@single_blas_thread
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
    drop_singletons: bool = True,
    absorb: Sequence[str] | None = None,
    what: str = "twfe",
    limits: InferenceLimits | None = None,
) -> PanelFit:
    """Fit the fixed-effects model and return a :class:`PanelFit` (same as :func:`twfe`).

    ``absorb`` names the absorbed effects instead of ``effects``: any number of columns and
    interactions ``a^b`` (one effect per observed pair), e.g. ``["firm", "year", "industry^year"]``;
    ``entity`` is then only the default cluster and ``time`` the period of Driscoll–Kraay and
    two-way clustering.
    """
    check_option(effects, Effects, "effects")
    check_option(cov, CovType, "cov")
    xs = as_list(x)
    if not xs:
        raise ConfigError("x must name at least one regressor")
    regs = unique(xs + [c for c in as_list(controls) if c not in xs])
    if y in regs:
        raise EstimationError(f"{what}: the dependent variable {y!r} is also a regressor")
    if absorb is not None:
        absorb = unique(as_list(absorb))
        ent, tim = entity in absorb, time in absorb
    else:
        ent, tim = _effects_for(entity, time, effects)
    clustered = cov in ("clustered", "twoway_clustered")
    cl = cluster if cluster is not None else entity
    if clustered and cl is None:
        raise ConfigError(f"cov={cov!r} needs a cluster variable (cluster and entity are None)")
    if cov in ("driscoll_kraay", "twoway_clustered") and time is None:
        raise ConfigError(f"cov={cov!r} needs a time column")
    s = panel_sample(
        data,
        [y] + regs,
        entity=entity if absorb is None else None,
        time=time if absorb is None or cov in ("driscoll_kraay", "twoway_clustered") else None,
        cluster=cl if clustered else None,
        absorb=absorb or (),
        what=what,
    )
    if len(s.rows) == 0:
        raise EstimationError(f"{what}: no complete observations")
    p = partial_out(s, ent=ent, tim=tim, drop_singletons=drop_singletons, what=what)
    s = p.sample
    names = (
        absorb if absorb is not None else [n for n, on in (("entity", ent), ("time", tim)) if on]
    )
    absorbed_by = " + ".join(names) + " fixed effects"
    Xt, yt = p.W[:, 1:], p.W[:, 0]  # views: the sample's columns are [y] + regs
    xtx = Xt.T @ Xt
    check_absorbed(
        np.diag(xtx),
        p.raw_ss[1:],
        regs,
        what=what,
        absorbed_by=absorbed_by if p.groups else "constant",
    )
    drop = collinear_columns(xtx)
    omitted = [regs[j] for j in drop]
    if omitted:
        msg = f"{what}: {omitted} omitted because of collinearity with earlier regressors"
        warnings.warn(msg, UserWarning, stacklevel=2)
        logger.warning(msg)
        keep = [j for j in range(len(regs)) if j not in drop]
        regs = [regs[j] for j in keep]
        Xt, xtx = Xt[:, keep], xtx[np.ix_(keep, keep)]
    n = len(yt)
    xtx_inv = np.linalg.inv(xtx)
    beta = xtx_inv @ (Xt.T @ yt)
    resid = yt - Xt @ beta
    k = len(regs) + 1  # slopes and the constant (absorbed or explicit)
    V, k_df, df_inf, n_clusters = _covariance(cov, Xt, resid, xtx_inv, p, k, dk_bandwidth, limits)
    tss = float(yt @ yt)
    r2 = 1 - float(resid @ resid) / tss if tss > 0 else np.nan
    all_fe = p.fe.dof() if p.groups else 0
    return PanelFit(
        dep_var=y,
        terms=regs,
        beta=beta,
        vcov=V,
        r2_within=r2,
        df_inf=df_inf,
        cov_type=cov,
        entity_fe=ent,
        time_fe=tim,
        controls=[c for c in regs if c not in xs],
        k_df=k_df,
        groups=p.groups,
        Xt=Xt,
        yt=yt,
        resid=resid,
        panel=s,
        nobs=n,
        n_clusters=n_clusters,
        df_resid=n - k - all_fe,
        n_singletons=s.n_singletons,
        omitted=omitted,
        fe_method=p.fe.method if p.groups else "none",
        absorbed=list(absorb or []),
    )


def twfe(
    data: pd.DataFrame,
    formula: str | None = None,
    *,
    y: str | None = None,
    x: str | Sequence[str] | None = None,
    controls: Sequence[str] = (),
    entity: str | None = "province",
    time: str | None = "year",
    effects: Effects = "twoway",
    cov: CovType = "clustered",
    cluster: str | None = None,
    dk_bandwidth: int | None = None,
    drop_singletons: bool = True,
    absorb: Sequence[str] | None = None,
    limits: InferenceLimits | None = None,
) -> PanelFit:
    """Fixed-effects regression of ``y`` on ``x`` and ``controls``.

    .. math::
        y_{it} = \\beta'x_{it} + \\gamma'z_{it} + \\mu_i + \\lambda_t + \\varepsilon_{it}

    Parameters
    ----------
    data : panel with the entity, time and model columns
    formula : fixest-style ``"y ~ x + z | province + year"`` instead of ``y``/``x``/``effects``
        (absorbed effects after ``|``, any number, ``a^b`` for interacted effects, e.g.
        ``"y ~ x | firm + year + industry^year"``; ``x:z`` and ``x*z`` interactions; see
        :mod:`imtfp.models.formula`); ``controls`` then flags right-hand terms as controls
    y, x, controls : column names; all coefficients are reported
    effects : ``twoway`` (entity and time), ``entity``, ``time`` or ``none``
    cov : covariance estimator (see the module docstring for the exact
        small-sample conventions; ``clustered`` reproduces Stata's ``xtreg, fe
        vce(cluster id)``)
    cluster : cluster variable; ``None`` clusters by the entity
    drop_singletons : drop observations alone in an absorbed group first, as
        reghdfe does (their number is ``n_singletons``; slopes are unchanged)
    absorb : absorbed effects by name instead of ``effects`` (columns or ``a^b``
        interactions, any number); K counts each effect's levels less one, and
        none of an effect nested in the cluster variable (fixest's rule; two
        effects also lose one level per extra connected component, as reghdfe)
    limits : fewest clusters and periods the covariance accepts
        (:class:`~imtfp.core.vcov.InferenceLimits`, like linearmodels' ``cov_config``;
        ``None``: the defaults, which refuse fewer than 5 clusters or 20 periods)

    Returns
    -------
    :class:`PanelFit` with ``params``, ``bse``, ``tvalues``, ``pvalues``,
    ``conf_int()``, ``summary()`` and ``tidy()`` (the tidy frame of
    :data:`imtfp.tidy.TIDY_COLUMNS`, one row per coefficient).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"province": np.repeat(np.arange(10), 8), "year": np.tile(np.arange(8), 10)})
    >>> df["x"] = rng.normal(size=80)
    >>> df["y"] = 2.0 * df["x"] + df["province"] + rng.normal(scale=0.1, size=80)
    >>> fit = twfe(df, y="y", x="x")
    >>> round(float(fit.params["x"]), 1), fit.n_clusters
    (2.0, 10)
    >>> same = twfe(df, "y ~ x | province + year")
    >>> bool(np.isclose(same.params["x"], fit.params["x"], rtol=0, atol=1e-12))
    True
    """
    if formula is not None:
        if y is not None or x is not None:
            raise ConfigError("twfe: give either a formula or y= and x=, not both")
        from imtfp.models.formula import feols

        if absorb is not None:
            raise ConfigError("twfe: name absorbed effects in the formula or in absorb=, not both")
        return feols(formula, data, controls=controls, cov=cov, cluster=cluster, dk_bandwidth=dk_bandwidth,
                     drop_singletons=drop_singletons, limits=limits, **({} if entity == "province" else {"entity": entity}),
                     **({} if time == "year" else {"time": time}))  # fmt: skip
    if y is None or x is None:
        raise ConfigError("twfe: name the model with y= and x=, or give a formula")
    return fit_twfe(
        data,
        y=y,
        x=x,
        controls=controls,
        entity=entity,
        time=time,
        effects=effects,
        cov=cov,
        cluster=cluster,
        dk_bandwidth=dk_bandwidth,
        drop_singletons=drop_singletons,
        absorb=absorb,
        limits=limits,
    )


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
    bootstrap: int = 9999,
    weights: WildWeights = "webb",
    seed: int,
    level: float = 0.95,
    limits: InferenceLimits | None = None,
) -> ResultSet:
    """The core coefficient under four kinds of inference, side by side.

    Returns a :class:`~imtfp.results.ResultSet` of the coefficient of ``x`` by inference
    (``tidy()``'s ``column``): ``clustered`` (by ``cluster``, default the entity),
    ``driscoll_kraay``, ``twoway_clustered`` (entity and time), each a :class:`PanelFit`, and
    ``wild_bootstrap``: the restricted wild cluster bootstrap (WCR) with ``weights`` and
    ``bootstrap`` draws, whose p-value tests :math:`\\beta = 0` and whose interval (at ``level``)
    inverts the bootstrap test (see :func:`imtfp.core.wild.wild_cluster_bootstrap`). The wild
    row reports the clustered standard error and the original t statistic.
    """
    common = dict(
        y=y, x=x, controls=controls, entity=entity, time=time, effects=effects, cluster=cluster
    )
    fits: dict[str, Estimates] = {}
    for cov in ("clustered", "driscoll_kraay", "twoway_clustered"):
        fits[cov] = fit_twfe(data, cov=cov, what=f"inference ({cov})", limits=limits, **common)
    base = fits["clustered"]
    s = base.panel
    regs = base.terms
    X = np.column_stack([s.column(r) for r in regs])
    if not base.groups:
        X = np.column_stack([X, np.ones(len(X))])
    wild = wild_cluster_bootstrap(
        X,
        s.column(y),
        s.cluster,
        param=regs.index(x),
        bootstrap=bootstrap,
        weights=weights,
        seed=seed,
        absorb=base.groups,
        k_df=base.k_df,
        level=level,
        limits=limits,
    )
    fits["wild_bootstrap"] = WildBootstrapFit(base, x, wild, level)
    return ResultSet(fits, terms=[x])


@dataclass(eq=False)
class WildBootstrapFit(Estimates):
    """One coefficient of a :class:`PanelFit` with wild cluster bootstrap inference.

    The estimate and (clustered) standard error are the fit's; ``tvalues`` is the original t,
    ``pvalues`` the bootstrap p of :math:`\\beta = 0` and ``conf_int`` the interval that inverts
    the bootstrap test, computed at ``level`` only (NaN at any other level: rerun
    :func:`inference_panel` with that level).
    """

    fit: PanelFit = field(repr=False)
    term: str
    wild: WildResult = field(repr=False)
    level: float = 0.95

    @property
    def terms(self) -> list[str]:  # type: ignore[override]
        return [self.term]

    @property
    def coef(self) -> np.ndarray:  # type: ignore[override]
        return np.asarray(self.fit.params[[self.term]])

    @property
    def vcov(self) -> np.ndarray:  # type: ignore[override]
        return self.fit.cov_params().loc[[self.term], [self.term]].to_numpy()

    @property
    def df_inf(self) -> int | None:  # type: ignore[override]
        return self.fit.df_inf

    @property
    def cov_type(self) -> str:  # type: ignore[override]
        return f"wild_bootstrap ({self.wild.weights}, B={self.wild.bootstrap})"

    @property
    def nobs(self) -> int | None:  # type: ignore[override]
        return self.fit.nobs

    @property
    def n_clusters(self) -> int | None:  # type: ignore[override]
        return self.wild.n_clusters

    @property
    def dep_var(self) -> str:  # type: ignore[override]
        return self.fit.dep_var

    @property
    def tvalues(self) -> pd.Series:
        return pd.Series([self.wild.t_stat], index=self.terms, name="tvalues")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series([self.wild.p_value], index=self.terms, name="pvalues")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        lo, hi = (
            (self.wild.ci_low, self.wild.ci_high)
            if np.isclose(level, self.level)
            else (np.nan, np.nan)
        )
        return pd.DataFrame({"lower": [lo], "upper": [hi]}, index=self.terms)

    def tidy(self, *, table: str = "", column: str = "", level: float = 0.95) -> pd.DataFrame:
        """The fit's row of ``term`` with the bootstrap t, p, interval and inference name."""
        row = self.fit.tidy(table=table, column=column, level=level, terms=[self.term])
        ci = self.conf_int(level)
        row["cov"] = self.cov_type
        row["t"] = self.wild.t_stat
        row["p"] = self.wild.p_value
        row["ci_low"] = float(ci["lower"].iloc[0])
        row["ci_high"] = float(ci["upper"].iloc[0])
        return row
