"""Min–max normalisation with indicator directions, and constant-indicator handling."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.index._checks import check_rescale, direction_vector, numeric_matrix

# A column whose range is below this fraction of its magnitude carries no
# information; treating float noise as variation would give it a large weight.
CONSTANT_RTOL = 1e-12


class ConstantIndicatorWarning(UserWarning):
    """An indicator does not vary over the rows it is weighted on; it gets weight 0."""


def constant_mask(A: np.ndarray) -> np.ndarray:
    """Boolean mask of columns of ``A`` whose range is (relatively) zero."""
    span = A.max(axis=0) - A.min(axis=0)
    scale = np.maximum(np.abs(A).max(axis=0), 1.0)
    return span <= CONSTANT_RTOL * scale


def warn_constant(columns: pd.Index, mask: np.ndarray, *, method: str) -> None:
    """Warn once, naming every constant indicator, that it gets weight 0."""
    if mask.any():
        names = [str(c) for c in columns[mask]]
        warnings.warn(
            f"{method}: indicator(s) {names} are constant over the rows weighted; weight set to 0",
            ConstantIndicatorWarning,
            stacklevel=3,
        )


def minmax_unit(A: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Direction-aware min–max to [0, 1]; constant columns map to 0 (they get weight 0)."""
    lo, hi = A.min(axis=0), A.max(axis=0)
    span = hi - lo
    const = constant_mask(A)
    safe = np.where(const, 1.0, span)
    Z = np.where(signs > 0, (A - lo) / safe, (hi - A) / safe)
    Z[:, const] = 0.0
    # Clip the last ulp so that z stays exactly inside [0, 1].
    return np.clip(Z, 0.0, 1.0)


def minmax_normalize(
    X: pd.DataFrame,
    *,
    directions: Mapping[str, int] | None = None,
    rescale: tuple[float, float] = (0.0, 1.0),
) -> pd.DataFrame:
    r"""Direction-aware min–max normalisation, rescaled to ``[lo, hi]``.

    .. math::

        z_{ij} = \frac{x_{ij} - \min_i x_{ij}}{\max_i x_{ij} - \min_i x_{ij}}
        \ (\text{benefit}, +1), \qquad
        z_{ij} = \frac{\max_i x_{ij} - x_{ij}}{\max_i x_{ij} - \min_i x_{ij}}
        \ (\text{cost}, -1),

    then :math:`z'_{ij} = lo + (hi - lo)\, z_{ij}`. Common choices of
    ``rescale``: ``(0, 1)``; ``(0.0001, 1.0001)``; ``(0.002, 0.998)``.

    A constant column (range ≤ 1e-12 of its magnitude) has no order to
    normalise: its z is set to 0 (z' = lo) and every weighting method gives it
    weight 0, so the choice never affects a score.

    Parameters
    ----------
    X : DataFrame
        Rows observations, columns indicators; finite numbers.
    directions : mapping indicator -> +1 | -1, optional
        Missing indicators are benefit (+1).
    rescale : (lo, hi)
        Target interval, ``lo < hi``.

    Returns
    -------
    DataFrame of z' with the index and columns of ``X``.
    """
    lo, hi = check_rescale(rescale)
    A = numeric_matrix(X, min_rows=1)
    signs = direction_vector(X.columns, directions)
    Z = lo + (hi - lo) * minmax_unit(A, signs)
    return pd.DataFrame(Z, index=X.index, columns=X.columns)
