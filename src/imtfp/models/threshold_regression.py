"""Hansen (1999) fixed-effects panel threshold regression.

Model with k thresholds :math:`\\gamma_1 < \\dots < \\gamma_k` of the
threshold variable :math:`q_{it}`:

.. math::
    y_{it} = \\mu_i + \\theta'Z_{it} + \\sum_{r=0}^{k} \\beta_r\\, x_{it}\\,
    I(\\gamma_r < q_{it} \\le \\gamma_{r+1}) + e_{it},\\quad \\gamma_0=-\\infty,\\ \\gamma_{k+1}=\\infty

Estimation (Hansen 1999, J. Econometrics 93:345–368):

* within transformation by entity (optionally also by period), then for
  each candidate :math:`\\gamma` least squares; :math:`\\hat\\gamma` minimises
  the sum of squared residuals :math:`S(\\gamma)`.
* Grid (Hansen's GAUSS code, as ported in R ``pdR::ptm``): the sorted
  distinct values of q, at the quantiles trim, trim + 1/grid, …, 1 − trim
  (``grid`` × (1 − 2 trim) + 1 points). A later threshold is searched on the
  same grid, leaving out ``grid·trim`` points on either side of the
  thresholds already found.
* Test of k−1 against k thresholds:
  :math:`F_k = (S_{k-1} - S_k)/\\hat\\sigma^2_k`, :math:`\\hat\\sigma^2_k = S_k/(n(T-1))`,
  with a bootstrap p-value: residuals of the model with k−1 thresholds are
  resampled by entity (whole time series of an entity), the k−1 thresholds
  and the k-th are re-estimated in every replication (Hansen 1999, §3.2).
* Multiple thresholds sequentially (Bai 1997): :math:`\\hat\\gamma_2` given
  :math:`\\hat\\gamma_1`, then :math:`\\hat\\gamma_1` re-estimated given
  :math:`\\hat\\gamma_2` (the "refinement"); a third given the first two.
* Confidence intervals by inverting the likelihood ratio
  :math:`LR(\\gamma) = (S(\\gamma) - S(\\hat\\gamma))/\\hat\\sigma^2 \\le c(\\alpha) = -2\\ln(1-\\sqrt{1-\\alpha})`
  (7.35 at 95 %); the interval reported is [min, max] of the grid points
  inside, as in Hansen's code.

Vectorisation: with :math:`M_0` the annihilator of the regime-independent
regressors and x, and :math:`w(\\gamma) = M_0[x\\,I(q\\le\\gamma)]` for all grid
points (columns of W), :math:`S(\\gamma\\,|\\,\\text{earlier thresholds }I) =
S_0 - r_I'H_{II}^{-1}r_I - \\tilde r_\\gamma^2/\\tilde h_{\\gamma\\gamma}` with
:math:`r = W'M_0y`, :math:`H = W'W` and the Schur complements
:math:`\\tilde r, \\tilde h`. All bootstrap replications share W and H, so a
replication costs one matrix product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imtfp.core.fe import demean, group_codes
from imtfp.core.vcov import InferenceLimits, absorbed_dof, vcov_cluster
from imtfp.errors import ConfigError, EstimationError
from imtfp.models._common import as_list, is_balanced, logger, prepare_sample, unique
from imtfp.results import Estimates
from imtfp.tidy import tidy_frame


def hansen_grid(q: np.ndarray, *, trim: float, grid: int) -> np.ndarray:
    """Candidate thresholds: quantiles trim … 1−trim of the distinct values of q (Hansen's rule)."""
    if not 0 <= trim < 0.5:
        raise ConfigError(f"trim must be in [0, 0.5), got {trim}")
    if grid < 2:
        raise ConfigError(f"grid must be at least 2, got {grid}")
    dd = np.unique(np.asarray(q, dtype=float))
    npts = int(round(grid * (1 - 2 * trim))) + 1
    sq = trim + np.arange(npts) / grid
    idx = np.floor(sq * len(dd) + 1e-9).astype(int) - 1  # R's 1-based dd[floor(sq*N)]
    idx = np.clip(idx, 0, len(dd) - 1)
    return dd[idx]


def _ssr_given(S0, r, H, fixed, cand_ok):
    """S(γ | fixed) for every grid point γ and draw b.

    S0 : (B,) SSR of the model without thresholds; r : (P, B) = W'M0y;
    H : (P, P) = W'W; fixed : (B, m) grid indices already in the model;
    cand_ok : (P, B) bool, admissible candidates. Returns (S_fixed (B,), S (P, B)).
    """
    P, B = r.shape
    m = fixed.shape[1]
    if m == 0:
        base = np.zeros(B)
        rt, ht = r, np.broadcast_to(np.diag(H)[:, None], (P, B))
    else:
        HII = H[fixed[:, :, None], fixed[:, None, :]]  # (B, m, m)
        rI = np.take_along_axis(r, fixed.T, axis=0).T  # (B, m)
        sol = np.linalg.solve(HII, rI[..., None])[..., 0]  # (B, m)
        base = np.einsum("bm,bm->b", rI, sol)
        HgI = H[:, fixed]  # (P, B, m)
        HII_inv = np.linalg.inv(HII)  # (B, m, m)
        proj = np.einsum("pbm,bmk->pbk", HgI, HII_inv)  # (P, B, m)
        rt = r - np.einsum("pbm,bm->pb", proj, rI)
        ht = np.diag(H)[:, None] - np.einsum("pbm,pbm->pb", proj, HgI)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(cand_ok & (ht > 1e-12 * np.diag(H).max()), rt * rt / ht, -np.inf)
    return S0 - base, (S0 - base)[None, :] - gain


def _admissible(P: int, fixed: np.ndarray, trim_pts: int) -> np.ndarray:
    """(P, B) mask leaving out Hansen's window around each fixed threshold.

    With nn grid points strictly below a fixed threshold at grid index f
    (nn = f for a sorted, distinct grid), the 0-based indices
    nn−trim_pts−1 … nn+trim_pts−2 are excluded (pdR::r_est / Hansen's thr.prg).
    """
    B = fixed.shape[0]
    ok = np.ones((P, B), dtype=bool)
    idx = np.arange(P)[:, None]
    for j in range(fixed.shape[1]):
        nn = fixed[:, j][None, :]
        ok &= ~((idx >= nn - trim_pts - 1) & (idx < nn + trim_pts - 1))
        ok[fixed[:, j], np.arange(B)] = False
    return ok


def _search(S0, r, H, fixed, trim_pts):
    """Best next threshold (grid index) and its SSR for each draw."""
    P, B = r.shape
    ok = _admissible(P, fixed, trim_pts) if fixed.shape[1] else np.ones((P, B), dtype=bool)
    S_fixed, S = _ssr_given(S0, r, H, fixed, ok)
    best = np.argmin(S, axis=0)
    return best, S[best, np.arange(B)], S_fixed, S


@dataclass
class ThresholdResult(Estimates):
    """Estimated thresholds, tests and regime coefficients.

    The result protocol (``params``, ``bse``, ``pvalues``, ``conf_int``,
    ``summary()``) covers the regime slopes and the controls of the final
    model, with the clustered covariance and t(G − 1) inference; the
    threshold estimates, their LR intervals and the bootstrap F tests are
    the attributes ``thresholds``, ``ci``, ``F``, ``p_values`` and ``crit``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> n, T = 40, 8
    >>> q = rng.uniform(size=n * T)
    >>> x = rng.normal(size=n * T)
    >>> y = np.where(q <= 0.5, 1.0, 2.0) * x + rng.normal(scale=0.3, size=n * T)
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(n), T), "t": np.tile(np.arange(T), n), "y": y, "x": x, "q": q})
    >>> r = threshold(df, y="y", x_regime="x", q="q", entity="id", time="t", grid=100, bootstrap=0, seed=1)
    >>> bool(abs(r.thresholds[0] - 0.5) < 0.05)
    True
    >>> [round(b, 1) for b in r.params]
    [1.0, 2.0]
    """

    n_thresholds: int
    thresholds: list[float]
    ci: list[tuple[float, float]]
    F: list[float]
    p_values: list[float]
    crit: list[tuple[float, float, float]]  # bootstrap 10 %, 5 %, 1 % critical values
    ssr: list[float]  # S_0, S_1, ..., S_k
    terms: list[str]  # regime slopes of x_regime, then the controls
    coef: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    df_inf: int | None = None
    cov_type: str = "clustered"
    dep_var: str = ""
    r2_within: float = np.nan
    time_fe: bool = False
    controls: list[str] = field(default_factory=list)
    nobs: int = 0
    n_clusters: int | None = None
    n_entities: int = 0
    n_periods: int = 0
    lr: list[tuple[np.ndarray, np.ndarray]] = field(
        default_factory=list, repr=False
    )  # (grid, LR) per threshold

    def _summary_header(self) -> list[tuple[str, str]]:
        lines = super()._summary_header()
        lines[0] = ("Model", f"Hansen (1999) panel threshold, {self.n_thresholds} threshold(s)")
        lines.insert(
            3, ("Panel", f"{self.n_entities} entities × {self.n_periods} periods (balanced)")
        )
        lines.insert(4, ("Fixed effects", "entity, time" if self.time_fe else "entity"))
        for k, (g, (lo, hi)) in enumerate(zip(self.thresholds, self.ci, strict=True), start=1):
            lines.append((f"Threshold {k}", f"{g:.6g}, LR interval [{lo:.6g}, {hi:.6g}]"))
        for k, (F, p) in enumerate(zip(self.F, self.p_values, strict=True), start=1):
            lines.append((f"F{k} (bootstrap p)", f"{F:.4g} ({p:.3g})"))
        return lines

    def tidy(
        self, *, table: str = "threshold", column: str = "", level: float = 0.95
    ) -> pd.DataFrame:
        """Coefficient rows, then ``threshold<k>`` (estimate γ̂, LR interval) and
        ``F<k>`` rows (estimate F, bootstrap p; extra columns ``crit10``,
        ``crit5``, ``crit1`` hold the bootstrap critical values)."""
        base = super().tidy(table=table, column=column, level=level)
        base["r2_within"] = self.r2_within
        base["entity_fe"] = True
        base["time_fe"] = self.time_fe
        base["controls"] = ",".join(self.controls)
        tmpl = base.iloc[0].to_dict()
        rows = []
        for k, (g, (lo, hi)) in enumerate(zip(self.thresholds, self.ci), start=1):
            rows.append(
                {
                    **tmpl,
                    "term": f"threshold{k}",
                    "stat": True,
                    "estimate": g,
                    "se": np.nan,
                    "t": np.nan,
                    "p": np.nan,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
        for k, (F, p, c) in enumerate(zip(self.F, self.p_values, self.crit), start=1):
            rows.append(
                {
                    **tmpl,
                    "term": f"F{k}",
                    "stat": True,
                    "estimate": F,
                    "se": np.nan,
                    "t": np.nan,
                    "p": p,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "crit10": c[0],
                    "crit5": c[1],
                    "crit1": c[2],
                }
            )
        out = pd.concat([base, tidy_frame(rows)], ignore_index=True)
        for c in ("crit10", "crit5", "crit1"):
            if c not in out:
                out[c] = np.nan
        return out


def threshold(
    data: pd.DataFrame,
    *,
    y: str,
    x_regime: str,
    q: str,
    controls: Sequence[str] = (),
    entity: str = "province",
    time: str = "year",
    n_thresholds: int = 1,
    trim: float | Sequence[float] = 0.01,
    grid: int = 400,
    bootstrap: int = 300,
    seed: int,
    level: float = 0.95,
    time_effects: bool = False,
    cluster: str | None = None,
    limits: InferenceLimits | None = None,
) -> ThresholdResult:
    """Hansen (1999) panel threshold model (see the module docstring).

    Parameters
    ----------
    x_regime : regressor whose slope changes across regimes
    q : threshold variable (may also be among ``controls``)
    n_thresholds : 1, 2 or 3; every model up to this number is tested
    trim : trimming share, one value or one per threshold (Hansen: 0.01, 0.01, 0.05)
    grid : number of quantile points of q searched
    bootstrap : replications for each F test (0 skips the tests)
    time_effects : also absorb period effects (Hansen's model has none)
    cluster : cluster variable of the regime-coefficient standard errors
        (default the entity; factor G/(G−1)·(N−1)/(N−K) as in xtreg)
    limits : fewest clusters that covariance accepts (:class:`~imtfp.core.vcov.InferenceLimits`)

    Raises
    ------
    EstimationError
        If the panel is not balanced (Hansen's estimator requires it).
    """
    if n_thresholds not in (1, 2, 3):
        raise ConfigError(f"n_thresholds must be 1, 2 or 3, got {n_thresholds}")
    trims = [float(trim)] * n_thresholds if np.isscalar(trim) else [float(t) for t in trim]
    if len(trims) != n_thresholds:
        raise ConfigError(f"trim needs one value or {n_thresholds} values, got {trim!r}")
    if bootstrap < 0:
        raise ConfigError(f"bootstrap must be >= 0, got {bootstrap}")
    ctrl = [c for c in as_list(controls) if c not in (y, x_regime)]
    cl = cluster if cluster is not None else entity
    prob = _ThresholdProblem.build(data, y=y, x_regime=x_regime, q=q, ctrl=ctrl, entity=entity,
                                   time=time, cluster=cl, time_effects=time_effects,
                                   trims=trims, grid=grid)  # fmt: skip
    found = _sequential_search(prob, n_thresholds, bootstrap, np.random.default_rng(seed))
    cis = _lr_intervals(found["lr"], level)
    gammas = [float(prob.gam[i]) for i in found["index"]]
    order = np.argsort(gammas)
    df = prob.df
    coef = _regime_coefficients(df, y, x_regime, ctrl, prob.qv, prob.cv, sorted(gammas),
                                prob.groups, cl, limits)  # fmt: skip
    return ThresholdResult(
        n_thresholds=n_thresholds,
        thresholds=[gammas[i] for i in order],
        ci=[cis[i] for i in order],
        F=found["F"],
        p_values=found["p"],
        crit=found["crit"],
        ssr=found["ssr"],
        **coef,
        dep_var=y,
        time_fe=time_effects,
        controls=ctrl,
        nobs=len(df),
        n_entities=prob.n,
        n_periods=prob.T,
        lr=[found["lr"][i] for i in order],
    )


@dataclass(eq=False)
class _ThresholdProblem:
    """The within-transformed sample, the grid and the pieces every SSR is computed from.

    ``gam`` the candidate thresholds, ``X0`` the regime-independent regressors and x,
    ``My``/``MW`` the outcome and the grid's regime columns with ``X0`` annihilated,
    ``H = MW'MW``; ``ty = n(T − 1)`` the degrees of freedom of :math:`\\hat\\sigma^2`.
    """

    df: pd.DataFrame
    groups: list[np.ndarray]
    qv: np.ndarray
    cv: np.ndarray
    X0: np.ndarray
    gam: np.ndarray
    My: np.ndarray
    MW: np.ndarray
    H: np.ndarray
    n: int
    T: int
    trims: list[float]
    grid: int
    time_effects: bool

    @property
    def ty(self) -> int:
        return self.n * (self.T - 1)

    @classmethod
    def build(cls, data, *, y, x_regime, q, ctrl, entity, time, cluster, time_effects, trims, grid):
        df = prepare_sample(data, unique([y, x_regime, q] + ctrl), entity=entity, time=time,
                            extra=[cluster] if cluster not in (entity, time) else [],
                            what="threshold")  # fmt: skip
        if not is_balanced(df, entity, time):
            raise EstimationError(
                f"threshold: Hansen's estimator needs a balanced panel; after dropping missing "
                f"values {df[entity].nunique()} entities × {df[time].nunique()} periods ≠ {len(df)} rows"
            )
        groups = [group_codes(df[entity].to_numpy())]
        if time_effects:
            groups.append(group_codes(df[time].to_numpy()))
        qv = df[q].to_numpy(dtype=float)
        cv = df[x_regime].to_numpy(dtype=float)
        yt = demean(df[y].to_numpy(dtype=float), groups)
        X0 = demean(df[ctrl + [x_regime]].to_numpy(dtype=float), groups)
        gam = hansen_grid(qv, trim=trims[0], grid=grid)
        W = demean(cv[:, None] * (qv[:, None] <= gam[None, :]), groups)
        # annihilate the linear part
        coefW = np.linalg.lstsq(X0, np.column_stack([yt, W]), rcond=None)[0]
        R = np.column_stack([yt, W]) - X0 @ coefW
        My, MW = R[:, 0], R[:, 1:]
        return cls(df, groups, qv, cv, X0, gam, My, MW, MW.T @ MW, df[entity].nunique(),
                   df[time].nunique(), trims, grid, time_effects)  # fmt: skip

    def stats_for(self, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """S0 (B,) and r (P, B) for a (N, B) block of within-space responses."""
        MY = Y - self.X0 @ np.linalg.lstsq(self.X0, Y, rcond=None)[0]
        return np.einsum("nb,nb->b", MY, MY), self.MW.T @ MY


def _sequential_search(prob: _ThresholdProblem, n_thresholds: int, bootstrap: int, rng) -> dict:
    """Thresholds 1..k found one after the other (Bai 1997), each tested against one fewer.

    Returns ``index`` (grid index of each threshold, the first refined given the second),
    ``F``, ``p``, ``crit`` (bootstrap p and critical values of each F test), ``ssr``
    (S_0 … S_k) and ``lr`` ((grid, LR statistic) per threshold).
    """
    S0, r = prob.stats_for(prob.My[:, None])
    gam, H, ty, grid, trims = prob.gam, prob.H, prob.ty, prob.grid, prob.trims
    fixed = np.empty((1, 0), dtype=int)
    thresholds_idx: list[int] = []
    search_idx: list[int] = []  # thresholds conditioned on (unrefined first, as Hansen's code)
    ssr = [float(S0[0])]
    F, pvals, crits, lrs = [], [], [], []
    for k in range(1, n_thresholds + 1):
        trim_pts = int(round(grid * trims[k - 1]))
        best, Sk, Sprev, S = _search(S0, r, H, fixed, trim_pts)
        idx = int(best[0])
        Sk = float(Sk[0])
        Fk = (float(Sprev[0]) - Sk) / (Sk / ty)
        F.append(Fk)
        lrs.append((gam, (S[:, 0] - Sk) / (Sk / ty)))
        if bootstrap:
            p, c = _bootstrap_F(prob, Fk, k, fixed[0][: k - 1], bootstrap, rng)
        else:
            p, c = np.nan, (np.nan, np.nan, np.nan)
        pvals.append(p)
        crits.append(c)
        logger.info("threshold: model with %d threshold(s): gamma=%.6g F=%.4g bootstrap p=%.4g",
                    k, gam[idx], Fk, p)  # fmt: skip
        thresholds_idx.append(idx)
        search_idx.append(idx)
        fixed = np.array([search_idx], dtype=int)
        ssr.append(Sk)
        if (
            k == 2
        ):  # refinement of the first threshold given the second (Bai 1997; Hansen 1999 §3.3)
            trim_pts2 = int(round(grid * trims[1]))
            b1, S1r, _, Sr = _search(S0, r, H, np.array([[idx]]), trim_pts2)
            thresholds_idx[0] = int(b1[0])
            lrs[0] = (gam, (Sr[:, 0] - float(S1r[0])) / (float(S1r[0]) / ty))
    return {"index": thresholds_idx, "F": F, "p": pvals, "crit": crits, "ssr": ssr, "lr": lrs}


def _lr_intervals(lrs: list, level: float) -> list[tuple[float, float]]:
    """[min, max] of the grid points with LR(γ) ≤ c(α) = −2 ln(1 − √level) (Hansen's rule)."""
    level_c = -2 * math.log(1 - math.sqrt(level))
    cis = []
    for g_, lr in lrs:
        inside = g_[np.isfinite(lr) & (lr <= level_c)]
        cis.append((float(inside.min()), float(inside.max())) if len(inside) else (np.nan, np.nan))
    return cis


def _bootstrap_F(prob: _ThresholdProblem, Fk, k, fixed_hat, B, rng):
    """Bootstrap p-value of F_k: residuals of the (k−1)-threshold model resampled by entity."""
    X0, MW, My, H, n, T, ty = prob.X0, prob.MW, prob.My, prob.H, prob.n, prob.T, prob.ty
    if k > 1:
        Z = np.column_stack([X0, MW[:, fixed_hat]])
    else:
        Z = X0
    # fitted values and residuals of the null model, in within space (M0 y = M0 yhat + e)
    coef = np.linalg.lstsq(Z, My, rcond=None)[0]
    fitted = Z @ coef
    e = (My - fitted).reshape(n, T)
    stats_ = np.empty(B)
    step = max(1, math.ceil(B / 10))
    from imtfp.logs import progress  # a bar in the job's log, a console heartbeat each quarter

    for start in progress(range(0, B, step), desc="threshold bootstrap (batches of draws)"):
        stop = min(B, start + step)
        draws = rng.integers(0, n, size=(stop - start, n))
        E = e[draws].reshape(stop - start, n * T).T  # (N, b)
        if prob.time_effects:
            E = demean(E, prob.groups)
        S0b, rb = prob.stats_for(fitted[:, None] + E)
        fixed = np.empty((stop - start, 0), dtype=int)
        S_prev = S0b
        for j in range(1, k + 1):
            best, Sj, _, _ = _search(S0b, rb, H, fixed, int(round(prob.grid * prob.trims[k - 1])))
            if j < k:
                S_prev = Sj
            fixed = np.column_stack([fixed, best])
            S_last = Sj
        stats_[start:stop] = (S_prev - S_last) / (S_last / ty)
        logger.info("threshold bootstrap F%d: %d/%d (%d%%)", k, stop, B, round(100 * stop / B))
    p = float(np.mean(stats_ > Fk))
    srt = np.sort(stats_)
    crit = tuple(float(srt[min(B - 1, math.ceil(a * B) - 1)]) for a in (0.90, 0.95, 0.99))
    return p, crit


def _regime_coefficients(df, y, x_regime, ctrl, qv, cv, gammas, groups, cl, limits=None) -> dict:
    """Within regression with one slope of x per regime; clustered SEs (xtreg convention).

    Returns the protocol fields ``terms``, ``coef``, ``vcov``, ``df_inf`` (G − 1),
    ``n_clusters`` and ``r2_within``.
    """
    edges = [-np.inf] + list(gammas) + [np.inf]
    names, cols = [], []
    for r_ in range(len(edges) - 1):
        lo, hi = edges[r_], edges[r_ + 1]
        cols.append(cv * ((qv > lo) & (qv <= hi)))
        lo_s = "-inf" if not np.isfinite(lo) else f"{lo:.6g}"
        hi_s = "inf" if not np.isfinite(hi) else f"{hi:.6g}"
        names.append(f"{x_regime}:regime{r_ + 1} ({lo_s}<q<={hi_s})")
    X = np.column_stack(cols + [df[c].to_numpy(dtype=float) for c in ctrl])
    Xt = demean(X, groups)
    yt = demean(df[y].to_numpy(dtype=float), groups)
    xtx_inv = np.linalg.inv(Xt.T @ Xt)
    beta = xtx_inv @ (Xt.T @ yt)
    resid = yt - Xt @ beta
    codes = group_codes(df[cl].to_numpy())
    k_df = X.shape[1] + 1 + absorbed_dof(groups, [codes])
    V = vcov_cluster(Xt, resid, xtx_inv, codes, k_df=k_df, limits=limits)
    G = int(codes.max()) + 1
    r2 = 1 - float(resid @ resid) / float(yt @ yt)
    return {
        "terms": names + ctrl,
        "coef": beta,
        "vcov": V,
        "df_inf": G - 1,
        "n_clusters": G,
        "r2_within": r2,
    }
