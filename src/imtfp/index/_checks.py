"""Argument checks shared by the index functions (private)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError, InputTypeError


def check_rescale(rescale: tuple[float, float]) -> tuple[float, float]:
    """Return ``(lo, hi)`` as floats; ``lo < hi`` and both finite."""
    try:
        lo, hi = (float(v) for v in rescale)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"rescale={rescale!r} must be a pair of numbers (lo, hi)") from err
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ConfigError(f"rescale={rescale!r} must satisfy lo < hi, both finite")
    return lo, hi


def direction_vector(columns: pd.Index, directions: Mapping[str, int] | None) -> np.ndarray:
    """Directions (+1 benefit, -1 cost) aligned with ``columns``; default +1.

    A direction for a column that is not in ``columns``, or a value other than
    ±1, is a ``ConfigError`` naming it.
    """
    out = np.ones(len(columns))
    if not directions:
        return out
    unknown = [k for k in directions if k not in columns]
    if unknown:
        raise ConfigError(f"directions name indicators not in the data: {unknown}")
    for j, col in enumerate(columns):
        d = directions.get(col, 1)
        if d not in (1, -1):
            raise ConfigError(f"direction of indicator {col!r} is {d!r}; use +1 or -1")
        out[j] = d
    return out


def numeric_matrix(X: pd.DataFrame, *, min_rows: int = 2) -> np.ndarray:
    """``X`` as a float matrix; NaN/inf or too few rows are an ``EstimationError`` naming where."""
    if not isinstance(X, pd.DataFrame):
        raise InputTypeError("X must be a pandas DataFrame (rows observations, columns indicators)")
    if X.shape[1] == 0:
        raise EstimationError("X has no indicator columns")
    if X.columns.has_duplicates:
        raise EstimationError(
            f"X has duplicated indicator names: {list(X.columns[X.columns.duplicated()])}"
        )
    if X.shape[0] < min_rows:
        raise EstimationError(f"X has {X.shape[0]} rows; at least {min_rows} are needed")
    try:
        A = X.to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise EstimationError(f"X must be numeric: {err}") from err
    bad = ~np.isfinite(A)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise EstimationError(
            f"indicator {X.columns[j]!r} is not finite ({A[i, j]}) at row {X.index[i]!r}"
        )
    return A
