"""Pairs (cluster) bootstrap: resampling indices, moments of resampled panels, CIs.

A cluster bootstrap draws G clusters with replacement; a cluster drawn twice
enters twice as two distinct units (new entity ids), so its fixed effect is
estimated twice. For a panel stored as an array ``P`` of shape (G, T, p)
(clusters × periods × variables, balanced), a draw is summarised by the
multiplicities :math:`w_g` (how often cluster g was drawn, :math:`\\sum w_g = G`)
and the cross-product matrix of the fixed-effect-transformed resampled data
has a closed form:

* entity effects: :math:`\\sum_g w_g \\sum_t \\ddot P_{gt}\\ddot P_{gt}'` with
  :math:`\\ddot P_{gt} = P_{gt} - \\bar P_{g\\cdot}`;
* two-way effects: the same minus :math:`G\\sum_t \\bar E_t \\bar E_t'` where
  :math:`\\bar E_t = G^{-1}\\sum_g w_g \\ddot P_{gt}` (the balanced two-way
  within transformation is :math:`\\ddot P_{gt} - \\bar E_t`);
* time effects only: :math:`\\sum_g w_g\\sum_t P_{gt}P_{gt}' - G\\sum_t \\bar P_t \\bar P_t'`;
* no effects (with an intercept): subtract :math:`GT\\,\\bar P\\bar P'`.

So every statistic that is a function of the cross products (OLS
coefficients of any regression among the p variables) is computed for all
draws at once, with no loop over draws.
"""

from __future__ import annotations

import numpy as np
from scipy import special  # not scipy.stats: its import costs ~1 s a job

from imtfp.options import Effects, check_option


def cluster_draws(n_clusters: int, bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    """(bootstrap, G) indices of the clusters drawn with replacement in each replication."""
    return rng.integers(0, n_clusters, size=(bootstrap, n_clusters))


def draw_counts(draws: np.ndarray, n_clusters: int) -> np.ndarray:
    """Multiplicities (B, G): how often each cluster appears in each draw."""
    B = draws.shape[0]
    counts = np.zeros((B, n_clusters))
    np.add.at(counts, (np.repeat(np.arange(B), draws.shape[1]), draws.ravel()), 1.0)
    return counts


def expand_draw(draw: np.ndarray, members: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of one resampled data set and the new cluster id of each row.

    ``members[g]`` holds the row indices of cluster g; the k-th drawn cluster
    gets the new id k, so a cluster drawn twice becomes two units.
    """
    rows = [members[g] for g in draw]
    idx = np.concatenate(rows)
    new_ids = np.repeat(np.arange(len(draw)), [len(r) for r in rows])
    return idx, new_ids


def resampled_moments(P: np.ndarray, counts: np.ndarray, *, effects: Effects) -> np.ndarray:
    """Cross-product matrices of the effect-transformed resampled panels.

    Parameters
    ----------
    P : (G, T, p) balanced panel, clusters × periods × variables
    counts : (B, G) draw multiplicities (see :func:`draw_counts`); the
        original sample is ``np.ones((1, G))``
    effects : absorbed fixed effects (clusters are the entities)

    Returns
    -------
    (B, p, p) array :math:`\\ddot W_b'\\ddot W_b` for each draw.
    """
    check_option(effects, Effects, "effects")
    P = np.asarray(P, dtype=float)
    counts = np.asarray(counts, dtype=float)
    G, T, _ = P.shape
    n_units = counts.sum(axis=1)  # = G for a full draw
    if effects in ("entity", "twoway"):
        E = P - P.mean(axis=1, keepdims=True)
    else:
        E = P
    C = np.einsum("gtp,gtq->gpq", E, E)
    S = np.einsum("bg,gpq->bpq", counts, C)
    if effects in ("twoway", "time"):
        Ebar = np.einsum("bg,gtp->btp", counts, E) / n_units[:, None, None]
        S -= n_units[:, None, None] * np.einsum("btp,btq->bpq", Ebar, Ebar)
    elif effects == "none":
        Pbar = np.einsum("bg,gtp->bp", counts, E) / (n_units * T)[:, None]
        S -= (n_units * T)[:, None, None] * np.einsum("bp,bq->bpq", Pbar, Pbar)
    return S


def percentile_ci(draws: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval: the :math:`\\alpha/2` and :math:`1-\\alpha/2` quantiles of the draws."""
    a = (1 - level) / 2
    lo, hi = np.quantile(draws, [a, 1 - a])
    return float(lo), float(hi)


def bias_corrected_ci(
    draws: np.ndarray, estimate: float, level: float = 0.95
) -> tuple[float, float]:
    """Bias-corrected percentile interval (Efron 1982), as Stata's ``estat bootstrap, bc``.

    :math:`z_0 = \\Phi^{-1}(\\#\\{\\theta^*_b \\le \\hat\\theta\\}/B)`; the bounds are the
    :math:`\\Phi(2z_0 \\pm z_{1-\\alpha/2})` quantiles of the draws.
    """
    draws = np.asarray(draws, dtype=float)
    share = np.mean(draws <= estimate)
    share = min(max(share, 0.5 / len(draws)), 1 - 0.5 / len(draws))
    z0 = special.ndtri(share)
    z = special.ndtri(1 - (1 - level) / 2)
    q = special.ndtr([2 * z0 - z, 2 * z0 + z])
    lo, hi = np.quantile(draws, q)
    return float(lo), float(hi)
