"""Which regressors a partialled design can identify: absorbed, constant and collinear columns.

Stata drops a regressor that is a linear combination of earlier ones and
prints "omitted because of collinearity"; a regressor that the fixed effects
absorb (constant within every entity, say) identifies nothing and is an error
naming it. Both are decided here from the partialled design, before any
inverse is taken, so no bare ``Singular matrix`` escapes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from imtfp.errors import EstimationError

ABSORBED_TOL = 1e-9  # share of a column's centred variation left after partialling
COLLINEAR_TOL = 1e-9  # share of a column's partialled variation not explained by earlier ones


def centred_ss(X: np.ndarray) -> np.ndarray:
    """:math:`\\sum_i (x_{ij}-\\bar x_j)^2` per column (exactly 0 for a constant column)."""
    out = np.empty(X.shape[1])
    for j in range(X.shape[1]):
        col = X[:, j]
        if col.size == 0:
            out[j] = 0.0
            continue
        # shifted by the first value (exact zeros for a constant column, no cancellation when the
        # mean is large against the spread): sum d^2 - (sum d)^2 / n, three passes, not five
        d = col - col[0]
        s1 = float(d.sum())
        out[j] = max(float(np.dot(d, d)) - s1 * s1 / col.size, 0.0) if d.any() else 0.0
    return out


def check_absorbed(
    left_ss: np.ndarray, raw_ss: np.ndarray, names: Sequence[str], *, what: str, absorbed_by: str
) -> None:
    """Raise naming every regressor that is constant or absorbed by the fixed effects.

    ``left_ss`` are the sums of squares of the partialled columns (the diagonal
    of :math:`\\ddot X'\\ddot X`), ``raw_ss`` the centred ones before. A column is
    absorbed when less than ``ABSORBED_TOL`` of its variation survives.
    """
    left = np.asarray(left_ss, dtype=float)
    const = [n for n, r in zip(names, raw_ss, strict=True) if r == 0]
    if const:
        raise EstimationError(f"{what}: regressor(s) {const} are constant in the estimation sample")
    gone = [n for n, r, s in zip(names, raw_ss, left, strict=True) if s <= ABSORBED_TOL * r]
    if gone:
        raise EstimationError(
            f"{what}: regressor(s) {gone} are absorbed by the {absorbed_by} (no variation left "
            "after partialling them out, e.g. constant within each entity)"
        )


def collinear_columns(xtx: np.ndarray) -> list[int]:
    """Indices of columns that are (numerically) combinations of earlier columns.

    Greedy in column order, like Stata: column j is dropped when the share of
    its sum of squares not explained by the kept earlier columns,
    :math:`(s_{jj} - s_{jK}S_{KK}^{-1}s_{Kj})/s_{jj}`, is below ``COLLINEAR_TOL``.
    """
    kept: list[int] = []
    dropped: list[int] = []
    for j in range(xtx.shape[0]):
        sjj = xtx[j, j]
        if kept:
            K = np.array(kept)
            s = xtx[K, j]
            resid = sjj - s @ np.linalg.solve(xtx[np.ix_(K, K)], s)
        else:
            resid = sjj
        if sjj <= 0 or resid <= COLLINEAR_TOL * sjj:
            dropped.append(j)
        else:
            kept.append(j)
    return dropped
