"""Shared plumbing of the panel models: option checks, sample preparation, lags."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from imtfp.core.fe import group_codes
from imtfp.errors import ConfigError, EstimationError, MissingColumnError
from imtfp.options import CovType, Effects, check_option  # noqa: F401  (re-exported for the models)

logger = logging.getLogger("imtfp")


def as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def unique(seq: Iterable[str]) -> list[str]:
    out: list[str] = []
    for s in seq:
        if s not in out:
            out.append(s)
    return out


def prepare_sample(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    entity: str | None,
    time: str | None,
    extra: Sequence[str] = (),
    what: str = "model",
) -> pd.DataFrame:
    """Columns needed by a model, rows with a missing value dropped (and counted).

    The result is sorted by entity and time, has a fresh RangeIndex and
    float64 model variables. Missing columns raise :class:`MissingColumnError`;
    duplicate (entity, time) pairs raise :class:`EstimationError`.
    """
    keys = [c for c in (entity, time) if c is not None]
    cols = unique(list(keys) + list(variables) + list(extra))
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise MissingColumnError(what, missing, available=list(data.columns))
    df = data.loc[:, cols].copy()
    for v in unique(variables):
        df[v] = pd.to_numeric(df[v], errors="raise").astype("float64")
    n0 = len(df)
    df = df.dropna(subset=unique(list(variables) + keys))
    dropped = n0 - len(df)
    if dropped:
        logger.info("%s: dropped %d of %d rows with a missing value in %s", what, dropped, n0, cols)
    if len(keys) == 2 and df.duplicated(subset=keys).any():
        dup = df.loc[df.duplicated(subset=keys, keep=False), keys].head(3).to_dict("records")
        raise EstimationError(f"{what}: duplicate ({entity}, {time}) rows, e.g. {dup}")
    if keys:
        df = df.sort_values(keys, kind="mergesort")
    return df.reset_index(drop=True)


def effect_groups(
    df: pd.DataFrame, *, entity: str | None, time: str | None, effects: str
) -> list[np.ndarray]:
    """Integer codes of the absorbed effects, in the order entity, time."""
    groups = []
    if effects in ("twoway", "entity"):
        if entity is None:
            raise ConfigError(f"effects={effects!r} needs an entity column")
        groups.append(group_codes(df[entity].to_numpy()))
    if effects in ("twoway", "time"):
        if time is None:
            raise ConfigError(f"effects={effects!r} needs a time column")
        groups.append(group_codes(df[time].to_numpy()))
    return groups


def lag_within(df: pd.DataFrame, column: str, *, entity: str, time: str, lag: int = 1) -> pd.Series:
    """Value of ``column`` ``lag`` periods earlier for the same entity.

    Periods must be integers; a gap in the years gives a missing value
    rather than the value of an older year.
    """
    if lag < 1:
        raise ConfigError(f"lag must be a positive integer, got {lag}")
    key = df[[entity, time]].copy()
    shifted = pd.DataFrame({entity: df[entity], time: df[time] + lag, "_v": df[column]})
    merged = key.merge(shifted, on=[entity, time], how="left")
    return pd.Series(merged["_v"].to_numpy(), index=df.index, name=f"L{lag}.{column}")


def is_balanced(df: pd.DataFrame, entity: str, time: str) -> bool:
    n_e, n_t = df[entity].nunique(), df[time].nunique()
    return len(df) == n_e * n_t


def fit_arrays(fit) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(terms, estimates, covariance)`` of a fitted panel model as plain arrays.

    Works with a fit whose ``params`` is an array or a Series by term and whose
    covariance is ``vcov`` (the :class:`imtfp.results.Estimates` protocol) or ``cov``.
    """
    terms = list(fit.terms)
    beta = np.asarray(fit.params, dtype=float)
    V = getattr(fit, "vcov", None)
    if V is None or callable(V):
        V = fit.cov
    return terms, beta, np.asarray(V, dtype=float)
