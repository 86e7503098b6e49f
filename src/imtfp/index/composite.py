"""Composite index of a panel: weights by one method, weighted sum of normalised indicators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import get_args

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.index._checks import check_rescale
from imtfp.index.critic import critic_weights
from imtfp.index.entropy import entropy_weights
from imtfp.index.equal import equal_weights
from imtfp.index.normalize import minmax_normalize
from imtfp.index.pca import pca_weights
from imtfp.index.topsis import topsis_closeness
from imtfp.options import IndexMethod as Method
from imtfp.options import IndexScheme as Scheme
from imtfp.options import check_option

METHODS: tuple[str, ...] = get_args(Method)
SCHEMES: tuple[str, ...] = get_args(Scheme)


def indicator_weights(
    X: pd.DataFrame,
    directions: Mapping[str, int],
    *,
    method: Method,
    rescale: tuple[float, float] = (0.0, 1.0),
) -> pd.Series:
    """Weights of the columns of ``X`` by ``method`` (``"topsis"`` uses entropy weights)."""
    check_option(method, METHODS, "method")
    if method in ("entropy", "topsis"):
        return entropy_weights(X, directions=directions, rescale=rescale)
    if method == "critic":
        return critic_weights(X, directions=directions)
    if method == "pca":
        return pca_weights(X, directions=directions, variant="first")
    if method == "pca_variance":
        return pca_weights(X, directions=directions, variant="variance")
    return equal_weights(X)


def score_block(
    X: pd.DataFrame,
    directions: Mapping[str, int],
    *,
    method: Method,
    rescale: tuple[float, float] = (0.0, 1.0),
) -> tuple[pd.Series, pd.Series]:
    r"""Scores and weights of one block of rows (the whole panel, or one year).

    Weighted-sum methods: :math:`s_i = \sum_j w_j z'_{ij}` with z' the
    rescaled min–max values, so :math:`s_i \in [lo, hi]`. ``"topsis"``:
    entropy weights, closeness :math:`C_i` on min–max values, reported as
    :math:`s_i = lo + (hi - lo)\,C_i` so that every method shares the range.
    """
    lo, hi = check_rescale(rescale)
    w = indicator_weights(X, directions, method=method, rescale=rescale)
    if method == "topsis":
        c = topsis_closeness(X, weights=w, directions=directions, normalize="minmax")
        s = lo + (hi - lo) * c.to_numpy()
    else:
        Zp = minmax_normalize(X, directions=directions, rescale=rescale)
        s = Zp.to_numpy() @ w.to_numpy()
    # Σ w = 1 up to rounding; keep scores inside the advertised range exactly.
    return pd.Series(np.clip(s, lo, hi), index=X.index, name="score"), w


def composite_index(
    panel: pd.DataFrame,
    indicators: Mapping[str, int],
    *,
    method: Method = "entropy",
    scheme: Scheme = "global",
    rescale: tuple[float, float] = (0.0, 1.0),
    time: str = "year",
) -> tuple[pd.Series, pd.DataFrame]:
    r"""Composite index of ``indicators`` over a panel.

    Each indicator is min–max normalised with its direction and rescaled to
    ``[lo, hi]``; weights come from ``method`` (entropy, CRITIC, PCA first
    component, PCA variance-weighted, equal, or entropy-weighted TOPSIS); the
    score is :math:`s_i = \sum_j w_j z'_{ij}` (TOPSIS: :math:`lo + (hi-lo)C_i`).

    ``scheme="global"`` pools all rows (province-years): min, max, m and the
    weights are taken over the whole panel, so scores are comparable across
    years. ``scheme="per_year"`` repeats everything within each value of
    ``time``; scores are then comparable only within a year.

    Parameters
    ----------
    panel : DataFrame
        One row per observation; the indicator columns are finite numbers.
    indicators : mapping indicator -> +1 (benefit) | -1 (cost)
    method, scheme : see ``Method`` and ``Scheme``
    rescale : (lo, hi)
    time : str
        Column that defines years for ``scheme="per_year"``.

    Returns
    -------
    scores : Series indexed like ``panel``, in [lo, hi]
    weights : DataFrame with columns ``indicator, weight`` (global) or
        ``<time>, indicator, weight`` (per_year)
    """
    check_option(method, METHODS, "method")
    check_option(scheme, SCHEMES, "scheme")
    check_rescale(rescale)
    if not indicators:
        raise ConfigError("indicators is empty")
    missing = [c for c in indicators if c not in panel.columns]
    if missing:
        raise MissingColumnError("composite index", missing, available=list(panel.columns))
    cols = list(indicators)
    if scheme == "global":
        s, w = score_block(panel[cols], indicators, method=method, rescale=rescale)
        return s, pd.DataFrame({"indicator": cols, "weight": w.to_numpy()})
    if time not in panel.columns:
        raise MissingColumnError(
            "composite index (scheme='per_year')", [time], available=list(panel.columns)
        )
    if panel[time].isna().any():
        raise EstimationError(f"time column {time!r} has missing values")
    out = np.empty(len(panel))
    tables = []
    positions = panel.groupby(time, sort=True).indices  # by position: robust to a non-unique index
    for t in sorted(positions):
        pos = positions[t]
        s, w = score_block(panel[cols].iloc[pos], indicators, method=method, rescale=rescale)
        out[pos] = s.to_numpy()
        tables.append(pd.DataFrame({time: t, "indicator": cols, "weight": w.to_numpy()}))
    return pd.Series(out, index=panel.index, name="score"), pd.concat(tables, ignore_index=True)
