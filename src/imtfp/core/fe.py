"""Partialling out fixed effects (the within transformation), numpy only.

Shared by ``tfp`` (α estimated with two-way FE) and ``models`` (TWFE, the
multiverse engine); measurement must never import ``models``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def group_codes(labels: Sequence | np.ndarray) -> np.ndarray:
    """Integer codes 0..G-1 for arbitrary group labels (order of first sort)."""
    _, codes = np.unique(np.asarray(labels), return_inverse=True)
    return codes.astype(np.intp)


def _subtract_group_means(X: np.ndarray, codes: np.ndarray) -> np.ndarray:
    counts = np.bincount(codes).astype(float)
    sums = np.zeros((counts.size, X.shape[1]))
    np.add.at(sums, codes, X)
    return X - (sums / counts[:, None])[codes]


def demean(
    X: np.ndarray,
    groups: Sequence[np.ndarray],
    *,
    tol: float = 1e-13,
    maxiter: int = 10_000,
) -> np.ndarray:
    """Residualise the columns of ``X`` on one or more sets of group dummies.

    With one factor this is the exact within transformation
    :math:`\\tilde x_{it} = x_{it} - \\bar x_i`. With several (province and
    year) it uses the method of alternating projections, which converges to
    the residual of the regression on all dummies jointly; for a balanced
    two-way panel one sweep is already exact.

    Parameters
    ----------
    X : array (n,) or (n, k)
    groups : integer code arrays (see :func:`group_codes`), one per factor.
    tol : stop when the largest change of a sweep falls below ``tol`` times
        the scale of ``X``.
    """
    X = np.asarray(X, dtype=float)
    squeeze = X.ndim == 1
    Z = X.reshape(len(X), -1).copy()
    if not groups:
        return Z[:, 0] if squeeze else Z
    scale = max(1.0, float(np.abs(Z).max(initial=0.0)))
    for _ in range(maxiter if len(groups) > 1 else 1):
        before = Z
        for codes in groups:
            Z = _subtract_group_means(Z, codes)
        if len(groups) == 1 or np.abs(Z - before).max(initial=0.0) < tol * scale:
            break
    return Z[:, 0] if squeeze else Z
