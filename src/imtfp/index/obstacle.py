"""Obstacle degree (障碍度) of indicators and of subsystems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError


def obstacle_degree(Z: pd.DataFrame, weights: Mapping[str, float] | pd.Series) -> pd.DataFrame:
    r"""Obstacle degree of each indicator for each observation.

    With normalised indicators :math:`z_{ij} \in [0, 1]` (1 = best) and
    weights :math:`w_j`, the deviation :math:`1 - z_{ij}` weighted by
    :math:`w_j` is each indicator's shortfall; its share is

    .. math::

        O_{ij} = \frac{w_j (1 - z_{ij})}{\sum_k w_k (1 - z_{ik})}.

    Rows sum to 1. A row with no weighted shortfall at all (every weighted
    indicator at its best) has no obstacle: its degrees are all 0.

    Parameters
    ----------
    Z : DataFrame
        Rows observations, columns indicators, values in [0, 1].
    weights : mapping indicator -> weight (non-negative), covering every column.

    Returns
    -------
    DataFrame of :math:`O_{ij}` with the index and columns of ``Z``.
    """
    missing = [c for c in Z.columns if c not in weights]
    if missing:
        raise ConfigError(f"weights missing for indicators {missing}")
    A = Z.to_numpy(dtype=float)
    if np.isnan(A).any() or (A < 0).any() or (A > 1).any():
        bad = [
            str(c)
            for c, col in zip(Z.columns, A.T)
            if np.isnan(col).any() or (col < 0).any() or (col > 1).any()
        ]
        raise EstimationError(
            f"normalised indicators {bad} must lie in [0, 1] with no missing values"
        )
    w = np.array([float(weights[c]) for c in Z.columns])
    if not np.isfinite(w).all() or (w < 0).any():
        raise ConfigError("weights must be finite and non-negative")
    S = w * (1.0 - A)
    total = S.sum(axis=1, keepdims=True)
    O = np.divide(S, total, out=np.zeros_like(S), where=total > 0)
    return pd.DataFrame(O, index=Z.index, columns=Z.columns)


def subsystem_obstacle(O: pd.DataFrame, groups: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    r"""Obstacle degree of each subsystem: the sum of its indicators' degrees.

    .. math:: O_{ik} = \sum_{j \in k} O_{ij}

    ``groups`` maps subsystem name to its indicators (disjoint, all columns of
    ``O``); the result has one column per subsystem, in the order of ``groups``.
    """
    seen: set[str] = set()
    for name, cols in groups.items():
        missing = [c for c in cols if c not in O.columns]
        if missing:
            raise ConfigError(f"subsystem {name!r} names indicators not in O: {missing}")
        overlap = seen.intersection(cols)
        if overlap:
            raise ConfigError(f"indicators {sorted(overlap)} belong to more than one subsystem")
        seen.update(cols)
    return pd.DataFrame(
        {name: O[list(cols)].sum(axis=1) for name, cols in groups.items()}, index=O.index
    )
