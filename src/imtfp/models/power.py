"""Power of a fitted coefficient test, and how much of a variable's variance fixed effects leave.

* :func:`minimum_detectable_effect` — the smallest true effect a two-sided test of size α detects
  with the given power, from the fit's standard error and reference distribution (Bloom 1995,
  "Minimum detectable effects", Evaluation Review 19(5): 547–556; for clustered designs with
  t(G − 1) as in Duflo, Glennerster & Kremer 2007, Handbook of Development Economics 4, §3):

  .. math:: \\text{MDE} = (t_{1-\\alpha/2,\\,df} + t_{\\text{power},\\,df})\\;\\widehat{SE}(\\hat\\beta)

  (normal quantiles when the fit has no degrees of freedom: 2.80 · SE at α = 5 %, power 80 %);
* :func:`within_share` — :math:`\\operatorname{Var}(\\ddot x) / \\operatorname{Var}(x)`, where
  :math:`\\ddot x` has the absorbed effects partialled out (:func:`imtfp.core.fe.demean`): the
  variation a two-way fixed-effects estimate uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from imtfp.core.fe import demean, group_codes
from imtfp.errors import ConfigError, MissingColumnError
from imtfp.results import Estimates


def mde_factor(df: int | None, *, size: float = 0.05, power: float = 0.80) -> float:
    """:math:`t_{1-\\alpha/2,df} + t_{power,df}` (normal quantiles when ``df`` is None)."""
    if not 0 < size < 1 or not 0 < power < 1:
        raise ConfigError(f"size={size} and power={power} must lie in (0, 1)")
    dist = stats.norm if df is None else stats.t(df)
    return float(dist.ppf(1 - size / 2) + dist.ppf(power))


def minimum_detectable_effect(
    fit: Estimates, term: str, *, size: float = 0.05, power: float = 0.80
) -> float:
    """MDE of ``term`` of a fitted model: (t_{1−α/2} + t_power) × its standard error.

    The standard error and degrees of freedom are the fit's own (for a province-clustered fit,
    the clustered SE and t(G − 1)), so the MDE is that of the test the table reports.
    """
    if term not in list(fit.terms):
        raise ConfigError(f"minimum_detectable_effect: {term!r} is not a term of the fit")
    return mde_factor(fit.df_inf, size=size, power=power) * float(fit.bse[term])


def within_share(
    frame: pd.DataFrame, column: str, *, entity: str | None = "province", time: str | None = "year"
) -> float:
    """Share of ``column``'s variance left after the entity and time effects (NaN if it has none).

    Rows with a missing value are left out; ``entity``/``time`` None absorbs that factor not.
    """
    keys = [k for k in (entity, time) if k is not None]
    if missing := [c for c in [*keys, column] if c not in frame.columns]:
        raise MissingColumnError("within_share", missing, available=list(frame.columns))
    sub = frame[[*keys, column]].dropna()
    x = pd.to_numeric(sub[column], errors="coerce").to_numpy(float)
    total = float(np.var(x))
    if len(x) < 2 or total <= 0:
        return float("nan")
    groups: Sequence[np.ndarray] = [group_codes(sub[k].to_numpy()) for k in keys]
    return float(np.var(demean(x, list(groups))) / total)
