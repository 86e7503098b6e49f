"""Entropy weight method (熵权法)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.index._checks import check_rescale, direction_vector, numeric_matrix
from imtfp.index.normalize import constant_mask, minmax_unit, warn_constant
from imtfp.options import EntropyNormalize, check_option


def entropy_weights(
    X: pd.DataFrame,
    *,
    directions: Mapping[str, int] | None = None,
    normalize: EntropyNormalize = "minmax",
    rescale: tuple[float, float] = (0.0, 1.0),
) -> pd.Series:
    r"""Objective indicator weights from Shannon entropy.

    With ``normalize="minmax"`` each indicator is min–max normalised with its
    direction and rescaled, :math:`z'_{ij} = lo + (hi - lo) z_{ij}` (see
    :func:`imtfp.index.minmax_normalize`); with ``normalize="none"`` the raw
    values are used, :math:`z'_{ij} = x_{ij}`, which must all be positive
    (``directions`` and ``rescale`` are then not used: proportions of raw
    values have no direction). Then, with :math:`m` rows,

    .. math::

        p_{ij} = \frac{z'_{ij}}{\sum_{i=1}^m z'_{ij}}, \qquad
        e_j = -\frac{1}{\ln m} \sum_{i=1}^m p_{ij} \ln p_{ij}
        \quad (0 \cdot \ln 0 = 0), \qquad
        w_j = \frac{1 - e_j}{\sum_k (1 - e_k)}.

    A constant indicator has :math:`e_j = 1` and gets weight exactly 0, with a
    :class:`~imtfp.index.ConstantIndicatorWarning`.

    Parameters
    ----------
    X : DataFrame
        Rows observations (m ≥ 2), columns indicators.
    directions : mapping indicator -> +1 | -1, optional
        Benefit (+1, default) or cost (-1) indicators.
    normalize : {"minmax", "none"}
    rescale : (lo, hi)
        Range of z'; ``lo ≥ 0`` so that proportions are non-negative.

    Returns
    -------
    Series of weights indexed by the columns of ``X``; non-negative, sum 1.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"rd": [1.0, 2.0, 4.0, 8.0], "robots": [3.0, 3.5, 4.0, 4.5]})
    >>> entropy_weights(X).round(3).to_dict()  # the more dispersed indicator weighs more
    {'rd': 0.584, 'robots': 0.416}
    """
    check_option(normalize, EntropyNormalize, "normalize")
    lo, hi = check_rescale(rescale)
    A = numeric_matrix(X, min_rows=2)
    signs = direction_vector(X.columns, directions)
    if normalize == "minmax":
        if lo < 0:
            raise ConfigError(f"rescale={rescale!r}: entropy needs lo >= 0 (proportions)")
        Zp = lo + (hi - lo) * minmax_unit(A, signs)
    else:
        nonpos = (A <= 0).any(axis=0)
        if nonpos.any():
            raise EstimationError(
                f"normalize='none' needs positive values; indicator(s) "
                f"{[str(c) for c in X.columns[nonpos]]} have values <= 0"
            )
        Zp = A
    const = constant_mask(A)
    warn_constant(X.columns, const, method="entropy_weights")
    if const.all():
        raise EstimationError("entropy_weights: every indicator is constant; weights undefined")
    d = 1.0 - _entropy(Zp)
    d[const] = 0.0
    d = np.clip(d, 0.0, None)  # e_j can exceed 1 by rounding only
    return pd.Series(d / d.sum(), index=X.columns, name="weight")


def _entropy(Zp: np.ndarray) -> np.ndarray:
    """Normalised Shannon entropy of each column's proportions, 0·ln 0 = 0."""
    totals = Zp.sum(axis=0)
    P = Zp / np.where(totals > 0, totals, 1.0)
    plogp = np.zeros_like(P)
    pos = P > 0
    plogp[pos] = P[pos] * np.log(P[pos])
    return -plogp.sum(axis=0) / np.log(Zp.shape[0])
