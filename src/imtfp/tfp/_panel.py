"""Balanced-panel arrays for the frontier methods, with errors that name DMU and period."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.tfp._checks import require_columns, require_positive


@dataclass(frozen=True)
class PanelArrays:
    """``values[col]`` has shape (periods, dmus); rows follow ``periods``, columns ``dmus``."""

    dmus: list
    periods: list
    values: dict[str, np.ndarray]

    def stack(self, columns: Sequence[str], period: int) -> np.ndarray:
        """(dmus, len(columns)) matrix of one period."""
        return np.column_stack([self.values[c][period] for c in columns])

    def frame(
        self,
        arrays: Mapping[str, np.ndarray],
        *,
        id: str,
        time: str,
        periods: Sequence | None = None,
    ) -> pd.DataFrame:
        """Long frame indexed by (id, time) from (periods, dmus) arrays; ``periods`` default all."""
        idx = pd.MultiIndex.from_product(
            [self.dmus, self.periods if periods is None else periods], names=[id, time]
        )
        return pd.DataFrame({k: v.T.ravel() for k, v in arrays.items()}, index=idx)


def panel_arrays(
    panel: pd.DataFrame, columns: Sequence[str], *, id: str, time: str, what: str
) -> PanelArrays:
    """Check a (DMU × period) panel and pivot ``columns`` to period-by-DMU arrays.

    Raises ConfigError for missing columns, EstimationError for duplicated
    (id, time) pairs, for a DMU absent in some period (frontier indices need a
    balanced panel) and for values that are missing or not > 0.
    """
    require_columns(panel, [id, time, *columns], what=what)
    if panel[[id, time]].isna().any().any():
        raise EstimationError(f"{what}: {id!r} and {time!r} must not be missing")
    dup = panel.duplicated([id, time], keep=False)
    if dup.any():
        pairs = panel.loc[dup, [id, time]].drop_duplicates().head(5).values.tolist()
        raise EstimationError(f"{what}: repeated ({id}, {time}) pairs {pairs}")
    dmus = sorted(panel[id].unique().tolist())
    periods = sorted(panel[time].unique().tolist())
    if len(periods) < 2:
        raise ConfigError(f"{what}: needs at least two periods, got {periods}")
    present = pd.crosstab(panel[id], panel[time]).reindex(index=dmus, columns=periods, fill_value=0)
    if (present == 0).any().any():
        gaps = [(d, p) for d in dmus for p in periods if present.at[d, p] == 0]
        shown = ", ".join(f"DMU {d!s} in period {p!s}" for d, p in gaps[:5])
        more = f" (and {len(gaps) - 5} more)" if len(gaps) > 5 else ""
        raise EstimationError(f"{what}: unbalanced panel, missing {shown}{more}")
    where = panel[[id, time]].astype(str)
    where = where[id].radd("DMU ") + where[time].radd(", period ")
    require_positive(panel[list(columns)], where=where, what=what)
    ordered = panel.set_index([time, id]).sort_index()
    values = {
        c: ordered[c].unstack(id).reindex(index=periods, columns=dmus).to_numpy(float)
        for c in columns
    }
    return PanelArrays(dmus=dmus, periods=periods, values=values)
