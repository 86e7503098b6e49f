"""Equal weights."""

from __future__ import annotations

import numpy as np
import pandas as pd

from imtfp.errors import EstimationError
from imtfp.index._checks import numeric_matrix
from imtfp.index.normalize import constant_mask, warn_constant


def equal_weights(X: pd.DataFrame) -> pd.Series:
    r"""Equal weights over the informative indicators.

    .. math:: w_j = \frac{1}{n^*} \ \text{for non-constant } j, \qquad w_j = 0 \text{ otherwise},

    where :math:`n^*` is the number of non-constant indicators. A constant
    indicator cannot rank observations; like every other method here it gets
    weight 0 and a :class:`~imtfp.index.ConstantIndicatorWarning`.

    Returns
    -------
    Series of weights indexed by the columns of ``X``; non-negative, sum 1.
    """
    A = numeric_matrix(X, min_rows=2)
    const = constant_mask(A)
    warn_constant(X.columns, const, method="equal_weights")
    if const.all():
        raise EstimationError("equal_weights: every indicator is constant; weights undefined")
    w = np.where(const, 0.0, 1.0 / (~const).sum())
    return pd.Series(w, index=X.columns, name="weight")
