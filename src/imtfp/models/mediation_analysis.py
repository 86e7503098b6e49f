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

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import costs ~1 s a job

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
from imtfp.core.vcov import InferenceLimits
from imtfp.core.wild import wild_cluster_bootstrap
from imtfp.errors import ConfigError, EstimationError
from imtfp.models._common import (
    CovType,
    as_list,
    fit_arrays,
    is_balanced,
    logger,
    prepare_sample,
    unique,
)
from imtfp.models.panel import fit_twfe, inference_row
from imtfp.options import MediationMode, check_option
from imtfp.results import Estimates
from imtfp.tidy import tidy_frame

#: Path names in the order of the tidy rows: c (total), a, b, c' (direct).
PATH_TERMS = ("c_total", "a", "b", "c_prime")


@dataclass(frozen=True)
class Path:
    """One path coefficient of a mediation model (its own equation's estimate and inference).

    ``estimate``, ``se``, ``t``, ``p`` (two-sided, t(``df``) or normal when
    ``df`` is None), ``df``, ``r2_within`` and ``dep_var`` of the equation.
    """

    name: str
    estimate: float
    se: float
    df: int | None
    r2_within: float
    dep_var: str

    @property
    def t(self) -> float:
        return self.estimate / self.se if self.se > 0 else np.nan

    @property
    def p(self) -> float:
        return inference_row(self.estimate, self.se, self.df)["p"]

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        row = inference_row(self.estimate, self.se, self.df, level)
        return row["ci_low"], row["ci_high"]


@dataclass
class MediationResult(Estimates):
    """Paths, product-of-coefficients tests and bootstrap of one channel.

    The protocol attributes (``params``, ``bse``, ``pvalues``, ``conf_int``,
    ``summary()``) cover the path coefficients ``c_total``, ``a``, ``b``,
    ``c_prime`` (``a`` only in ``two_step`` mode); they come from different
    equations, so ``vcov`` is diagonal (cross-equation covariances are not
    estimated). ``c``, ``a``, ``b``, ``c_prime`` are the :class:`Path` objects.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=300)
    >>> m = 0.5 * x + rng.normal(size=300)
    >>> df = pd.DataFrame({"x": x, "m": m, "y": 0.4 * m + 0.2 * x + rng.normal(size=300)})
    >>> r = mediation(df, y="y", x="x", m="m", entity=None, time=None, cov="robust", bootstrap=0, seed=1)
    >>> bool(abs(r.c.estimate - (r.c_prime.estimate + r.indirect)) < 1e-12)  # c = c' + ab
    True
    >>> list(r.params.index)
    ['c_total', 'a', 'b', 'c_prime']
    >>> bool(r.a.p < 0.001)
    True
    """

    mode: str
    y: str
    x: str
    m: str
    controls: list[str]
    cov: str
    entity_fe: bool
    time_fe: bool
    paths: dict[str, Path]
    nobs: int = 0  # after the fields without a default: Estimates gives nobs a class default
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
    #: two_step mode: wild cluster (WCR, Webb) bootstrap p-value and CI of the X→M path a
    a_wild: tuple[float, float, float] = (np.nan, np.nan, np.nan)
    boot_indirect: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    draws: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=int), repr=False)

    n_clusters: int | None = None

    # ---- the path objects ----------------------------------------------------------------------
    @property
    def c(self) -> Path | None:
        """Total effect of x on y (equation 1); None in ``two_step`` mode."""
        return self.paths.get("c_total")

    @property
    def a(self) -> Path:
        """Effect of x on the mediator (equation 2)."""
        return self.paths["a"]

    @property
    def b(self) -> Path | None:
        """Effect of the mediator on y given x (equation 3); None in ``two_step`` mode."""
        return self.paths.get("b")

    @property
    def c_prime(self) -> Path | None:
        """Direct effect of x on y given the mediator (equation 3); None in ``two_step`` mode."""
        return self.paths.get("c_prime")

    # ---- the result protocol (imtfp.results.Estimates) -----------------------------------------
    @property
    def terms(self) -> list[str]:
        return list(self.paths)

    @property
    def coef(self) -> np.ndarray:
        return np.array([p.estimate for p in self.paths.values()])

    @property
    def vcov(self) -> np.ndarray:
        return np.diag([p.se**2 for p in self.paths.values()])

    @property
    def df_inf(self) -> int | None:
        return self.a.df

    @property
    def cov_type(self) -> str:
        return self.cov

    @property
    def dep_var(self) -> str:
        return self.y

    def _summary_header(self) -> list[tuple[str, str]]:
        lines = super()._summary_header()
        lines[0] = ("Model", f"mediation ({self.mode}) of {self.x} on {self.y} via {self.m}")
        fe = [n for n, on in (("entity", self.entity_fe), ("time", self.time_fe)) if on]
        lines.insert(3, ("Fixed effects", ", ".join(fe) or "none"))
        if self.mode == "stepwise":
            lines.append(
                ("Indirect effect a·b", f"{self.indirect:.5g} (Sobel p = {self.sobel_p:.3g})")
            )
            if self.bootstrap:
                lo, hi = self.ci_percentile
                lines.append(
                    ("Bootstrap CI of a·b", f"[{lo:.5g}, {hi:.5g}] ({self.bootstrap} draws)")
                )
        return lines

    def as_dict(self) -> dict:
        """Scalars only (no draws), e.g. for logging or JSON; paths as dicts."""
        skip = ("boot_indirect", "draws", "paths")
        out = {k: v for k, v in self.__dict__.items() if k not in skip}
        fields = ("estimate", "se", "p", "df", "r2_within")
        out["paths"] = {k: {f: getattr(p, f) for f in fields} for k, p in self.paths.items()}
        return out

    def tidy(
        self, *, table: str = "mediation", column: str = "", level: float = 0.95
    ) -> pd.DataFrame:
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
        rows = []
        for name, p in self.paths.items():
            rows.append(
                {
                    **common,
                    "term": name,
                    **inference_row(p.estimate, p.se, p.df, level),
                    "r2_within": p.r2_within,
                    "dep_var": p.dep_var,
                    "stat": False,
                }
            )
        if self.mode == "two_step" and np.isfinite(self.a_wild[0]):
            p_wild, lo, hi = self.a_wild
            wild = {
                **common,
                "dep_var": self.m,
                "cov": f"wild_bootstrap (webb, B={self.bootstrap})",
            }
            rows.append({**wild, "term": "a_wild_p", "estimate": p_wild, "stat": True})
            rows.append({**wild, "term": "a_wild_ci", "ci_low": lo, "ci_high": hi, "stat": True})
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
                    "stat": False,
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
                    "stat": True,
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
                        "stat": True,
                    }
                )
            rows.append(
                {
                    **ind,
                    "term": "proportion_mediated",
                    "estimate": self.proportion_mediated,
                    "stat": True,
                }
            )
        return tidy_frame(rows)


def product_tests(a: float, sa: float, b: float, sb: float) -> dict:
    """Sobel, Aroian (Goodman 1) and Goodman (2) tests of :math:`ab = 0` (normal p-values).

    The Goodman variance :math:`a^2s_b^2 + b^2s_a^2 - s_a^2s_b^2 = s_a^2s_b^2(t_a^2 + t_b^2 - 1)`
    is used only when :math:`t_a^2 + t_b^2 > 2`, i.e. when the subtracted term is less than half
    the Sobel variance; otherwise it is near zero or negative (both paths insignificant) and
    gives absurd z values, so the Goodman test is NaN (not reported).
    """
    ab = a * b
    base = b * b * sa * sa + a * a * sb * sb
    goodman = base - sa * sa * sb * sb if sa * sa * sb * sb < 0.5 * base else np.nan
    out = {}
    for name, var in (("sobel", base), ("aroian", base + sa * sa * sb * sb), ("goodman", goodman)):
        se = math.sqrt(var) if var > 0 else np.nan
        z = ab / se if se and np.isfinite(se) else np.nan
        out[f"{name}_se"] = se
        out[f"{name}_z"] = z
        out[f"{name}_p"] = float(2 * special.ndtr(-abs(z))) if np.isfinite(z) else np.nan
    return out


def _path(name: str, fit, term: str) -> Path:
    terms, beta, V = fit_arrays(fit)
    i = terms.index(term)
    return Path(
        name, float(beta[i]), float(np.sqrt(V[i, i])), fit.df_inf, fit.r2_within, fit.dep_var
    )


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
            S = np.stack(
                [_loop_moments(df, cols, entity, time, effects, d) for d in draws[start:stop]]
            )
        out[start:stop] = _coefs_ab(S, iy, im, ix, ic)
        logger.info(
            "mediation bootstrap (%s via %s): %d/%d draws (%d%%)",
            x,
            m,
            stop,
            B,
            round(100 * stop / B),
        )
    return out


def _wild_a(
    fit, x: str, bootstrap: int, seed: int, level: float, limits: InferenceLimits | None
) -> tuple[float, float, float]:
    """(p, CI low, CI high) of the X→M coefficient by the restricted wild cluster bootstrap (Webb
    weights), the inference of the two-step design with few clusters (:mod:`imtfp.core.wild`)."""
    s = fit.panel
    if s.cluster is None:
        return (np.nan, np.nan, np.nan)
    X = np.column_stack([s.column(r) for r in fit.terms])
    if not fit.groups:
        X = np.column_stack([X, np.ones(len(X))])
    res = wild_cluster_bootstrap(
        X, s.column(fit.dep_var), s.cluster, param=fit.terms.index(x),
        bootstrap=max(int(bootstrap), 99), weights="webb", seed=seed, absorb=fit.groups,
        k_df=fit.k_df, level=level, limits=limits,
    )  # fmt: skip
    return (res.p_value, res.ci_low, res.ci_high)


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
    mode: MediationMode = "stepwise",
    level: float = 0.95,
    limits: InferenceLimits | None = None,
) -> MediationResult:
    """Mediation of the effect of ``x`` on ``y`` through ``m`` (see module docstring).

    Parameters
    ----------
    entity, time : panel columns; each present one adds its fixed effects to
        every equation. ``entity=None`` resamples rows instead of entities.
    cov : covariance of the path coefficients (clustered by the entity by default)
    bootstrap : number of cluster-bootstrap draws of a·b (0 to skip); in ``two_step`` mode the
        number of wild cluster bootstrap draws of the X→M coefficient (rows ``a_wild_p``,
        ``a_wild_ci``: restricted wild cluster bootstrap with Webb weights, seeded)
    seed : seed of the bootstrap draws
    mode : ``stepwise`` (all three equations) or ``two_step`` (X→M only)
    limits : fewest clusters the path covariances accept (:class:`~imtfp.core.vcov.InferenceLimits`)

    Returns
    -------
    :class:`MediationResult` (``.tidy()`` gives the tidy rows).
    """
    check_option(mode, MediationMode, "mode")
    check_option(cov, CovType, "cov")
    if bootstrap < 0:
        raise ConfigError(f"bootstrap must be >= 0, got {bootstrap}")
    controls = [c for c in as_list(controls) if c not in (x, m, y)]
    if len({y, x, m}) < 3:
        raise ConfigError(f"y, x and m must be three different columns, got {y!r}, {x!r}, {m!r}")
    effects = {
        (True, True): "twoway",
        (True, False): "entity",
        (False, True): "time",
        (False, False): "none",
    }[(entity is not None, time is not None)]
    df = prepare_sample(
        data, [y, x, m] + controls, entity=entity, time=time, what=f"mediation via {m}"
    )
    kw = dict(controls=controls, entity=entity, time=time, effects=effects, cov=cov, limits=limits)
    fit_a = fit_twfe(df, y=m, x=x, what=f"mediation a-path ({m})", **kw)
    paths = {"a": _path("a", fit_a, x)}
    common = dict(
        y=y,
        x=x,
        m=m,
        controls=controls,
        nobs=fit_a.nobs,
        cov=cov,
        entity_fe=fit_a.entity_fe,
        time_fe=fit_a.time_fe,
        n_clusters=fit_a.n_clusters,
    )
    if mode == "two_step":
        a_wild = _wild_a(fit_a, x, bootstrap, seed, level, limits) if bootstrap else (np.nan,) * 3
        return MediationResult(mode=mode, paths=paths, bootstrap=bootstrap, a_wild=a_wild, **common)
    fit_c = fit_twfe(df, y=y, x=x, what="mediation c-path", **kw)
    fit_b = fit_twfe(df, y=y, x=[x, m], what=f"mediation b-path ({m})", **kw)
    paths = {
        "c_total": _path("c_total", fit_c, x),
        "a": paths["a"],
        "b": _path("b", fit_b, m),
        "c_prime": _path("c_prime", fit_b, x),
    }
    a, sa, b, sb = paths["a"].estimate, paths["a"].se, paths["b"].estimate, paths["b"].se
    c = paths["c_total"].estimate
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
            df,
            y=y,
            x=x,
            m=m,
            controls=controls,
            entity=entity,
            time=time,
            effects=effects,
            draws=draws,
        )
        ok = boot[np.isfinite(boot)]
        if len(ok) < bootstrap:
            logger.warning(
                "mediation bootstrap: %d of %d draws were singular and dropped",
                bootstrap - len(ok),
                bootstrap,
            )
        res.boot_indirect, res.draws = boot, draws
        res.ci_percentile = percentile_ci(ok, level)
        res.ci_bc = bias_corrected_ci(ok, a * b, level)
    return res
