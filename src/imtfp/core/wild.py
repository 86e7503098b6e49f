"""Wild cluster restricted (WCR) bootstrap, vectorised over draws.

Model :math:`y = X\\beta + D\\alpha + u` with absorbed fixed effects
:math:`D` and clusters :math:`g = 1..G`; test :math:`H_0: \\beta_j = r`.

Bootstrap DGP (Cameron, Gelbach and Miller 2008; MacKinnon and Webb 2017):
:math:`y^*_b = \\tilde y(r) + \\tilde u(r) \\odot v_{g(i),b}` where
:math:`\\tilde y, \\tilde u` are fitted values and residuals of the model
estimated under :math:`H_0`, and :math:`v_{gb}` are Rademacher or Webb
weights. Each draw is refitted and its cluster-robust t statistic
:math:`t^*_b` computed.

Vectorisation (after Roodman et al. 2019, "Fast and wild"): with
:math:`\\tilde X = M_D X`, :math:`A = (\\tilde X'\\tilde X)^{-1}`,
:math:`\\xi = \\tilde X A e_j` and :math:`C` the :math:`n\\times G` cluster
indicator matrix,

.. math::
    \\hat\\beta^*_j - r = s'v_b,\\quad s_g = \\sum_{i\\in g}\\xi_i\\tilde u_i,\\qquad
    \\text{score}^*_{b} = Z v_b,\\quad Z_{g\\cdot} = \\sum_{i\\in g}\\xi_i Q_{i\\cdot},

with :math:`Q = M_D\\,\\mathrm{diag}(\\tilde u)C - \\tilde X A\\tilde X'\\mathrm{diag}(\\tilde u)C`
(the bootstrap residuals are :math:`Qv_b`). So all B statistics cost two
:math:`G\\times G` by :math:`G\\times B` products, exactly equal to refitting
the least-squares-dummy-variable model B times. Everything is linear in
:math:`r` (:math:`\\text{score}^*_b(r) = P_{0b} - rP_{1b}`), so the bootstrap
variance :math:`\\lVert P_{0b}-rP_{1b}\\rVert^2 = q_{00,b} - 2rq_{01,b} + r^2q_{11,b}`
is kept as three numbers per draw: the confidence interval by test inversion
reuses the same draws and costs O(B) per trial value of r.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from imtfp.core.blas import single_blas_thread
from imtfp.core.fe import demean, group_codes
from imtfp.core.vcov import InferenceLimits, check_clusters, cluster_factor, group_sums
from imtfp.errors import ConfigError, EstimationError
from imtfp.options import PValueType, WildWeights, check_option

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def bootstrap_weights(
    n_clusters: int, bootstrap: int, kind: WildWeights, rng: np.random.Generator
) -> np.ndarray:
    """Wild bootstrap weights, a (G, bootstrap) array with mean 0 and variance 1.

    ``webb``: six points :math:`\\pm\\sqrt{1/2}, \\pm 1, \\pm\\sqrt{3/2}` with
    equal probability (Webb 2013), recommended with few clusters;
    ``rademacher``: :math:`\\pm 1`; ``mammen``: the two-point distribution of
    Mammen (1993).
    """
    check_option(kind, WildWeights, "weights")
    if kind == "webb":
        return _WEBB[rng.integers(0, 6, size=(n_clusters, bootstrap))]
    if kind == "rademacher":
        return rng.integers(0, 2, size=(n_clusters, bootstrap)) * 2.0 - 1.0
    s5 = np.sqrt(5.0)
    lo, hi = -(s5 - 1) / 2, (s5 + 1) / 2
    p_lo = (s5 + 1) / (2 * s5)
    return np.where(rng.random((n_clusters, bootstrap)) < p_lo, lo, hi)


@dataclass(frozen=True)
class WildResult:
    """Outcome of :func:`wild_cluster_bootstrap` for one coefficient."""

    estimate: float
    se: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    null: float
    bootstrap: int
    weights: str
    n_clusters: int


class _WildProblem:
    """Pre-computed pieces of the WCR bootstrap, linear in the null value r."""

    def __init__(self, X, y, codes, absorb, j, V, factor):
        self.codes = codes
        G = V.shape[0]
        Xt = demean(X, absorb)
        yt = demean(y, absorb)
        A = np.linalg.inv(Xt.T @ Xt)
        beta = A @ (Xt.T @ yt)
        uhat = yt - Xt @ beta
        xi = Xt @ A[:, j]
        self.beta_j = float(beta[j])
        self.factor = factor
        self.se = float(np.sqrt(factor * np.sum(group_sums(xi * uhat, codes, G) ** 2)))
        # restricted residuals: u(r) = u0 - r m (Frisch–Waugh on the other regressors)
        others = np.delete(Xt, j, axis=1)
        if others.shape[1]:
            proj = others @ np.linalg.lstsq(others, np.column_stack([yt, Xt[:, j]]), rcond=None)[0]
            u0, m = yt - proj[:, 0], Xt[:, j] - proj[:, 1]
        else:
            u0, m = yt, Xt[:, j]
        onehot = np.zeros((len(codes), G))
        onehot[np.arange(len(codes)), codes] = 1.0

        def pieces(u):
            uc = onehot * u[:, None]
            W = demean(uc, absorb) if absorb else uc
            S = Xt.T @ uc  # (k, G)
            Q = W - Xt @ (A @ S)
            Z = group_sums(xi[:, None] * Q, codes, G)  # (G, G)
            s = group_sums(xi * u, codes, G)  # (G,)
            return s, Z

        s0, Z0 = pieces(u0)
        s1, Z1 = pieces(m)
        self.N0, self.N1 = s0 @ V, s1 @ V
        P0, P1 = Z0 @ V, Z1 @ V
        # the bootstrap score variance is quadratic in r: keep its three coefficients per draw
        # (B numbers each), so a p-value at any r costs O(B), not O(G·B); the interval's
        # bisection reuses the draws at the cost of a few dozen such evaluations
        self.q00 = np.einsum("gb,gb->b", P0, P0)
        self.q01 = np.einsum("gb,gb->b", P0, P1)
        self.q11 = np.einsum("gb,gb->b", P1, P1)

    def t_boot(self, r: float) -> np.ndarray:
        r""":math:`t^*_b(r) = (N_{0b} - rN_{1b}) / \sqrt{c\,(q_{00} - 2rq_{01} + r^2q_{11})_b}`."""
        num = self.N0 - r * self.N1
        var = np.maximum(self.q00 - 2 * r * self.q01 + r * r * self.q11, 0.0)
        den = np.sqrt(self.factor * var)
        with np.errstate(divide="ignore", invalid="ignore"):
            return num / den

    def t_hat(self, r: float) -> float:
        return (self.beta_j - r) / self.se

    def p_value(self, r: float, kind: PValueType) -> float:
        tb, th = self.t_boot(r), self.t_hat(r)
        if kind == "symmetric":
            return float(np.mean(np.abs(tb) > abs(th)))
        return float(2 * min(np.mean(tb <= th), np.mean(tb > th)))


def _invert(problem: _WildProblem, alpha: float, kind: PValueType, side: int) -> float:
    """Bound of {r : p(r) >= alpha} on one side of the estimate, by bisection."""
    b, se = problem.beta_j, problem.se
    inside = b
    step = se
    outside = b + side * step
    for _ in range(60):
        if problem.p_value(outside, kind) < alpha:
            break
        inside, step = outside, step * 2
        outside = b + side * step
    else:
        return float(side * np.inf)
    for _ in range(60):
        mid = (inside + outside) / 2
        if problem.p_value(mid, kind) >= alpha:
            inside = mid
        else:
            outside = mid
        if abs(outside - inside) <= 1e-10 * max(1.0, abs(b)) + 1e-6 * se:
            break
    return float((inside + outside) / 2)


@single_blas_thread
def wild_cluster_bootstrap(
    X: np.ndarray,
    y: np.ndarray,
    clusters: Sequence | np.ndarray,
    *,
    param: int,
    null: float = 0.0,
    bootstrap: int = 9999,
    weights: WildWeights = "webb",
    seed: int,
    absorb: Sequence[np.ndarray] = (),
    k_df: int | None = None,
    level: float | None = 0.95,
    p_type: PValueType = "symmetric",
    limits: InferenceLimits | None = None,
) -> WildResult:
    """WCR wild cluster bootstrap test and test-inversion CI for one coefficient.

    Parameters
    ----------
    X : (n, k) regressors (include a constant column if no effects are absorbed)
    y : (n,) response
    clusters : cluster labels, one per row
    param : column of ``X`` to test
    null : hypothesised value r in :math:`H_0: \\beta_j = r`
    bootstrap : number of bootstrap draws (at least 99)
    absorb : integer codes of fixed effects partialled out (see :func:`imtfp.core.fe.group_codes`)
    k_df : K in the small-sample factor of the reported standard error
        (does not affect the bootstrap p-value, where it cancels)
    level : confidence level of the interval; ``None`` skips the inversion
    p_type : ``symmetric`` (:math:`P(|t^*| > |\\hat t|)`) or ``equal_tailed``
    limits : the fewest clusters it accepts (:class:`~imtfp.core.vcov.InferenceLimits`,
        ``models.min_clusters`` / ``few_clusters``); ``None``: the defaults
    """
    check_option(p_type, PValueType, "p_type")
    if bootstrap < 99:
        raise ConfigError(f"bootstrap must be at least 99 draws, got {bootstrap}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    codes = group_codes(clusters)
    G = int(codes.max()) + 1
    if G < 2:
        raise EstimationError("the wild cluster bootstrap needs at least 2 clusters")
    # With G clusters Webb weights give at most 6^G distinct draws (Rademacher 2^G): below the
    # minimum the bootstrap p-value is as false as the clustered one.
    check_clusters(G, what="the wild cluster bootstrap", limits=limits)
    k = X.shape[1]
    factor = cluster_factor(len(y), k if k_df is None else k_df, G, check=False)
    V = bootstrap_weights(G, bootstrap, weights, np.random.default_rng(seed))
    problem = _WildProblem(X, y, codes, list(absorb), param, V, factor)
    p = problem.p_value(null, p_type)
    lo = hi = np.nan
    if level is not None:
        alpha = 1 - level
        lo = _invert(problem, alpha, p_type, -1)
        hi = _invert(problem, alpha, p_type, +1)
    return WildResult(
        estimate=problem.beta_j,
        se=problem.se,
        t_stat=problem.t_hat(null),
        p_value=p,
        ci_low=lo,
        ci_high=hi,
        null=null,
        bootstrap=bootstrap,
        weights=weights,
        n_clusters=G,
    )
