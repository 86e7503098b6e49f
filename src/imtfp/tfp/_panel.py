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
        entity: str,
        time: str,
        periods: Sequence | None = None,
    ) -> pd.DataFrame:
        """Long frame indexed by (entity, time) from (periods, dmus) arrays; ``periods`` default all."""
        idx = pd.MultiIndex.from_product(
            [self.dmus, self.periods if periods is None else periods], names=[entity, time]
        )
        return pd.DataFrame({k: v.T.ravel() for k, v in arrays.items()}, index=idx)


def panel_arrays(
    panel: pd.DataFrame, columns: Sequence[str], *, entity: str, time: str, what: str
) -> PanelArrays:
    """Check a (DMU × period) panel and pivot ``columns`` to period-by-DMU arrays.

    Raises ConfigError for missing columns, EstimationError for duplicated
    (entity, time) pairs, for a DMU absent in some period (frontier indices need a
    balanced panel) and for values that are missing or not > 0.
    """
    require_columns(panel, [entity, time, *columns], what=what)
    if panel[[entity, time]].isna().any().any():
        raise EstimationError(f"{what}: {entity!r} and {time!r} must not be missing")
    dup = panel.duplicated([entity, time], keep=False)
    if dup.any():
        pairs = panel.loc[dup, [entity, time]].drop_duplicates().head(5).values.tolist()
        raise EstimationError(f"{what}: repeated ({entity}, {time}) pairs {pairs}")
    dmus = sorted(panel[entity].unique().tolist())
    periods = sorted(panel[time].unique().tolist())
    if len(periods) < 2:
        raise ConfigError(f"{what}: needs at least two periods, got {periods}")
    present = pd.crosstab(panel[entity], panel[time]).reindex(
        index=dmus, columns=periods, fill_value=0
    )
    if (present == 0).any().any():
        gaps = [(d, p) for d in dmus for p in periods if present.at[d, p] == 0]
        shown = ", ".join(f"DMU {d!s} in period {p!s}" for d, p in gaps[:5])
        more = f" (and {len(gaps) - 5} more)" if len(gaps) > 5 else ""
        raise EstimationError(f"{what}: unbalanced panel, missing {shown}{more}")
    where = panel[[entity, time]].astype(str)
    where = where[entity].radd("DMU ") + where[time].radd(", period ")
    require_positive(panel[list(columns)], where=where, what=what)
    ordered = panel.set_index([time, entity]).sort_index()
    values = {
        c: ordered[c].unstack(entity).reindex(index=periods, columns=dmus).to_numpy(float)
        for c in columns
    }
    return PanelArrays(dmus=dmus, periods=periods, values=values)


def level_on_rows(index: pd.DataFrame, keys: pd.DataFrame, col: str) -> np.ndarray:
    """Cumulative index levels (``index[col]``, indexed by province and year from each province's
    second year) on the rows ``keys``, 1 in each province's first year."""
    merged = keys.merge(
        index[col].rename("level").reset_index(), on=["province", "year"], how="left"
    )
    first = merged["year"] == merged.groupby("province")["year"].transform("min")
    if (merged["level"].isna() != first).any():
        rows = merged.loc[merged["level"].isna() != first, ["province", "year"]].head(5)
        raise ConfigError(f"TFP index does not cover panel rows {rows.values.tolist()}")
    return merged["level"].fillna(1.0).to_numpy()
