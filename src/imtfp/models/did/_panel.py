"""Staggered-adoption panels as arrays: outcome matrix, covariates, first-treated period per unit.

Every estimator of :mod:`imtfp.models.did` starts from :func:`staggered_panel`: a balanced
unit × period layout (units not observed in every period are dropped and counted), the cohort of
each unit (its first treated period; 0 = never treated) and, where asked, the covariates.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError

logger = logging.getLogger("imtfp")


@dataclass(frozen=True)
class StaggeredPanel:
    """A balanced panel in arrays.

    ``Y`` is (n, T); ``X`` is (n, T, k); ``G`` holds each unit's first treated period (0 = never
    treated within the sample); ``periods`` are sorted; ``cluster`` are integer codes (n,).
    """

    units: np.ndarray
    periods: np.ndarray
    Y: np.ndarray
    X: np.ndarray
    G: np.ndarray
    cluster: np.ndarray
    controls: tuple[str, ...]
    dropped: dict

    @property
    def n(self) -> int:
        return int(self.Y.shape[0])

    @property
    def cohorts(self) -> np.ndarray:
        """Treated cohorts (first treated periods), sorted."""
        return np.unique(self.G[self.G > 0])

    def rel_time(self) -> np.ndarray:
        """(n, T) event time ``t - g`` in period steps; NaN for never-treated units."""
        gi = self.cohort_index()
        rel = np.arange(len(self.periods))[None, :] - gi[:, None]
        return np.where(self.G[:, None] > 0, rel, np.nan)

    def cohort_index(self) -> np.ndarray:
        """Index of each unit's first treated period among ``periods`` (-1 for never treated)."""
        gi = np.searchsorted(self.periods, self.G, side="left")
        return np.where(self.G > 0, gi, -1)

    def long(self) -> pd.DataFrame:
        """Back to a long frame: unit, period, y, cohort, cluster (+ controls)."""
        n, T = self.Y.shape
        out = pd.DataFrame(
            {
                "unit": np.repeat(self.units, T),
                "period": np.tile(self.periods, n),
                "y": self.Y.ravel(),
                "cohort": np.repeat(self.G, T),
                "cluster": np.repeat(self.cluster, T),
            }
        )
        for j, c in enumerate(self.controls):
            out[c] = self.X[:, :, j].ravel()
        return out


def staggered_panel(
    data: pd.DataFrame,
    *,
    y: str,
    entity: str,
    time: str,
    group: str,
    controls: Sequence[str] = (),
    cluster: str | None = None,
    anticipation: int = 0,
    drop_always_treated: bool = True,
) -> StaggeredPanel:
    """Reshape a long panel into :class:`StaggeredPanel`.

    Rows with a missing outcome or control are dropped; then units not observed in every period
    (the panel must be balanced, as in R ``did``'s default); units already treated in the first
    period (``g <= t_1 + anticipation``: no untreated period to compare with) when
    ``drop_always_treated``; units first treated after the last period become never treated.
    Each drop is logged and counted in ``dropped``.
    """
    controls = tuple(controls)
    cols = [entity, time, y, group, *controls] + (
        [cluster] if cluster and cluster != entity else []
    )
    missing = [c for c in dict.fromkeys(cols) if c not in data.columns]
    if missing:
        raise ConfigError(f"did: the data have no column(s) {missing}")
    df = data.loc[:, list(dict.fromkeys(cols))].copy()
    df[group] = pd.to_numeric(df[group], errors="raise").fillna(0).astype(float)
    n0 = len(df)
    df = df.dropna(subset=[y, *controls, entity, time])
    dropped = {"rows_missing": n0 - len(df)}
    if df.duplicated([entity, time]).any():
        dup = df.loc[df.duplicated([entity, time], keep=False), [entity, time]].head(3)
        raise EstimationError(
            f"did: duplicate ({entity}, {time}) rows, e.g. {dup.to_dict('records')}"
        )
    varying = df.groupby(entity)[group].nunique()
    if (varying > 1).any():
        bad = list(varying[varying > 1].index[:5])
        raise EstimationError(
            f"did: {group!r} varies within units {bad}; it must be the first treated period"
        )
    periods = np.sort(df[time].unique())
    counts = df.groupby(entity)[time].nunique()
    keep = counts[counts == len(periods)].index
    dropped["units_unbalanced"] = int(len(counts) - len(keep))
    df = df[df[entity].isin(keep)]
    first = df.groupby(entity)[group].first()
    late = first[first > periods[-1]].index
    dropped["units_treated_after_sample"] = int(len(late))
    df.loc[df[entity].isin(late), group] = 0.0
    if drop_always_treated:
        first = df.groupby(entity)[group].first()
        always = first[(first > 0) & (first <= periods[0] + anticipation)].index
        dropped["units_always_treated"] = int(len(always))
        df = df[~df[entity].isin(always)]
    for what, k in dropped.items():
        if k:
            logger.info("did: dropped %d %s", k, what.replace("_", " "))
    if df.empty:
        raise EstimationError("did: no units left after balancing the panel")
    df = df.sort_values([entity, time], kind="mergesort")
    units = df[entity].drop_duplicates().to_numpy()
    n, T = len(units), len(periods)
    Y = df[y].to_numpy(float).reshape(n, T)
    X = df[list(controls)].to_numpy(float).reshape(n, T, len(controls))
    G = df.groupby(entity, sort=False)[group].first().to_numpy(float)
    if cluster and cluster != entity:
        cl = df.groupby(entity, sort=False)[cluster].nunique()
        if (cl > 1).any():
            raise EstimationError(
                f"did: cluster {cluster!r} varies within a unit; clusters must nest units"
            )
        codes = pd.factorize(df.groupby(entity, sort=False)[cluster].first())[0]
    else:
        codes = np.arange(n)
    return StaggeredPanel(units, periods, Y, X, G, codes.astype(np.intp), controls, dropped)
