r"""Callaway & Sant'Anna (2021) group-time average treatment effects, as in R ``did`` 2.x.

For each cohort :math:`g` (first treated period) and period :math:`t`

.. math::
    ATT(g,t) = E[Y_t - Y_{b} \mid G=g] - E[Y_t - Y_{b} \mid C], \qquad
    b = \begin{cases} g-1-\delta & t \ge g \text{ or universal base}\\ t-1 & \text{otherwise}\end{cases}

with :math:`\delta` anticipation periods and :math:`C` the never-treated units or the units not
yet treated by :math:`\max(t, b)+\delta`. With covariates the 2×2 comparison is the outcome
regression (``reg``), the normalised inverse-probability weighting (``ipw``) or the doubly robust
(``dr``) estimator of Sant'Anna & Zhao (2020) (R ``DRDID::reg_did_panel``, ``std_ipw_did_panel``,
``drdid_panel``), covariates taken in the base period.

Inference comes from the influence functions :math:`\psi_i` of the estimators (R: ``inffunc``):
:math:`\widehat{V} = \frac{1}{n^2}\sum_c (\sum_{i\in c}\psi_i)(\sum_{i\in c}\psi_i)'` (units, or
clusters that nest units); uniform bands use a Rademacher multiplier bootstrap of the same
influence functions and the sup-t critical value. Aggregations (R ``aggte``) weight cells by cohort
shares and add the influence function of the estimated weights.

This is our own implementation (numpy, vectorised over units); it reproduces the published R
``did`` README numbers on ``mpdta`` (tests/reference/test_did_mpdta.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.core.blas import single_blas_thread
from imtfp.core.vcov import group_sums
from imtfp.errors import ConfigError, EstimationError
from imtfp.models._common import check_option
from imtfp.models.did._panel import StaggeredPanel, staggered_panel
from imtfp.models.did._results import DidAggregate, uniform_crit
from imtfp.results import Estimates, WaldTest
from imtfp.tidy import tidy_frame

ControlGroup = Literal["never_treated", "not_yet_treated"]
Method = Literal["reg", "ipw", "dr"]
BasePeriod = Literal["varying", "universal"]
AggKind = Literal["simple", "dynamic", "group", "calendar"]
_DRAW_BLOCK = 2**22  # multiplier weights per block (32 MB as floats)


# -- the 2×2 estimators (Sant'Anna & Zhao 2020), one cell, returning ATT and influence function ----


def _ols_lin_rep(Xc: np.ndarray, dy: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Outcome regression of Δy on X among controls: fitted Δy for all, and its linear representation."""
    w = 1.0 - D
    xtx = (Xc * w[:, None]).T @ Xc / len(dy)
    try:
        xtx_inv = np.linalg.inv(xtx)
    except np.linalg.LinAlgError as err:
        raise EstimationError("did: the control group's covariate matrix is singular") from err
    beta = xtx_inv @ ((Xc * w[:, None]).T @ dy / len(dy))
    fit = Xc @ beta
    lin_rep = (Xc * (w * (dy - fit))[:, None]) @ xtx_inv
    return fit, lin_rep


def _logit(Xc: np.ndarray, D: np.ndarray, maxiter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Propensity score by Newton–Raphson; returns fitted p (capped at 1 − 1e-6) and the
    linear representation of the logit coefficients, ``score @ (X'WX/n)^{-1}``."""
    n, k = Xc.shape
    beta = np.zeros(k)
    for _ in range(maxiter):
        p = 1.0 / (1.0 + np.exp(-(Xc @ beta)))
        H = (Xc * (p * (1 - p))[:, None]).T @ Xc
        step = np.linalg.solve(H, Xc.T @ (D - p))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    p = 1.0 / (1.0 + np.exp(-(Xc @ beta)))
    H = (Xc * (p * (1 - p))[:, None]).T @ Xc / n
    lin_rep = (Xc * (D - p)[:, None]) @ np.linalg.inv(H)
    return np.minimum(p, 1 - 1e-6), lin_rep


def two_by_two(
    dy: np.ndarray, D: np.ndarray, Xc: np.ndarray, method: str
) -> tuple[float, np.ndarray]:
    """ATT of a 2×2 panel comparison and its influence function (length of ``dy``).

    ``Xc`` includes the intercept column. Without covariates the three methods coincide:
    the difference of mean changes.
    """
    if method == "reg" or Xc.shape[1] == 1:
        fit, lin_ols = _ols_lin_rep(Xc, dy, D)
        w = D
        att_t, att_c = w * dy, w * fit
        eta_t, eta_c = att_t.mean() / w.mean(), att_c.mean() / w.mean()
        inf_t = (att_t - w * eta_t) / w.mean()
        inf_c = (att_c - w * eta_c + lin_ols @ (w[:, None] * Xc).mean(0)) / w.mean()
        return float(eta_t - eta_c), inf_t - inf_c
    p, lin_ps = _logit(Xc, D)
    w_t = D
    w_c = p * (1 - D) / (1 - p)
    if method == "ipw":
        att_t, att_c = w_t * dy, w_c * dy
        eta_t, eta_c = att_t.mean() / w_t.mean(), att_c.mean() / w_c.mean()
        inf_t = (att_t - w_t * eta_t) / w_t.mean()
        M2 = (w_c * (dy - eta_c))[:, None] * Xc
        inf_c = (att_c - w_c * eta_c + lin_ps @ M2.mean(0)) / w_c.mean()
        return float(eta_t - eta_c), inf_t - inf_c
    fit, lin_ols = _ols_lin_rep(Xc, dy, D)
    r = dy - fit
    att_t, att_c = w_t * r, w_c * r
    eta_t, eta_c = att_t.mean() / w_t.mean(), att_c.mean() / w_c.mean()
    inf_t = (att_t - w_t * eta_t - lin_ols @ (w_t[:, None] * Xc).mean(0)) / w_t.mean()
    M2 = (w_c * (r - eta_c))[:, None] * Xc
    M3 = (w_c[:, None] * Xc).mean(0)
    inf_c = (att_c - w_c * eta_c + lin_ps @ M2.mean(0) - lin_ols @ M3) / w_c.mean()
    return float(eta_t - eta_c), inf_t - inf_c


# -- the cells ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    group: float
    time: float
    base: int  # index of the base period
    t: int  # index of the period
    post: bool


def cells(panel: StaggeredPanel, *, base_period: str, anticipation: int) -> list[Cell]:
    """The (g, t) cells R ``did`` reports: every cohort × every period but the first (varying base)
    or every period (universal base; the base period itself is a 0 cell)."""
    periods = panel.periods
    out = []
    for g in panel.cohorts:
        before = np.flatnonzero(periods + anticipation < g)
        if before.size == 0:
            continue
        gbase = int(before[-1])
        start = 1 if base_period == "varying" else 0
        for ti in range(start, len(periods)):
            post = bool(g <= periods[ti])
            base = gbase if (post or base_period == "universal") else ti - 1
            out.append(Cell(float(g), float(periods[ti]), base, ti, post))
    return out


def control_mask(
    panel: StaggeredPanel, cell: Cell, control_group: str, anticipation: int
) -> np.ndarray:
    never = panel.G == 0
    if control_group == "never_treated":
        return never
    horizon = panel.periods[max(cell.t, cell.base)] + anticipation
    return never | ((panel.G > horizon) & (panel.G != cell.group))


@dataclass(eq=False)
class ATTgtResult(Estimates):
    """Group-time ATTs with their influence functions; :meth:`aggregate` gives R ``aggte``.

    The protocol attributes cover the cells ``g<g>_t<t>`` (covariance from the influence
    functions, normal reference); ``att_gt`` has the uniform band of level ``level``.
    """

    att_gt: pd.DataFrame
    inf: np.ndarray  # (n, cells)
    panel: StaggeredPanel
    crit: float
    pretest: WaldTest
    options: dict
    level: float
    bootstrap: int
    seed: int

    df_inf = None
    cov_type = "influence_function"

    @property
    def n(self) -> int:
        return self.panel.n

    @property
    def terms(self) -> list[str]:  # type: ignore[override]
        return [f"g{int(g)}_t{int(t)}" for g, t in zip(self.att_gt["group"], self.att_gt["time"])]

    @property
    def coef(self) -> np.ndarray:  # type: ignore[override]
        return self.att_gt["att"].to_numpy(float)

    @property
    def vcov(self) -> np.ndarray:  # type: ignore[override]
        """:math:`\\frac{1}{n^2}\\sum_c \\psi_c\\psi_c'`; cells without a standard error are NaN."""
        V = self._vcov(self.inf)
        bad = self.att_gt["se"].isna().to_numpy()
        V[bad, :] = np.nan
        V[:, bad] = np.nan
        return V

    @property
    def nobs(self) -> int:  # type: ignore[override]
        return self.n * len(self.panel.periods)

    @property
    def dep_var(self) -> str:  # type: ignore[override]
        return self.options["y"]

    def tidy(
        self, *, table: str = "did_att_gt", column: str = "", level: float = 0.95
    ) -> pd.DataFrame:
        """ATT(g,t) cells in the :mod:`imtfp.tidy` format (term ``g<g>_t<t>``): ``ci_*`` the
        pointwise interval at ``level``, ``band_*`` the uniform band of the estimation's level."""
        if not 0 < level < 1:
            raise ConfigError(f"level must lie in (0, 1), got {level}")
        tab = self.att_gt
        z = special.ndtri(1 - (1 - level) / 2)
        t = tab["att"] / tab["se"]
        rows = [
            {"table": table, "column": column, "term": f"g{int(r.group)}_t{int(r.time)}", "estimate": r.att,
             "se": r.se, "t": tt, "p": 2 * special.ndtr(-abs(tt)) if np.isfinite(tt) else np.nan,
             "ci_low": r.att - z * r.se, "ci_high": r.att + z * r.se, "nobs": self.nobs,
             "cov": self.cov_type, "dep_var": self.dep_var, "group": r.group, "time": r.time,
             "band_low": r.ci_low, "band_high": r.ci_high, "stat": False}
            for r, tt in zip(tab.itertuples(), t, strict=True)
        ]  # fmt: skip
        return tidy_frame(rows)

    def _vcov(self, inf: np.ndarray) -> np.ndarray:
        s = _cluster_sums(inf, self.panel.cluster)
        return s.T @ s / self.n**2

    def _band(self, inf: np.ndarray, se: np.ndarray, salt: int) -> float:
        return multiplier_crit(inf, self.panel.cluster, se, bootstrap=self.bootstrap,
                               seed=self.seed + salt, level=self.level)  # fmt: skip

    def aggregate(
        self, kind: AggKind = "dynamic", *, min_e: float = -np.inf, max_e: float = np.inf
    ) -> DidAggregate:
        """Aggregate the ATT(g,t) as R ``aggte(type=kind)``: overall effect and its components."""
        check_option(kind, AggKind, "kind")
        tab = self.att_gt
        att = tab["att"].to_numpy(float)
        g = tab["group"].to_numpy(float)
        t = tab["time"].to_numpy(float)
        G = self.panel.G
        glist = self.panel.cohorts
        pg = np.array([(G == gg).mean() for gg in glist])
        pgg = pg[np.searchsorted(glist, g)]
        ok = np.isfinite(att)
        post = (g <= t) & (t <= g + max_e) & ok

        def combine(
            which: np.ndarray, weights: np.ndarray, with_wif: bool = True
        ) -> tuple[float, np.ndarray]:
            idx = np.flatnonzero(which)
            w = weights[idx] / weights[idx].sum()
            inf = self.inf[:, idx] @ w
            if with_wif:
                inf = inf + _wif(G, g[idx], pgg[idx]) @ att[idx]
            return float(att[idx] @ w), inf

        if kind == "simple":
            est, inf = combine(post, pgg)
            index, comps, infs = np.array([]), np.array([]), np.zeros((self.n, 0))
            overall, oinf = est, inf
        elif kind == "group":
            index = glist
            comps, infs = [], []
            for gg in glist:
                which = (g == gg) & post
                e, i = combine(which, np.ones_like(att), with_wif=False)
                comps.append(e)
                infs.append(i)
            comps, infs = np.array(comps), np.column_stack(infs)
            w = pg / pg.sum()
            overall = float(comps @ w)
            oinf = infs @ w + _wif(G, glist, pg) @ comps
        elif kind == "dynamic":
            e_all = t - g
            index = np.array(sorted(set(e_all[ok & (e_all >= min_e) & (e_all <= max_e)])))
            comps, infs = [], []
            for e in index:
                c, i = combine((e_all == e) & ok, pgg)
                comps.append(c)
                infs.append(i)
            comps, infs = np.array(comps), np.column_stack(infs)
            pos = index >= 0
            overall, oinf = float(comps[pos].mean()), infs[:, pos].mean(1)
        else:
            index = np.array([tt for tt in self.panel.periods if tt >= glist.min()], float)
            comps, infs = [], []
            for tt in index:
                c, i = combine((t == tt) & post, pgg)
                comps.append(c)
                infs.append(i)
            comps, infs = np.array(comps), np.column_stack(infs)
            overall, oinf = float(comps.mean()), infs.mean(1)
        V = self._vcov(infs) if infs.shape[1] else np.zeros((0, 0))
        se = np.sqrt(np.clip(np.diag(V), 0, None))
        crit = (
            self._band(infs, se, salt=1 + AggKind.__args__.index(kind)) if infs.shape[1] else np.nan
        )
        ose = float(np.sqrt(self._vcov(oinf[:, None])[0, 0]))
        n_cl = int(self.panel.cluster.max() + 1)
        return DidAggregate(
            kind=kind, estimator="cs", index=np.asarray(index), coef=np.asarray(comps, float), vcov=V,
            overall_att=overall, overall_se=ose, crit=crit, nobs=self.n * len(self.panel.periods),
            n_clusters=n_cl, dep_var=self.options["y"], level=self.level,
            cov_type="influence_function" if n_cl == self.n else "influence_function_clustered",
        )  # fmt: skip


def _wif(G: np.ndarray, groups: np.ndarray, pg: np.ndarray) -> np.ndarray:
    """Influence function of the estimated cohort-share weights (R ``did:::wif``), (n, k)."""
    ind = (G[:, None] == groups[None, :]).astype(float) - pg[None, :]
    S = pg.sum()
    return ind / S - ind.sum(1, keepdims=True) * (pg / S**2)[None, :]


@single_blas_thread
def multiplier_crit(inf: np.ndarray, cluster: np.ndarray, se: np.ndarray, *, bootstrap: int, seed: int,
                    level: float) -> float:  # fmt: skip
    """Sup-t critical value from a Rademacher multiplier bootstrap of cluster sums of ``inf``."""
    if bootstrap <= 0:
        return float(special.ndtri(1 - (1 - level) / 2))
    n = inf.shape[0]
    s = _cluster_sums(np.nan_to_num(inf), cluster)
    return uniform_crit(_multiplier_draws(s, bootstrap, seed) / n, se, level)


def _cluster_sums(inf: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """:math:`\\sum_{i\\in c}\\psi_i` per cluster, (C, cells), one bincount per cell (O(n))."""
    return group_sums(inf, cluster, int(cluster.max()) + 1)


def _multiplier_draws(s: np.ndarray, bootstrap: int, seed: int) -> np.ndarray:
    """:math:`V S` for Rademacher weights :math:`V_{bc} = \\pm 1` (B × C), in blocks of rows.

    The weights are random bits (``Generator.bytes``, eight weights per byte: a tenth of
    the time of ``choice([-1, 1])``), unpacked and multiplied block by block, so memory
    stays flat instead of B × C floats (999 × 50,000: 400 MB, and as much again for the
    indices ``choice`` drew). Blocks are a multiple of 64 rows: every block consumes whole
    64-bit outputs of the generator, so the draws do not depend on the block size.
    (Before issue 24 the weights came from ``choice``; the same seed now gives other
    draws, with the same distribution.)
    """
    rng = np.random.default_rng(seed)
    C = s.shape[0]
    rows = max(64, (_DRAW_BLOCK // max(C, 1)) // 64 * 64)
    col_sums = s.sum(axis=0)
    out = np.empty((bootstrap, s.shape[1]))
    for lo in range(0, bootstrap, rows):
        hi = min(lo + rows, bootstrap)
        raw = np.frombuffer(rng.bytes(rows * C // 8), dtype=np.uint8)
        bits = np.unpackbits(raw)[: (hi - lo) * C].reshape(hi - lo, C)
        out[lo:hi] = 2 * (bits.astype(float) @ s) - col_sums  # (2b − 1) S
    return out


@single_blas_thread
def att_gt(
    data: pd.DataFrame,
    *,
    y: str,
    entity: str,
    time: str,
    group: str,
    controls: Sequence[str] = (),
    control_group: ControlGroup = "never_treated",
    method: Method = "reg",
    base_period: BasePeriod = "varying",
    anticipation: int = 0,
    cluster: str | None = None,
    bootstrap: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> ATTgtResult:
    """Group-time average treatment effects (Callaway & Sant'Anna 2021).

    Parameters
    ----------
    data : long panel; ``group`` is the first treated period (0 or missing = never treated).
    controls : covariates of conditional parallel trends (values of the base period are used).
    control_group, method, base_period, anticipation : as R ``did::att_gt``.
    cluster : a variable nesting units; ``None`` clusters by unit.
    bootstrap : multiplier-bootstrap draws for the uniform band (0: pointwise normal band).

    Returns
    -------
    ATTgtResult
        ``.att_gt`` with columns group, time, att, se, ci_low, ci_high (uniform band), post;
        ``.tidy()`` the same in the imtfp.tidy format (``ci_*`` pointwise, ``band_*`` uniform);
        ``.pretest`` the Wald pre-test of all pre-treatment cells (R's ``Wpval``).
    """
    check_option(control_group, ControlGroup, "control_group")
    check_option(method, Method, "method")
    check_option(base_period, BasePeriod, "base_period")
    if anticipation < 0:
        raise ConfigError(f"anticipation must be >= 0, got {anticipation}")
    panel = staggered_panel(data, y=y, entity=entity, time=time, group=group, controls=controls,
                            cluster=cluster, anticipation=anticipation)  # fmt: skip
    if control_group == "never_treated" and not (panel.G == 0).any():
        raise EstimationError("did: no never-treated units; use control_group='not_yet_treated'")
    cl = cells(panel, base_period=base_period, anticipation=anticipation)
    if not cl:
        raise EstimationError("did: no cohort has a pre-treatment period in the sample")
    n = panel.n
    att = np.full(len(cl), np.nan)
    inf = np.zeros((n, len(cl)))
    for j, c in enumerate(cl):
        if c.base == c.t:  # universal base period: normalised to 0
            att[j] = 0.0
            continue
        C = control_mask(panel, c, control_group, anticipation)
        D = panel.G == c.group
        keep = C | D
        if C.sum() == 0:
            continue
        dy = panel.Y[keep, c.t] - panel.Y[keep, c.base]
        Xc = np.column_stack([np.ones(keep.sum()), panel.X[keep, c.base, :]])
        att[j], psi = two_by_two(dy, D[keep].astype(float), Xc, method)
        inf[keep, j] = psi * n / keep.sum()
    s = _cluster_sums(inf, panel.cluster)
    V = s.T @ s / n**2
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    se = np.where(np.isfinite(att) & (se > 1e-12 * np.abs(att).max(initial=1)), se, np.nan)
    crit = multiplier_crit(inf, panel.cluster, se, bootstrap=bootstrap, seed=seed, level=level)
    table = pd.DataFrame(
        {
            "group": [c.group for c in cl],
            "time": [c.time for c in cl],
            "att": att,
            "se": se,
            "ci_low": att - crit * se,
            "ci_high": att + crit * se,
            "post": [c.post for c in cl],
        }
    )
    pre = np.flatnonzero(~table["post"].to_numpy() & np.isfinite(se))
    pretest = wald(
        att[pre],
        V[np.ix_(pre, pre)],
        terms=[f"g{int(cl[j].group)}_t{int(cl[j].time)}" for j in pre],
    )
    options = dict(y=y, control_group=control_group, method=method, base_period=base_period,
                   anticipation=anticipation, controls=tuple(controls))  # fmt: skip
    return ATTgtResult(table, inf, panel, crit, pretest, options, level, bootstrap, seed)


def wald(b: np.ndarray, V: np.ndarray, terms: Sequence[str] | None = None) -> WaldTest:
    """Joint Wald test that ``b`` = 0: :math:`W = b'V^{-1}b \\sim \\chi^2_k` (pseudo-inverse)."""
    k = len(b)
    names = list(terms) if terms is not None else [f"b{j}" for j in range(k)]
    if k == 0:
        return WaldTest(
            names, np.asarray(b, float), np.asarray(V, float).reshape(0, 0), np.nan, 0, np.nan
        )
    W = float(b @ np.linalg.pinv(V) @ b)
    return WaldTest(
        names, np.asarray(b, float), np.asarray(V, float), W, k, float(special.chdtrc(k, W))
    )
