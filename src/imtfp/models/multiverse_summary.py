"""Summaries of the multiverse by outcome, on standardised β (the summary side of the multiverse).

The engine (:mod:`imtfp.models.multiverse`) estimates every specification; pooling outcomes in
one share of significant estimates mixes units and questions (a TFP level, a growth index, a
composite). Here each outcome gets its own curve and summary:

* :func:`within_sd` and :func:`standardise` — β per within-province SD of x and y,
  :math:`\\beta^{std} = \\beta\\,\\mathrm{sd}_w(x)/\\mathrm{sd}_w(y)`, so curves of different outcomes
  and regressors are read in one unit;
* :func:`time_effects` — whether a specification absorbs year effects; without them a common
  trend in x and y passes for an effect, so those specifications stay out of the headline share
  by default (``multiverse.summary.require_time_effects``);
* :func:`outcome_summaries` — one row per outcome, with the shares over the headline set and over
  the specifications left out side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError
from imtfp.models.multiverse import CHOICE_DEFAULTS, DERIVED_COLUMNS, find_spec

#: Whether a level of the ``fe`` choice absorbs time effects (the headline needs them by default).
TIME_EFFECTS = {"twoway": True, "time": True, "entity": False, "none": False}
STD_COLUMNS = DERIVED_COLUMNS[:3]


def within_sd(data: pd.DataFrame, columns: Sequence[str], *, entity: str = "province") -> dict:
    """Within-entity standard deviation of each column (Stata ``xtsum``'s "within"):
    the SD (n − 1) of :math:`x_{it} - \\bar x_i + \\bar x` over the rows where x is observed.
    Columns absent from ``data`` map to NaN."""
    out = {}
    for col in dict.fromkeys(columns):
        if col not in data:
            out[col] = np.nan
            continue
        v = pd.to_numeric(data[col], errors="coerce")
        ok = v.notna() & data[entity].notna()
        v, ent = v[ok], data.loc[ok, entity]
        dev = v - v.groupby(ent).transform("mean") + v.mean()
        out[col] = float(dev.std(ddof=1)) if len(dev) > 1 else np.nan
    return out


def time_effects(results: pd.DataFrame) -> np.ndarray:
    """Whether each specification absorbs time effects (its ``fe`` choice; two-way by default)."""
    fe = results["fe"] if "fe" in results else pd.Series(CHOICE_DEFAULTS["fe"], index=results.index)
    return fe.astype(str).map(TIME_EFFECTS).fillna(True).astype(bool).to_numpy()


def standardise(results: pd.DataFrame, scales: Mapping[str, float]) -> pd.DataFrame:
    """``results`` with the estimate and its interval per within-SD of x and y:
    :math:`\\beta^{std} = \\beta\\,\\mathrm{sd}_w(x)/\\mathrm{sd}_w(y)` (:func:`within_sd`; one scale per
    variable over the whole panel, so the choices still move β but not the unit it is read in),
    plus ``time_effects``. Specifications whose x or y has no scale get NaN."""
    out = results.copy()
    sx = out["x"].astype(str).map(scales) if "x" in out else np.nan
    sy = out["y"].astype(str).map(scales) if "y" in out else np.nan
    factor = (pd.to_numeric(sx, errors="coerce") / pd.to_numeric(sy, errors="coerce")).to_numpy()
    for raw, std in zip(("estimate", "ci_low", "ci_high"), STD_COLUMNS, strict=True):
        out[std] = out[raw].to_numpy(dtype=float) * factor
    out["time_effects"] = time_effects(out)
    return out


def outcome_summaries(
    results: pd.DataFrame,
    *,
    baseline: Mapping[str, Any] | None = None,
    require_time_effects: bool = True,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per outcome ``y`` of a standardised specification curve (:func:`standardise`).

    The *headline* specifications of an outcome are those with time effects (all when
    ``require_time_effects`` is false). Columns: ``y``, ``n_specs``, ``n_headline``,
    ``n_no_time_effects``; over the headline set ``share_significant`` (p < alpha),
    ``share_significant_positive`` / ``_negative``, ``share_same_sign`` (sign of the outcome's
    baseline specification — ``baseline`` with this y — else of the median), the quartiles,
    ``median_std``, ``min_std``, ``max_std`` of :math:`\\beta^{std}` and ``median`` of β; and
    ``share_significant_all`` / ``share_significant_no_time_effects`` over every specification and
    over those left out, so the effect of the rule is visible. ``require_time_effects`` is stored.
    """
    rows = []
    te = time_effects(results)
    outcomes = list(dict.fromkeys(results["y"].astype(str))) if "y" in results else [""]
    for y in outcomes:
        mine = (
            (results["y"].astype(str) == y).to_numpy()
            if "y" in results
            else np.ones(len(results), bool)
        )
        head = mine & (te | (not require_time_effects))
        sub, rest = results[head], results[mine & ~te]
        p = sub["p"].to_numpy(dtype=float)
        est = sub["estimate"].to_numpy(dtype=float)
        std = sub["estimate_std"].to_numpy(dtype=float) if "estimate_std" in sub else est * np.nan
        base = _outcome_baseline(results[mine], baseline)
        sign = np.sign(base if np.isfinite(base) else (np.median(est) if est.size else np.nan))
        sig = p < alpha
        q = lambda a, k: float(np.nanquantile(a, k)) if np.isfinite(a).any() else np.nan  # noqa: E731
        rows.append({
            "y": y, "n_specs": int(mine.sum()), "n_headline": int(head.sum()),
            "n_no_time_effects": int((mine & ~te).sum()), "require_time_effects": bool(require_time_effects),
            "baseline_estimate": base,
            "share_significant": float(sig.mean()) if sig.size else np.nan,
            "share_significant_positive": float((sig & (est > 0)).mean()) if sig.size else np.nan,
            "share_significant_negative": float((sig & (est < 0)).mean()) if sig.size else np.nan,
            "share_same_sign": float((np.sign(est) == sign).mean()) if est.size else np.nan,
            "median": q(est, 0.5), "median_std": q(std, 0.5), "q25_std": q(std, 0.25),
            "q75_std": q(std, 0.75), "min_std": float(np.nanmin(std)) if np.isfinite(std).any() else np.nan,
            "max_std": float(np.nanmax(std)) if np.isfinite(std).any() else np.nan,
            "share_significant_all": float((results.loc[mine, "p"].to_numpy(dtype=float) < alpha).mean()),
            "share_significant_no_time_effects": float((rest["p"].to_numpy(dtype=float) < alpha).mean())
            if len(rest) else np.nan,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _outcome_baseline(results: pd.DataFrame, baseline: Mapping[str, Any] | None) -> float:
    """Estimate of the baseline specification with this outcome (NaN if the grid has none)."""
    if not baseline or "y" not in results:
        return np.nan
    values = {**baseline, "y": str(results["y"].iloc[0])}
    try:
        hit = find_spec(results, {k: v for k, v in values.items() if k in results})
    except ConfigError:
        return np.nan
    return float(results.loc[results["spec_id"] == hit, "estimate"].iloc[0])
