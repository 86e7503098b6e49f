"""Run-time checks shared by the TFP functions: option strings and input frames."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from imtfp.errors import EstimationError, MissingColumnError


def require_columns(df: pd.DataFrame, columns: Sequence[str], *, what: str) -> None:
    """Raise ConfigError listing the columns of ``columns`` that ``df`` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MissingColumnError(what, missing, available=list(df.columns))


def require_positive(values: pd.DataFrame, *, where: pd.Series | pd.DataFrame, what: str) -> None:
    """Raise EstimationError naming the first rows whose values are missing or not > 0.

    ``where`` labels the rows (a Series, or a frame whose columns are joined) so that
    the message names the DMU and the period, never a positional index.
    """
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr) | (arr <= 0)
    if not bad.any():
        return
    rows, cols = np.nonzero(bad)
    labels = where.astype(str).agg(", ".join, axis=1) if isinstance(where, pd.DataFrame) else where
    cells = [
        f"{labels.iloc[r]} {values.columns[c]}={float(arr[r, c])!r}"
        for r, c in list(zip(rows, cols))[:5]
    ]
    more = f" (and {bad.sum() - len(cells)} more)" if bad.sum() > len(cells) else ""
    raise EstimationError(
        f"{what}: values must be finite and > 0; offending: {'; '.join(cells)}{more}"
    )
