"""CRITIC weights (Criteria Importance Through Intercriteria Correlation; Diakoulaki 1995)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import EstimationError
from imtfp.index._checks import direction_vector, numeric_matrix
from imtfp.index.normalize import constant_mask, minmax_unit, warn_constant


def critic_weights(
    X: pd.DataFrame,
    *,
    directions: Mapping[str, int] | None = None,
) -> pd.Series:
    r"""CRITIC weights: contrast (standard deviation) times conflict (1 − correlation).

    On the direction-aware min–max normalised data :math:`z_{ij} \in [0, 1]`,

    .. math::

        c_j = \sigma_j \sum_{k=1}^{n} (1 - r_{jk}), \qquad
        w_j = \frac{c_j}{\sum_k c_k},

    where :math:`\sigma_j` is the standard deviation of :math:`z_{\cdot j}`
    and :math:`r_{jk}` the Pearson correlation of indicators j and k (the
    divisor of σ and any rescaling of z cancel in :math:`w`). A cost indicator
    enters reversed, so its correlations change sign.

    A constant indicator gets weight 0 (with a
    :class:`~imtfp.index.ConstantIndicatorWarning`) and is left out of the
    correlations. A single informative indicator gets weight 1. If every
    :math:`c_j` is 0 otherwise (all informative indicators perfectly
    correlated) the conflict term carries no information and the weights fall
    back to :math:`\sigma_j / \sum_k \sigma_k`, with a warning.

    Returns
    -------
    Series of weights indexed by the columns of ``X``; non-negative, sum 1.
    """
    A = numeric_matrix(X, min_rows=2)
    Z = minmax_unit(A, direction_vector(X.columns, directions))
    const = constant_mask(A)
    warn_constant(X.columns, const, method="critic_weights")
    if const.all():
        raise EstimationError("critic_weights: every indicator is constant; weights undefined")
    keep = ~const
    Zk = Z[:, keep]
    sigma = Zk.std(axis=0, ddof=1)
    if Zk.shape[1] == 1:
        c = np.ones(1)
    else:
        R = np.corrcoef(Zk, rowvar=False)
        c = sigma * (1.0 - R).sum(axis=0)
    if c.sum() <= 1e-15 * max(sigma.sum(), 1.0):
        warnings.warn(
            "critic_weights: no conflict between the informative indicators; "
            "weights proportional to their standard deviations",
            UserWarning,
            stacklevel=2,
        )
        c = sigma
    w = np.zeros(A.shape[1])
    w[keep] = np.clip(c, 0.0, None) / np.clip(c, 0.0, None).sum()
    return pd.Series(w, index=X.columns, name="weight")
