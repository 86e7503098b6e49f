r"""Rambachan & Roth (2023) confidence sets for an event study, computed as HonestDiD computes them.

The event-study coefficients :math:`\hat\beta = (\hat\beta_{pre}', \hat\beta_{post}')'` (the
reference period omitted; ``num_pre`` before it, ``num_post`` after it, in time order) estimate
:math:`\beta = (0', \tau_{post}')' + \delta` with a bias :math:`\delta` that equals the pre-period
coefficients before treatment. The parameter is :math:`\theta = l'\tau_{post}` (``target``: the
first post period, the average, or any weights). With :math:`\delta_0 = 0` at the reference period
and :math:`\Delta_t = \delta_t - \delta_{t-1}` the first differences:

* **Relative magnitudes** :math:`\Delta^{RM}(\bar M)`: every post-period change is at most
  :math:`\bar M` times the largest pre-period change,
  :math:`|\Delta_t| \le \bar M\max_{s\le 0}|\Delta_s|` for :math:`t \ge 1`. The set is the union
  over which pre-period change :math:`s` is the largest and its sign of the polyhedra
  :math:`\{\delta: A_{s,\pm}\delta \le 0\}`; the confidence set is the union of the
  Andrews–Roth–Pakes (ARP 2023) conditional-least-favourable hybrid (``C-LF``) sets of each
  polyhedron, found by test inversion on HonestDiD's grid (1 000 points on
  :math:`\pm 20\,\mathrm{sd}(\hat\theta)`, widened here when a set touches its end).
* **Smoothness** :math:`\Delta^{SD}(M)`: second differences are at most :math:`M` in absolute
  value, :math:`|\Delta_{t+1} - \Delta_t| \le M`; the confidence set is the optimal fixed-length
  confidence interval (FLCI, Armstrong & Kolesár 2018) among affine estimators
  :math:`\hat\theta = l'\hat\beta_{post} - \sum_s w\text{-weights}\cdot\hat\beta_{pre}`:
  :math:`\hat\theta \pm \chi_{1-\alpha}(\bar b/\sigma)\,\sigma` with :math:`\bar b` the worst-case
  bias over :math:`\Delta^{SD}(M)`, :math:`\sigma` the standard deviation and :math:`\chi_{1-\alpha}(b)`
  the :math:`1-\alpha` quantile of :math:`|N(b, 1)|`, minimised over the weights.

The ARP test of :math:`H_0: \theta = \theta_0` writes the moments as
:math:`Y(\theta_0) = A\hat\beta - a\theta_0` with nuisance directions :math:`X`
(:math:`A\Gamma^{-1}` split by HonestDiD's basis :math:`\Gamma` with first row :math:`l'`), and
the statistic :math:`\hat\eta = \min_{\eta,\nu}\{\eta: Y - X\nu \le \eta\,\mathrm{sd}\}
= \max_{\lambda\in V}\lambda'Y`, :math:`V` the vertices of the dual polytope
:math:`\{\lambda \ge 0: \mathrm{sd}'\lambda = 1, X'\lambda = 0\}`. The polytope does not depend on
:math:`\theta_0` or the data, so its vertices are enumerated once and the statistic, the optimal
vertex :math:`\gamma` and the truncation points of the conditional test are computed for every
grid point at once:

.. math::
    S = Y - b\,\hat\eta,\quad b = \Sigma\gamma/\gamma'\Sigma\gamma,\quad
    v^{lo} = \max_{\lambda: 1-\lambda'b > 0}\frac{\lambda'S}{1-\lambda'b},\quad
    v^{up} = \min_{\lambda: 1-\lambda'b < 0}\frac{\lambda'S}{1-\lambda'b},

the interval on which :math:`\gamma` stays optimal (ARP, Lemma; the same numbers HonestDiD finds
by its primal formula or by bisection on the dual). The hybrid rejects when :math:`\hat\eta`
exceeds the least-favourable critical value (the :math:`1-\kappa` quantile of :math:`\hat\eta` under
:math:`Y \sim N(0, \Sigma_Y)`, :math:`\kappa = \alpha/10`, ``lf_draws`` simulations) and otherwise
compares :math:`\hat\eta/\sigma_\gamma` with the :math:`1-\tilde\alpha` quantile of the normal
truncated to :math:`[v^{lo}, \min(v^{up}, c_{LF})]/\sigma_\gamma`,
:math:`\tilde\alpha = (\alpha-\kappa)/(1-\kappa)`.

Why our own code and not a wrapper: HonestDiD is R; its Python ports pull in numba and
solver stacks for what is here a few vectorised array operations, one HiGHS linear programme
per identified-set bound (:func:`scipy.optimize.linprog`) and one smooth convex minimisation for
the FLCI (:func:`scipy.optimize.minimize`, SLSQP). Where HonestDiD draws random numbers (the
least-favourable critical value, and its simulated folded-normal quantile) the draws come from
``seed``; the folded-normal quantile is computed exactly here. The dual vertices of the
relative-magnitude moments are known in closed form (:func:`cone_rays`: the moments come in
:math:`\pm` pairs); other moment sets are enumerated, up to :data:`MAX_SUPPORTS` candidate bases
(beyond that :class:`~imtfp.errors.EstimationError` asks for a shorter event window).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special

from imtfp.errors import ConfigError, EstimationError
from imtfp.options import check_option

Restriction = Literal["relative_magnitude", "smoothness"]
Target = Literal["first", "average"]

#: Largest number of candidate vertex supports enumerated for one polyhedron.
MAX_SUPPORTS = 3_000_000
_CHUNK = 200_000
#: HonestDiD's grid for the test inversion: points and half-width in sd(θ̂).
GRID_POINTS = 1000
GRID_HALF_WIDTH = 20.0

Normals = Callable[[int], np.ndarray]


# -- inputs ---------------------------------------------------------------------------------------


def target_weights(target: str | Sequence[float] | np.ndarray, num_post: int) -> np.ndarray:
    """The vector :math:`l` of :math:`\\theta = l'\\tau_{post}`: first period, average, or given."""
    if isinstance(target, str):
        check_option(target, Target, "target")
        if target == "first":
            return np.eye(num_post)[0]
        return np.full(num_post, 1.0 / num_post)
    weights = np.asarray(target, dtype=float).ravel()
    if weights.size != num_post or not np.isfinite(weights).all() or not weights.any():
        raise ConfigError(
            f"target weights must be {num_post} finite numbers, not all 0, got {list(weights)}"
        )
    return weights


def _check_inputs(betahat, sigma, num_pre: int, num_post: int) -> tuple[np.ndarray, np.ndarray]:
    b = np.asarray(betahat, dtype=float).ravel()
    V = np.asarray(sigma, dtype=float)
    if num_pre < 1 or num_post < 1:
        raise ConfigError(f"need at least one pre and one post period, got {num_pre}, {num_post}")
    if b.size != num_pre + num_post or V.shape != (b.size, b.size):
        raise ConfigError(
            f"betahat has {b.size} entries and sigma shape {V.shape}; "
            f"expected {num_pre} + {num_post} coefficients"
        )
    if not (np.isfinite(b).all() and np.isfinite(V).all()):
        raise EstimationError("betahat and sigma must be finite")
    V = (V + V.T) / 2
    if np.linalg.eigvalsh(V).min() < -1e-10 * max(1.0, float(np.abs(V).max())):
        raise EstimationError("sigma is not positive semi-definite")
    return b, V


# -- constraint matrices --------------------------------------------------------------------------


def rm_constraints(num_pre: int, num_post: int, mbar: float, s: int, positive: bool) -> np.ndarray:
    """Rows :math:`a` with :math:`a'\\delta \\le 0` on :math:`\\Delta^{RM}_{s,\\pm}(\\bar M)`.

    :math:`\\delta` runs over the pre and post periods (reference dropped); the largest pre-period
    change is :math:`\\pm\\Delta_s`, :math:`s \\in \\{-(\\text{num\\_pre}-1), \\dots, 0\\}`. Row order
    as HonestDiD's ``.create_A_RM`` (upper then lower bounds; rows that vanish are removed).
    """
    n = num_pre + num_post
    diff = np.zeros((n, n + 1))
    diff[np.arange(n), np.arange(n)] = -1.0
    diff[np.arange(n), np.arange(n) + 1] = 1.0
    vmax = np.zeros(n + 1)
    vmax[num_pre + s - 1], vmax[num_pre + s] = -1.0, 1.0
    if not positive:
        vmax = -vmax
    bound = np.vstack([np.tile(vmax, (num_pre, 1)), np.tile(mbar * vmax, (num_post, 1))])
    A = np.vstack([diff - bound, -diff - bound])
    A = A[(A * A).sum(axis=1) > 1e-10]
    return np.delete(A, num_pre, axis=1)


def sd_constraints(num_pre: int, num_post: int) -> np.ndarray:
    """Rows of :math:`|\\delta_{t+1} - 2\\delta_t + \\delta_{t-1}| \\le M` (reference dropped)."""
    n = num_pre + num_post
    second = np.zeros((n - 1, n + 1))
    for r in range(n - 1):
        second[r, r : r + 3] = (1.0, -2.0, 1.0)
    second = np.delete(second, num_pre, axis=1)
    return np.vstack([second, -second])


def _gamma_basis(l_vec: np.ndarray) -> np.ndarray:
    """An invertible matrix with first row :math:`l'` (then unit vectors, as HonestDiD's RREF)."""
    rows = [l_vec]
    for j in range(l_vec.size):
        cand = np.vstack([*rows, np.eye(l_vec.size)[j]])
        if np.linalg.matrix_rank(cand) == len(rows) + 1:
            rows.append(np.eye(l_vec.size)[j])
        if len(rows) == l_vec.size:
            break
    return np.vstack(rows)


# -- the ARP conditional / least-favourable hybrid test -------------------------------------------


def _dual_vertices(sd: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Vertices :math:`\\lambda` (rows) of :math:`\\{\\lambda\\ge0: sd'\\lambda = 1, X'\\lambda = 0\\}`.

    They are the extreme rays of the cone :math:`\\{\\lambda \\ge 0: X'\\lambda = 0\\}`
    (:func:`cone_rays`, which does not depend on sd), each scaled to :math:`sd'\\lambda = 1`.
    """
    rays = cone_rays(X)
    return rays / (rays @ sd)[:, None]


_RAYS: dict[bytes, np.ndarray] = {}


def cone_rays(X: np.ndarray) -> np.ndarray:
    """Extreme rays of :math:`\\{\\lambda \\ge 0: X'\\lambda = 0\\}`, rows scaled to sum 1 (cached).

    Relative-magnitude moments come in pairs :math:`x, -x` (upper and lower bound of one post
    period change). Then :math:`e_i + e_j` of every pair is a ray, and any other extreme ray uses
    one row of each pair with signed weights :math:`\\mu` in the null space of the first rows'
    :math:`X_h'`; with a one-dimensional null space :math:`\\{t\\,n\\}` those are :math:`\\pm n`
    split into positive and negative parts — :math:`T + 2` rays in all. Other shapes: all basic
    feasible solutions of :math:`\\{\\lambda\\ge0: 1'\\lambda = 1, X'\\lambda = 0\\}` (supports of
    the rank of the system, regular and non-negative), at most :data:`MAX_SUPPORTS` candidates.
    """
    X = np.asarray(X, dtype=float).reshape(X.shape[0], -1)
    key = X.shape[0].to_bytes(4, "little") + np.round(X, 12).tobytes()
    if key not in _RAYS:
        if len(_RAYS) > 256:  # one entry per (target, event window): a long run never needs more
            _RAYS.clear()
        rays = _paired_rays(X)
        _RAYS[key] = rays if rays is not None else _enumerate_vertices(np.ones(X.shape[0]), X)
    return _RAYS[key]


def _paired_rays(X: np.ndarray) -> np.ndarray | None:
    m = X.shape[0]
    if X.shape[1] == 0:
        return None
    scale = max(1.0, float(np.abs(X).max()))
    zero = np.abs(X).max(axis=1) <= 1e-12 * scale  # a moment without nuisance: a ray on its own
    partner = -np.ones(m, dtype=int)
    for i in np.flatnonzero(~zero):
        if partner[i] >= 0:
            continue
        for j in range(i + 1, m):
            if not zero[j] and partner[j] < 0 and np.abs(X[i] + X[j]).max() <= 1e-12 * scale:
                partner[i], partner[j] = j, i
                break
    if (partner[~zero] < 0).any():
        return None
    first = np.flatnonzero(partner > np.arange(m))
    null = linalg.null_space(X[first].T) if first.size else np.zeros((0, 0))
    if null.shape[1] > 1:
        return None
    rays = [np.eye(m)[i] for i in np.flatnonzero(zero)]
    for i in first:
        r = np.zeros(m)
        r[[i, partner[i]]] = 1.0
        rays.append(r)
    if null.shape[1] == 1:
        n = null[:, 0] / np.abs(null[:, 0]).max()
        n[np.abs(n) < 1e-12] = 0.0
        for mu in (n, -n):
            r = np.zeros(m)
            r[first] = np.clip(mu, 0, None)
            r[partner[first]] = np.clip(-mu, 0, None)
            rays.append(r)
    rays = np.array(rays)
    return rays / rays.sum(axis=1, keepdims=True)


def _enumerate_vertices(sd: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Basic feasible solutions of :math:`\\{\\lambda\\ge0: sd'\\lambda = 1, X'\\lambda = 0\\}`.

    Supports of size r (the rank of the equality system) whose square system is regular and whose
    solution is non-negative; duplicates (degenerate vertices) removed.
    """
    m = sd.size
    E_all = np.vstack([sd, X.T]) if X.size else sd[None, :]
    keep = [0]
    for i in range(1, E_all.shape[0]):
        if np.linalg.matrix_rank(E_all[[*keep, i]], tol=1e-10) > len(keep):
            keep.append(i)
        else:  # implied row: consistent only if it does not involve the normalisation sd'λ = 1
            coef = np.linalg.lstsq(E_all[keep].T, E_all[i], rcond=None)[0]
            if abs(coef[0]) > 1e-8:
                raise EstimationError(
                    "the ARP statistic is unbounded: a nuisance direction moves every moment"
                )
    E = E_all[keep]
    r = E.shape[0]
    n_supports = math.comb(m, r)
    if n_supports > MAX_SUPPORTS:
        raise EstimationError(
            f"Rambachan–Roth ARP test: {n_supports:,} candidate vertices (m = {m} moments, "
            f"{r - 1} nuisance directions); shorten the event window (fewer leads/lags)"
        )
    rhs = np.zeros(r)
    rhs[0] = 1.0
    found = []
    combos_iter = itertools.combinations(range(m), r)
    while True:
        chunk = np.array(list(itertools.islice(combos_iter, _CHUNK)), dtype=np.intp)
        if chunk.size == 0:
            break
        Es = np.transpose(E[:, chunk], (1, 0, 2))  # (C, r, r): columns of the support
        scale = np.prod(np.linalg.norm(Es, axis=1), axis=1)
        det = np.linalg.det(Es)
        ok = np.abs(det) > 1e-10 * np.where(scale > 0, scale, 1.0)
        if not ok.any():
            continue
        lam_s = np.linalg.solve(Es[ok], np.broadcast_to(rhs, (int(ok.sum()), r))[..., None])[..., 0]
        feas = (lam_s >= -1e-10 * np.abs(lam_s).max(axis=1, keepdims=True)).all(axis=1)
        if not feas.any():
            continue
        lam = np.zeros((int(feas.sum()), m))
        np.put_along_axis(lam, chunk[ok][feas], np.clip(lam_s[feas], 0.0, None), axis=1)
        found.append(lam)
    if not found:
        raise EstimationError("the ARP dual polytope has no vertex (the moments are degenerate)")
    lam = np.vstack(found)
    _, first = np.unique(np.round(lam, 10), axis=0, return_index=True)
    return lam[np.sort(first)]


def _sqrt_psd(S: np.ndarray) -> np.ndarray:
    """Symmetric square root of a positive semi-definite matrix (as ``mvtnorm::rmvnorm``)."""
    w, Q = np.linalg.eigh(S)
    return (Q * np.sqrt(np.clip(w, 0.0, None))) @ Q.T


def _default_normals(seed: int) -> Normals:
    def draw(size: int) -> np.ndarray:
        return np.random.default_rng(seed).standard_normal(size)

    return draw


def _lf_critical_value(
    lam: np.ndarray, Sigma: np.ndarray, kappa: float, draws: int, normals: Normals
) -> float:
    """Least-favourable critical value: :math:`1-\\kappa` quantile of :math:`\\max_\\lambda
    \\lambda'(-\\xi)`, :math:`\\xi \\sim N(0, \\Sigma)` (draws filled row by row, HonestDiD's order)."""
    m = Sigma.shape[0]
    xi = normals(draws * m).reshape(draws, m) @ _sqrt_psd(Sigma)
    eta = (lam @ (-xi.T)).max(axis=0)
    return float(np.quantile(eta, 1 - kappa))


def _truncnorm_quantile(p: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Quantile ``p`` of N(0, 1) truncated to [lo, hi] (``TruncatedNormal::norminvp``)."""
    out = np.full(lo.shape, np.nan)
    ok = lo < hi
    if ok.any():
        from scipy import stats  # here only: importing scipy.stats costs ~1 s a job

        out[ok] = stats.truncnorm.ppf(p, lo[ok], hi[ok])
    return out


def arp_accept(
    A: np.ndarray,
    d: np.ndarray,
    betahat: np.ndarray,
    sigma: np.ndarray,
    l_vec: np.ndarray,
    num_pre: int,
    thetas: np.ndarray,
    *,
    alpha: float,
    rows: np.ndarray | None = None,
    lf_draws: int = 1000,
    normals: Normals,
) -> np.ndarray:
    """Acceptance (bool per θ) of the ARP conditional-least-favourable hybrid test of θ = θ₀.

    ``A``, ``d``: the polyhedron :math:`A\\delta \\le d`; ``rows``: the moments the test uses
    (HonestDiD's post-period moments); ``l_vec``: the target weights; ``thetas``: the grid.
    One post period uses HonestDiD's no-nuisance test (no cap of :math:`v^{up}` by
    :math:`c_{LF}`), more use the nuisance-parameter test.
    """
    num_post = l_vec.size
    kappa = alpha / 10
    alpha_tilde = (alpha - kappa) / (1 - kappa)
    Gamma_inv = np.linalg.inv(_gamma_basis(l_vec))
    AG = A[:, num_pre:] @ Gamma_inv
    Y = A @ betahat - d
    SY = A @ sigma @ A.T
    a_col, X = AG[:, 0], AG[:, 1:]
    if rows is not None:
        Y, SY, a_col, X = Y[rows], SY[np.ix_(rows, rows)], a_col[rows], X[rows]
    sd = np.sqrt(np.clip(np.diag(SY), 0.0, None))
    if (sd <= 0).any():
        raise EstimationError("a moment of the ARP test has zero variance")
    # work in units of the typical moment sd: the test is scale-free, the vertices are not
    c = float(np.median(sd))
    Y, SY, sd = Y / c, SY / c**2, sd / c
    a_col = a_col / c
    nuisance = num_post > 1
    lam = _dual_vertices(sd, X if nuisance else np.zeros((sd.size, 0)))
    lf_cv = _lf_critical_value(lam, SY, kappa, lf_draws, normals)

    vals = (lam @ Y)[:, None] - (lam @ a_col)[:, None] * thetas[None, :]  # (V, G)
    best = np.argmax(vals, axis=0)
    eta = vals[best, np.arange(thetas.size)]
    gamma = lam[best]  # (G, m)
    sigma_b2 = np.einsum("gm,mn,gn->g", gamma, SY, gamma)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = (gamma @ SY) / sigma_b2[:, None]
        y = Y[None, :] - thetas[:, None] * a_col[None, :]
        S = y - b * eta[:, None]
        num = S @ lam.T  # (G, V)
        den = 1.0 - b @ lam.T
        tol = 1e-10
        vlo = np.where(den > tol, num / np.where(den > tol, den, 1.0), -np.inf).max(axis=1)
        vup = np.where(den < -tol, num / np.where(den < -tol, den, -1.0), np.inf).min(axis=1)
        sigma_b = np.sqrt(sigma_b2)
        maxstat = eta / sigma_b
        zlo = vlo / sigma_b
        zup = (np.minimum(vup, lf_cv) if nuisance else vup) / sigma_b
    inside = (zlo <= maxstat) & (maxstat <= zup)
    cval = np.maximum(0.0, _truncnorm_quantile(1 - alpha_tilde, zlo, zup))
    reject = inside & (maxstat > cval)
    degenerate = sigma_b2 < np.finfo(float).eps
    reject = np.where(degenerate, eta > 0, reject)
    reject |= eta > lf_cv
    return ~reject


def _rm_pieces(num_pre: int, num_post: int, mbar: float):
    """(A, rows) of every polyhedron of :math:`\\Delta^{RM}(\\bar M)`, HonestDiD's moment choice."""
    for s in range(-(num_pre - 1), 1):
        for positive in (True, False):
            A = rm_constraints(num_pre, num_post, mbar, s, positive)
            post_rows = np.flatnonzero((A[:, num_pre:] != 0).any(axis=1))
            if num_post == 1:  # HonestDiD keeps only the rows of the post period
                yield A[post_rows], None
            else:
                yield A, post_rows


def _grid_bounds(accept: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    if not accept.any():
        return math.nan, math.nan
    idx = np.flatnonzero(accept)
    return float(grid[idx[0]]), float(grid[idx[-1]])


def rm_interval(
    betahat: np.ndarray,
    sigma: np.ndarray,
    *,
    num_pre: int,
    num_post: int,
    mbar: float,
    l_vec: np.ndarray,
    alpha: float,
    grid_points: int = GRID_POINTS,
    lf_draws: int = 1000,
    normals: Normals,
) -> tuple[float, float]:
    """C-LF confidence set under :math:`\\Delta^{RM}(\\bar M)` as (lb, ub) of the accepted grid.

    The grid is HonestDiD's, :math:`\\pm 20\\,\\mathrm{sd}(\\hat\\theta)` around 0 with
    ``grid_points`` points. When the set is not inside it (an estimate more than 20 sd from 0)
    the grid is extended at the same step to 20 sd beyond the estimate and its identified set,
    and widened further while the set touches an end, rather than reporting a cut-off interval.
    """
    sd_theta = float(np.sqrt(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    lo, hi = -GRID_HALF_WIDTH * sd_theta, GRID_HALF_WIDTH * sd_theta
    pieces = list(_rm_pieces(num_pre, num_post, mbar))
    step = (hi - lo) / (grid_points - 1)

    def accepted(grid: np.ndarray) -> np.ndarray:
        out = np.zeros(grid.size, dtype=bool)
        for A, rows in pieces:
            out |= arp_accept(A, np.zeros(A.shape[0]), betahat, sigma, l_vec, num_pre, grid,
                              alpha=alpha, rows=rows, lf_draws=lf_draws, normals=normals)  # fmt: skip
        return out

    grid = np.linspace(lo, hi, grid_points)
    accept = accepted(grid)
    if not accept.any() or accept[0] or accept[-1]:
        # HonestDiD's grid misses the set (an estimate beyond 20 sd from 0): cover the estimate and
        # its identified set with 20 sd on either side, at the same step, widening until closed
        theta = float(l_vec @ betahat[num_pre:])
        id_lb, id_ub = identified_set(betahat, num_pre=num_pre, num_post=num_post,
                                      restriction="relative_magnitude", M=mbar, target=l_vec)  # fmt: skip
        span = (id_ub - id_lb) if np.isfinite(id_ub - id_lb) else 0.0
        lo = min(lo, theta - span - GRID_HALF_WIDTH * sd_theta)
        hi = max(hi, theta + span + GRID_HALF_WIDTH * sd_theta)
        for _ in range(4):
            n = min(int(np.ceil((hi - lo) / step)) + 1, 20 * grid_points)
            grid = np.linspace(lo, hi, n)
            accept = accepted(grid)
            if not (accept[0] or accept[-1]):
                break
            width = hi - lo
            lo, hi = (lo - width if accept[0] else lo), (hi + width if accept[-1] else hi)
    return _grid_bounds(accept, grid)


# -- FLCI under smoothness ------------------------------------------------------------------------


def folded_normal_quantile(p: float, b: np.ndarray | float) -> np.ndarray:
    """Quantile ``p`` of :math:`|N(b, 1)|`: c solving :math:`\\Phi(c-b) - \\Phi(-c-b) = p`."""
    b = np.abs(np.asarray(b, dtype=float))
    c = b + special.ndtri(p)  # the upper tail dominates for large b; Newton from there
    c = np.maximum(c, special.ndtri((1 + p) / 2))
    for _ in range(60):
        f = special.ndtr(c - b) - special.ndtr(-c - b) - p
        fp = np.exp(-0.5 * (c - b) ** 2) / np.sqrt(2 * np.pi) + np.exp(
            -0.5 * (c + b) ** 2
        ) / np.sqrt(2 * np.pi)
        step = f / fp
        c = c - step
        if np.all(np.abs(step) < 1e-14 * np.maximum(1.0, c)):
            break
    return c


def _flci_pieces(sigma: np.ndarray, num_pre: int, l_vec: np.ndarray):
    """Variance and worst-case-bias pieces of the affine estimator in HonestDiD's (U, w) form.

    Pre-period weights :math:`l_{pre} = Dw` (:math:`D` first differences of w),
    :math:`\\sum_j w_j = \\sum_t t\\,l_t`; for M = 1 the worst-case bias over
    :math:`\\Delta^{SD}(1)` is :math:`c_0 + \\sum_j |\\sum_{i\\le j} w_i|` with
    :math:`c_0 = \\sum_{s=1}^{T}|\\sum_{i=1}^{s} i\\,l_{T-s+i}| - \\sum_t t\\,l_t`.
    """
    num_post = l_vec.size
    D = np.eye(num_pre) - np.eye(num_pre, k=-1)
    S_pre = sigma[:num_pre, :num_pre]
    S_pp = sigma[:num_pre, num_pre:]
    var_w = (
        D.T @ S_pre @ D,
        2 * D.T @ S_pp @ l_vec,
        float(l_vec @ sigma[num_pre:, num_pre:] @ l_vec),
    )
    t = np.arange(1, num_post + 1)
    const = sum(abs(float(np.arange(1, s + 1) @ l_vec[num_post - s :])) for s in t) - float(
        t @ l_vec
    )
    return D, var_w, const, float(t @ l_vec)


def flci(
    betahat: np.ndarray,
    sigma: np.ndarray,
    *,
    num_pre: int,
    num_post: int,
    M: float,
    l_vec: np.ndarray,
    alpha: float,
    folded_quantile: Callable[[float, float], float] | None = None,
) -> tuple[float, float, np.ndarray]:
    """Optimal FLCI under :math:`\\Delta^{SD}(M)`: (lb, ub, weights v of :math:`v'\\hat\\beta`).

    Minimises the half-length :math:`\\sigma(w)\\,\\chi_{1-\\alpha}(M\\bar b(w)/\\sigma(w))` over
    the pre-period weights, a convex problem (the half-length is the perspective of the convex,
    increasing :math:`\\chi`), with the absolute values as linear constraints
    :math:`|\\sum_{i\\le j} w_i| \\le U_j` (SLSQP). ``folded_quantile(p, b)`` replaces the exact
    quantile of :math:`|N(b, 1)|` (e.g. by HonestDiD's simulated one, to compare with its output).
    """
    chi = folded_quantile or (lambda p_, b_: float(folded_normal_quantile(p_, b_)))
    D, (Q, q, q0), const, total = _flci_pieces(sigma, num_pre, l_vec)
    scale = float(np.sqrt(max(q0, np.diag(sigma).mean()))) or 1.0
    Qs, qs, q0s = Q / scale**2, q / scale**2, q0 / scale**2
    Ms = M / scale
    L = np.tril(np.ones((num_pre, num_pre)))
    p = 1 - alpha

    def var(w):
        return max(float(w @ Qs @ w + qs @ w + q0s), 1e-300)

    def half(z):
        w, U = z[:num_pre], z[num_pre:]
        sd = math.sqrt(var(w))
        if Ms == 0:
            return chi(p, 0.0) * sd
        bias = Ms * (const + U.sum())
        return chi(p, bias / sd) * sd

    def half_grad(z):
        # d(σχ(t)) = (χ(t) − tχ'(t)) dσ + χ'(t) db, t = b/σ; χ' from differentiating
        # Φ(χ − t) − Φ(−χ − t) = p: χ' = (φ(χ − t) − φ(χ + t)) / (φ(χ − t) + φ(χ + t))
        w, U = z[:num_pre], z[num_pre:]
        sd = math.sqrt(var(w))
        dsd = (2 * Qs @ w + qs) / (2 * sd)
        t = Ms * (const + U.sum()) / sd
        c = float(folded_normal_quantile(p, t))
        fm, fp = math.exp(-0.5 * (c - t) ** 2), math.exp(-0.5 * (c + t) ** 2)
        dc = (fm - fp) / (fm + fp)
        return np.concatenate([(c - t * dc) * dsd, np.full(num_pre, dc * Ms)])

    eye = np.eye(num_pre)
    w0 = np.zeros(num_pre)
    w0[-1] = total  # the minimum-bias weights (HonestDiD's h0): extrapolate the last pre slope
    w1 = np.full(num_pre, total / num_pre)
    cons = [
        {"type": "eq", "fun": lambda z: np.array([z[:num_pre].sum() - total]),
         "jac": lambda z: np.concatenate([np.ones(num_pre), np.zeros(num_pre)])[None, :]},
        {"type": "ineq", "fun": lambda z: z[num_pre:] - L @ z[:num_pre],
         "jac": lambda z: np.hstack([-L, eye])},
        {"type": "ineq", "fun": lambda z: z[num_pre:] + L @ z[:num_pre],
         "jac": lambda z: np.hstack([L, eye])},
    ]  # fmt: skip
    best = None
    for w_start in (w0, w1):
        start = np.concatenate([w_start, np.abs(L @ w_start) + 1e-9])
        res = optimize.minimize(half, start, method="SLSQP", constraints=cons,
                                jac=half_grad if folded_quantile is None else None,
                                options={"ftol": 1e-14, "maxiter": 1000})  # fmt: skip
        if best is None or res.fun < best.fun:
            best = res
    w = best.x[:num_pre]
    v = np.concatenate([D @ w, l_vec])  # unbiased under linear trends: Σ_j l_pre,j t_j = −Σ_t t l_t
    hl = best.fun * scale
    center = float(v @ betahat)
    return center - hl, center + hl, v


# -- identified sets ------------------------------------------------------------------------------


def _lp_range(
    A: np.ndarray, d: np.ndarray, betahat: np.ndarray, num_pre: int, l_vec: np.ndarray
) -> tuple[float, float] | None:
    """[min, max] of :math:`l'\\delta_{post}` over :math:`A\\delta\\le d`, :math:`\\delta_{pre} = \\beta_{pre}`."""
    n = A.shape[1]
    f = np.concatenate([np.zeros(num_pre), l_vec])
    A_eq = np.hstack([np.eye(num_pre), np.zeros((num_pre, n - num_pre))])
    out = []
    for sign in (1.0, -1.0):
        res = optimize.linprog(sign * f, A_ub=A, b_ub=d, A_eq=A_eq, b_eq=betahat[:num_pre],
                               bounds=(None, None), method="highs")  # fmt: skip
        if res.status != 0:
            return None
        out.append(sign * res.fun)
    return out[0], out[1]


def identified_set(
    betahat,
    *,
    num_pre: int,
    num_post: int,
    restriction: Restriction,
    M: float,
    target: str | Sequence[float] = "first",
) -> tuple[float, float]:
    """Identified set of θ when :math:`\\beta` = ``betahat`` exactly (HonestDiD's ``IDset``).

    NaN when the pre-period coefficients themselves violate the restriction (e.g. their second
    differences exceed M), where HonestDiD falls back to the point :math:`l'\\beta_{post}`.
    """
    check_option(restriction, Restriction, "restriction")
    b = np.asarray(betahat, dtype=float).ravel()
    l_vec = target_weights(target, num_post)
    point = float(l_vec @ b[num_pre:])
    if restriction == "smoothness":
        A = sd_constraints(num_pre, num_post)
        found = [_lp_range(A, np.full(A.shape[0], M), b, num_pre, l_vec)]
    else:
        found = [
            _lp_range(A, np.zeros(A.shape[0]), b, num_pre, l_vec)
            for s in range(-(num_pre - 1), 1)
            for positive in (True, False)
            for A in [rm_constraints(num_pre, num_post, M, s, positive)]
        ]
    found = [r for r in found if r is not None]
    if not found:
        return math.nan, math.nan
    return point - max(r[1] for r in found), point - min(r[0] for r in found)


# -- the public entry points ----------------------------------------------------------------------


def honest_intervals(
    betahat,
    sigma,
    *,
    num_pre: int,
    num_post: int,
    restriction: Restriction = "relative_magnitude",
    M: Sequence[float] | float = (0.0, 0.5, 1.0, 1.5, 2.0),
    target: str | Sequence[float] = "first",
    level: float = 0.95,
    grid_points: int = GRID_POINTS,
    lf_draws: int = 1000,
    seed: int = 0,
    normals: Normals | None = None,
) -> pd.DataFrame:
    """Rambachan–Roth robust confidence sets of θ = l'τ_post for each M (see the module docstring).

    Parameters
    ----------
    betahat, sigma : event-study coefficients (pre then post, reference omitted) and covariance
    num_pre, num_post : numbers of pre- and post-period coefficients
    restriction : ``relative_magnitude`` (ARP conditional-least-favourable hybrid, ``C-LF``) or
        ``smoothness`` (optimal FLCI, ``FLCI``)
    M : values of :math:`\\bar M` (relative magnitudes) or M (smoothness, in outcome units)
    target : ``first`` (e = 0, HonestDiD's default), ``average`` or weights over the post periods
    level : confidence level (α = 1 − level)
    grid_points, lf_draws, seed : test-inversion grid, least-favourable simulations and their seed
    normals : optional generator of standard normals (``size -> array``) called afresh for every
        least-favourable critical value, in place of ``numpy.random.default_rng(seed)``

    Returns
    -------
    DataFrame with columns ``M``, ``lb``, ``ub``, ``method`` (``C-LF`` or ``FLCI``).
    """
    check_option(restriction, Restriction, "restriction")
    if not 0 < level < 1:
        raise ConfigError(f"level must lie in (0, 1), got {level}")
    b, V = _check_inputs(betahat, sigma, num_pre, num_post)
    l_vec = target_weights(target, num_post)
    alpha = 1 - level
    normals = normals or _default_normals(seed)
    Ms = [float(M)] if np.isscalar(M) else [float(m) for m in M]
    if any(m < 0 or not np.isfinite(m) for m in Ms):
        raise ConfigError(f"M must be finite and non-negative, got {Ms}")
    rows = []
    for m in Ms:
        if restriction == "relative_magnitude":
            lb, ub = rm_interval(b, V, num_pre=num_pre, num_post=num_post, mbar=m, l_vec=l_vec,
                                 alpha=alpha, grid_points=grid_points, lf_draws=lf_draws,
                                 normals=normals)  # fmt: skip
            rows.append((m, lb, ub, "C-LF"))
        else:
            lb, ub, _ = flci(b, V, num_pre=num_pre, num_post=num_post, M=m, l_vec=l_vec,
                             alpha=alpha)  # fmt: skip
            rows.append((m, lb, ub, "FLCI"))
    return pd.DataFrame(rows, columns=["M", "lb", "ub", "method"])


def breakdown_value(
    betahat,
    sigma,
    *,
    num_pre: int,
    num_post: int,
    restriction: Restriction = "relative_magnitude",
    target: str | Sequence[float] = "first",
    level: float = 0.95,
    tol: float = 1e-3,
    seed: int = 0,
    normals: Normals | None = None,
) -> float:
    """Largest M (or :math:`\\bar M`) whose robust set still excludes 0; 0 if the set at M = 0
    contains 0, ``inf`` if no M up to :math:`10^3` (relative magnitudes) or :math:`10^3\\,\\mathrm{sd}`
    (smoothness) brings 0 in. Bisection to ``tol`` (relative magnitudes) or ``tol``·sd(θ̂).

    Relative magnitudes: 0 is excluded when the C-LF test rejects θ = 0 under every polyhedron
    of :math:`\\Delta^{RM}(\\bar M)` (the test the set inverts, evaluated at 0 itself rather than
    on the grid); smoothness: when the FLCI excludes 0.
    """
    b, V = _check_inputs(betahat, sigma, num_pre, num_post)
    l_vec = target_weights(target, num_post)
    unit = (
        1.0
        if restriction == "relative_magnitude"
        else float(np.sqrt(l_vec @ V[num_pre:, num_pre:] @ l_vec))
    )

    draw = normals or _default_normals(seed)

    def excludes_zero(m: float) -> bool:
        if restriction == "relative_magnitude":
            return not any(
                arp_accept(
                    A,
                    np.zeros(A.shape[0]),
                    b,
                    V,
                    l_vec,
                    num_pre,
                    np.zeros(1),
                    alpha=1 - level,
                    rows=rows,
                    normals=draw,
                )[0]  # fmt: skip
                for A, rows in _rm_pieces(num_pre, num_post, m)
            )
        lb, ub, _ = flci(b, V, num_pre=num_pre, num_post=num_post, M=m, l_vec=l_vec,
                         alpha=1 - level)  # fmt: skip
        return bool(lb > 0 or ub < 0)

    if not excludes_zero(0.0):
        return 0.0
    lo, hi = 0.0, unit
    while excludes_zero(hi):
        lo, hi = hi, hi * 2
        if hi > 1e3 * unit:
            return math.inf
    while hi - lo > tol * unit:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if excludes_zero(mid) else (lo, mid)
    return lo
