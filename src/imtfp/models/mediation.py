"""Mediation analysis for panels: stepwise regressions, Sobel tests, cluster bootstrap.

For a channel M, with the same controls Z and fixed effects in every equation:

.. math::
    (1)\\; Y = cX + \\gamma_1'Z + \\mu_i + \\lambda_t + e_1,\\qquad
    (2)\\; M = aX + \\gamma_2'Z + \\mu_i + \\lambda_t + e_2,\\qquad
    (3)\\; Y = c'X + bM + \\gamma_3'Z + \\mu_i + \\lambda_t + e_3

Indirect effect :math:`ab`; proportion mediated :math:`ab/c` (as
``sgmediation``). Standard errors of the products (MacKinnon et al. 2002):

.. math::
    \\text{Sobel: } \\sqrt{b^2 s_a^2 + a^2 s_b^2},\\quad
    \\text{Aroian (Goodman 1): } \\sqrt{b^2 s_a^2 + a^2 s_b^2 + s_a^2 s_b^2},\\quad
    \\text{Goodman (2): } \\sqrt{b^2 s_a^2 + a^2 s_b^2 - s_a^2 s_b^2}

with :math:`s_a, s_b` from the chosen covariance (default clustered by
province). The bootstrap resamples whole provinces (each drawn province a
new entity, fixed effects re-estimated in every equation of every draw);
with ``entity=None`` and ``time=None`` it is plain OLS with case
resampling. Percentile and bias-corrected intervals of :math:`ab` are
reported. Draws are evaluated without a loop through the closed-form
cross products of :func:`imtfp.core.bootstrap.resampled_moments` when the
panel is balanced (a loop over draws otherwise).

``mode="two_step"`` reports only the X→M regression (2), following Jiang
Ting (2022, 中国工业经济 "因果推断经验研究中的中介效应与调节效应"), who argues
that the M→Y link should be argued from theory and prior evidence rather
than from regression (3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from imtfp.core.bootstrap import (
    bias_corrected_ci,
    cluster_draws,
    draw_counts,
    expand_draw,
    percentile_ci,
    resampled_moments,
)
from imtfp.core.fe import demean, group_codes
from imtfp.core.ols import coefficients_from_moments
from imtfp.errors import EstimationError
from imtfp.models._common import CovType, as_list, check_option, is_balanced, logger, prepare_sample, unique
from imtfp.models.panel import fit_twfe, inference_row
from imtfp.tidy import tidy_frame

Mode = Literal["stepwise", "two_step"]


@dataclass
class MediationResult:
    """Paths, product-of-coefficients tests and bootstrap of one channel."""

    mode: str
    y: str
    x: str
    m: str
    controls: list[str]
    nobs: int
    cov: str
    entity_fe: bool
    time_fe: bool
    paths: dict[str, dict]  # name -> {"estimate", "se", "df", "r2_within"}
    indirect: float = np.nan
    sobel_se: float = np.nan
    sobel_z: float = np.nan
    sobel_p: float = np.nan
    aroian_se: float = np.nan
    aroian_z: float = np.nan
    aroian_p: float = np.nan
    goodman_se: float = np.nan
    goodman_z: float = np.nan
    goodman_p: float = np.nan
    proportion_mediated: float = np.nan
    bootstrap: int = 0
    ci_percentile: tuple[float, float] = (np.nan, np.nan)
    ci_bc: tuple[float, float] = (np.nan, np.nan)
    boot_indirect: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    draws: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=int), repr=False)

    def as_dict(self) -> dict:
        """Scalars only (no draws), e.g. for logging or JSON."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("boot_indirect", "draws")}
        return out

    def tidy(self, *, table: str = "mediation", column: str = "", level: float = 0.95) -> pd.DataFrame:
        """Tidy rows: one per path, then the indirect effect and the test statistics.

        Terms: ``c_total`` (Y on X), ``a`` (M on X), ``b`` (Y on M given X),
        ``c_prime`` (Y on X given M), ``indirect`` (estimate a·b, se = Sobel
        se, CI = bootstrap percentile), ``indirect_bc`` (same estimate, CI =
        bias-corrected bootstrap), ``sobel_z``, ``aroian_z``, ``goodman_z``
        (estimate = z, p = normal two-sided p) and ``proportion_mediated``.
        Rows carry ``dep_var`` of their equation.
        """
        common = {
            "table": table,
            "column": column,
            "nobs": self.nobs,
            "entity_fe": self.entity_fe,
            "time_fe": self.time_fe,
            "controls": ",".join(self.controls),
            "cov": self.cov,
        }
        dep = {"c_total": self.y, "a": self.m, "b": self.y, "c_prime": self.y}
        rows = []
        for name, p in self.paths.items():
            rows.append(
                {
                    **common,
                    "term": name,
                    **inference_row(p["estimate"], p["se"], p["df"], level),
                    "r2_within": p["r2_within"],
                    "dep_var": dep[name],
                }
            )
        if self.mode == "stepwise":
            ind = {**common, "dep_var": self.y}
            rows.append(
                {
                    **ind,
                    "term": "indirect",
                    "estimate": self.indirect,
                    "se": self.sobel_se,
                    "t": self.sobel_z,
                    "p": self.sobel_p,
                    "ci_low": self.ci_percentile[0],
                    "ci_high": self.ci_percentile[1],
                    "cov": f"{self.cov}; bootstrap percentile CI, B={self.bootstrap}",
                }
            )
            rows.append(
                {
                    **ind,
                    "term": "indirect_bc",
                    "estimate": self.indirect,
                    "ci_low": self.ci_bc[0],
                    "ci_high": self.ci_bc[1],
                    "cov": f"{self.cov}; bootstrap bias-corrected CI, B={self.bootstrap}",
                }
            )
            for name in ("sobel", "aroian", "goodman"):
                rows.append(
                    {
                        **ind,
                        "term": f"{name}_z",
                        "estimate": getattr(self, f"{name}_z"),
                        "se": getattr(self, f"{name}_se"),
                        "p": getattr(self, f"{name}_p"),
                    }
                )
            rows.append({**ind, "term": "proportion_mediated", "estimate": self.proportion_mediated})
        return tidy_frame(rows)


def product_tests(a: float, sa: float, b: float, sb: float) -> dict:
    """Sobel, Aroian (Goodman 1) and Goodman (2) tests of :math:`ab = 0` (normal p-values)."""
    ab = a * b
    base = b * b * sa * sa + a * a * sb * sb
    out = {}
    for name, var in (("sobel", base), ("aroian", base + sa * sa * sb * sb), ("goodman", base - sa * sa * sb * sb)):
        se = math.sqrt(var) if var > 0 else np.nan
        z = ab / se if se and np.isfinite(se) else np.nan
        out[f"{name}_se"] = se
        out[f"{name}_z"] = z
        out[f"{name}_p"] = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan
    return out


def _path(fit, term: str) -> dict:
    return {"estimate": fit.coef(term), "se": fit.stderr(term), "df": fit.df_inf, "r2_within": fit.r2_within}


def _panel_array(df: pd.DataFrame, cols: list[str], entity: str | None, time: str | None):
    """(G, T, p) array of a balanced panel (rows sorted by entity, time), or None."""
    if entity is None:
        # case resampling: each row is a cluster; time effects then need the slow path
        return None if time is not None else df[cols].to_numpy(dtype=float)[:, None, :]
    sizes = df.groupby(entity, sort=True).size()
    if sizes.nunique() != 1:
        return None
    if time is not None and not is_balanced(df, entity, time):
        return None
    G, T = len(sizes), int(sizes.iloc[0])
    return df[cols].to_numpy(dtype=float).reshape(G, T, len(cols))


def _coefs_ab(S: np.ndarray, iy: int, im: int, ix: int, ic: list[int]) -> np.ndarray:
    """a·b for a batch of cross-product matrices (NaN where a draw is singular)."""
    try:
        a = coefficients_from_moments(S, im, [ix] + ic)[..., 0]
        b = coefficients_from_moments(S, iy, [im, ix] + ic)[..., 0]
        return a * b
    except np.linalg.LinAlgError:
        out = np.full(S.shape[0], np.nan)
        for i in range(S.shape[0]):
            try:
                out[i] = _coefs_ab(S[i : i + 1], iy, im, ix, ic)[0]
            except np.linalg.LinAlgError:
                pass
        return out


def _loop_moments(df, cols, entity, time, effects, draw) -> np.ndarray:
    """Cross products of one resampled (possibly unbalanced) panel: the slow path."""
    codes = group_codes(df[entity].to_numpy()) if entity is not None else np.arange(len(df))
    order = np.argsort(codes, kind="stable")
    members = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
    idx, new_ids = expand_draw(draw, members)
    W = df[cols].to_numpy(dtype=float)[idx]
    groups = []
    if effects in ("twoway", "entity"):
        groups.append(new_ids)
    if effects in ("twoway", "time"):
        groups.append(group_codes(df[time].to_numpy()[idx]))
    Wt = demean(W, groups) if groups else W - W.mean(axis=0)
    return Wt.T @ Wt


def bootstrap_indirect(
    df: pd.DataFrame,
    *,
    y: str,
    x: str,
    m: str,
    controls: Sequence[str],
    entity: str | None,
    time: str | None,
    effects: str,
    draws: np.ndarray,
) -> np.ndarray:
    """a·b in each cluster-bootstrap draw (rows of ``draws`` index resampled clusters).

    ``df`` must be the estimation sample sorted by entity and time.
    """
    cols = unique([y, m, x] + list(controls))
    iy, im, ix = cols.index(y), cols.index(m), cols.index(x)
    ic = [cols.index(c) for c in controls]
    B = draws.shape[0]
    out = np.empty(B)
    P = _panel_array(df, cols, entity, time)
    step = max(1, math.ceil(B / 10))
    G = P.shape[0] if P is not None else df[entity].nunique()
    from imtfp.logs import progress  # a bar in the job's log, a console heartbeat each quarter

    for start in progress(range(0, B, step), desc="mediation bootstrap (batches of draws)"):
        stop = min(B, start + step)
        if P is not None:
            S = resampled_moments(P, draw_counts(draws[start:stop], G), effects=effects)
        else:
            S = np.stack([_loop_moments(df, cols, entity, time, effects, d) for d in draws[start:stop]])
        out[start:stop] = _coefs_ab(S, iy, im, ix, ic)
        logger.info("mediation bootstrap (%s via %s): %d/%d draws (%d%%)", x, m, stop, B, round(100 * stop / B))
    return out


def mediation(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    m: str,
    controls: Sequence[str] = (),
    entity: str | None = "province",
    time: str | None = "year",
    cov: CovType = "clustered",
    bootstrap: int = 5000,
    seed: int,
    mode: Mode = "stepwise",
    level: float = 0.95,
) -> MediationResult:
    """Mediation of the effect of ``x`` on ``y`` through ``m`` (see module docstring).

    Parameters
    ----------
    entity, time : panel columns; each present one adds its fixed effects to
        every equation. ``entity=None`` resamples rows instead of entities.
    cov : covariance of the path coefficients (clustered by the entity by default)
    bootstrap : number of cluster-bootstrap draws of a·b (0 to skip)
    seed : seed of the bootstrap draws
    mode : ``stepwise`` (all three equations) or ``two_step`` (X→M only)

    Returns
    -------
    :class:`MediationResult` (``.tidy()`` gives the tidy rows).
    """
    check_option(mode, Mode, "mode")
    check_option(cov, CovType, "cov")
    if bootstrap < 0:
        raise ValueError(f"bootstrap must be >= 0, got {bootstrap}")
    controls = [c for c in as_list(controls) if c not in (x, m, y)]
    if len({y, x, m}) < 3:
        raise ValueError(f"y, x and m must be three different columns, got {y!r}, {x!r}, {m!r}")
    effects = {(True, True): "twoway", (True, False): "entity", (False, True): "time", (False, False): "none"}[
        (entity is not None, time is not None)
    ]
    df = prepare_sample(data, [y, x, m] + controls, entity=entity, time=time, what=f"mediation via {m}")
    kw = dict(controls=controls, entity=entity, time=time, effects=effects, cov=cov)
    fit_a = fit_twfe(df, y=m, x=x, what=f"mediation a-path ({m})", **kw)
    paths = {"a": _path(fit_a, x)}
    common = dict(
        y=y, x=x, m=m, controls=controls, nobs=fit_a.nobs, cov=cov, entity_fe=fit_a.entity_fe, time_fe=fit_a.time_fe
    )
    if mode == "two_step":
        return MediationResult(mode=mode, paths=paths, **common)
    fit_c = fit_twfe(df, y=y, x=x, what="mediation c-path", **kw)
    fit_b = fit_twfe(df, y=y, x=[x, m], what=f"mediation b-path ({m})", **kw)
    paths = {"c_total": _path(fit_c, x), "a": paths["a"], "b": _path(fit_b, m), "c_prime": _path(fit_b, x)}
    a, sa, b, sb = paths["a"]["estimate"], paths["a"]["se"], paths["b"]["estimate"], paths["b"]["se"]
    c = paths["c_total"]["estimate"]
    tests = product_tests(a, sa, b, sb)
    res = MediationResult(
        mode=mode,
        paths=paths,
        indirect=a * b,
        proportion_mediated=a * b / c if c != 0 else np.nan,
        bootstrap=bootstrap,
        **tests,
        **common,
    )
    if bootstrap:
        n_clusters = df[entity].nunique() if entity is not None else len(df)
        if n_clusters < 2:
            raise EstimationError("the cluster bootstrap needs at least 2 clusters")
        draws = cluster_draws(n_clusters, bootstrap, np.random.default_rng(seed))
        boot = bootstrap_indirect(
            df, y=y, x=x, m=m, controls=controls, entity=entity, time=time, effects=effects, draws=draws
        )
        ok = boot[np.isfinite(boot)]
        if len(ok) < bootstrap:
            logger.warning("mediation bootstrap: %d of %d draws were singular and dropped", bootstrap - len(ok), bootstrap)
        res.boot_indirect, res.draws = boot, draws
        res.ci_percentile = percentile_ci(ok, level)
        res.ci_bc = bias_corrected_ci(ok, a * b, level)
    return res
