"""Cluster-robust covariance from per-cluster score sums in O(n), for designs of millions of rows.

Numerically the same estimator as :func:`imtfp.core.vcov.vcov_cluster` (and
it takes the small-sample factor from :func:`imtfp.core.vcov.cluster_factor`,
so any refusal added there applies here too); what differs is the
arithmetic: the score sums :math:`s_g = \\sum_{i\\in g} x_i\\hat e_i` use one
``np.bincount`` per column and the number of clusters is read from the codes
(0..G-1, as :func:`imtfp.core.fe.group_codes` returns them) instead of
``np.add.at`` and ``np.unique``, which cost a sort and dominate at 5M rows.
"""

from __future__ import annotations

import numpy as np

from imtfp.core.vcov import cluster_factor


def cluster_score_sums(
    X: np.ndarray, resid: np.ndarray, codes: np.ndarray, n_clusters: int
) -> np.ndarray:
    """:math:`S_{g\\cdot} = \\sum_{i\\in g} x_i \\hat e_i`, a (G, k) array."""
    out = np.empty((n_clusters, X.shape[1]))
    for j in range(X.shape[1]):
        out[:, j] = np.bincount(codes, weights=X[:, j] * resid, minlength=n_clusters)
    return out


def vcov_cluster_scores(
    X: np.ndarray, resid: np.ndarray, xtx_inv: np.ndarray, codes: np.ndarray, *, k_df: int
) -> np.ndarray:
    """One-way clustered covariance with Stata's factor (see :func:`imtfp.core.vcov.vcov_cluster`).

    .. math::
        \\hat V = \\frac{G}{G-1}\\frac{N-1}{N-K}(X'X)^{-1}\\Big[\\sum_g s_g s_g'\\Big](X'X)^{-1}

    ``codes`` must be 0..G-1 with every code present.
    """
    codes = np.asarray(codes, dtype=np.intp)
    G = int(codes.max()) + 1
    S = cluster_score_sums(X, resid, codes, G)
    V = xtx_inv @ (S.T @ S) @ xtx_inv
    return (V + V.T) / 2 * cluster_factor(X.shape[0], k_df, G)
