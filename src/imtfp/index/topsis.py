"""TOPSIS relative closeness (Hwang & Yoon 1981)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError
from imtfp.index._checks import direction_vector, numeric_matrix
from imtfp.index.normalize import minmax_unit
from imtfp.options import TopsisNormalize, check_option


def topsis_closeness(
    X: pd.DataFrame,
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
    directions: Mapping[str, int] | None = None,
    normalize: TopsisNormalize = "vector",
) -> pd.Series:
    r"""Relative closeness of each row to the ideal solution.

    Normalisation: ``"vector"`` (Hwang & Yoon) :math:`r_{ij} = x_{ij} /
    \sqrt{\sum_i x_{ij}^2}`; ``"minmax"`` :math:`r_{ij} = z_{ij}`, the
    direction-aware min–max value in [0, 1]. Then with weights
    :math:`w_j \ge 0` (default equal; only their ratios matter)

    .. math::

        v_{ij} = w_j r_{ij}, \quad
        v_j^{+} = \max_i v_{ij}\ (\text{benefit}),\ \min_i v_{ij}\ (\text{cost}), \quad
        v_j^{-} = \min_i v_{ij}\ (\text{benefit}),\ \max_i v_{ij}\ (\text{cost}),

    .. math::

        d_i^{\pm} = \Big[\sum_j (v_{ij} - v_j^{\pm})^2\Big]^{1/2}, \qquad
        C_i = \frac{d_i^-}{d_i^+ + d_i^-} \in [0, 1].

    (With ``"minmax"`` the cost reversal is already in z, so every column is
    treated as benefit afterwards.) A row with :math:`d^+ + d^- = 0` can only
    occur when no weighted column varies; then every row gets 0.5.

    Returns
    -------
    Series of closeness values indexed like ``X``, named "closeness".
    """
    check_option(normalize, TopsisNormalize, "normalize")
    A = numeric_matrix(X, min_rows=1)
    signs = direction_vector(X.columns, directions)
    w = _weight_vector(X.columns, weights)
    if normalize == "vector":
        norms = np.sqrt((A**2).sum(axis=0))
        R = A / np.where(norms > 0, norms, 1.0)
    else:
        R, signs = minmax_unit(A, signs), np.ones_like(signs)
    V = R * w
    vmax, vmin = V.max(axis=0), V.min(axis=0)
    best = np.where(signs > 0, vmax, vmin)
    worst = np.where(signs > 0, vmin, vmax)
    d_plus = np.sqrt(((V - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((V - worst) ** 2).sum(axis=1))
    total = d_plus + d_minus
    closeness = np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5)
    return pd.Series(closeness, index=X.index, name="closeness")


def _weight_vector(
    columns: pd.Index, weights: Mapping[str, float] | pd.Series | None
) -> np.ndarray:
    if weights is None:
        return np.full(len(columns), 1.0 / len(columns))
    names = list(weights.index) if isinstance(weights, pd.Series) else list(weights)
    missing = [c for c in columns if c not in names]
    extra = [k for k in names if k not in columns]
    if missing or extra:
        raise ConfigError(
            f"weights do not match the indicators: missing {missing}, unknown {extra}"
        )
    w = np.array([float(weights[c]) for c in columns])
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ConfigError(
            f"weights must be finite, non-negative and not all zero: {dict(zip(columns, w))}"
        )
    return w / w.sum()
