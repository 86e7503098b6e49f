"""Inference facts every model column carries into its table: clusters, periods, wild p.

A table must say how many clusters each column's standard errors rest on, and warn when they are
too few for the cluster-robust t test (fewer than about 10: Cameron, Gelbach and Miller 2008;
MacKinnon and Webb 2017). :func:`annotate_inference` adds three columns to a stage's tidy frame,
computed from the estimation sample of each column:

* ``n_clusters`` — distinct values of the cluster variable (``models.cluster``, default the
  entity) among the complete cases of the column's model;
* ``n_periods`` — distinct time periods (Driscoll–Kraay needs many: the table flags T < 20);
* ``wild_p`` — on the row of the core regressor: the restricted wild cluster bootstrap (WCR)
  p-value of :math:`H_0: \\beta_x = 0` (:func:`imtfp.core.wild.wild_cluster_bootstrap`, Webb
  weights, ``models.inference.wild_bootstrap`` draws), for the same model (outcome, controls,
  absorbed effects) as the column.

The sample of a column follows the stage's column names: ``region=<value>`` keeps the rows of
that region (``heterogeneity.region_column``, after ``heterogeneity.merge``), ``period=<name>`` the years of
``heterogeneity.periods[name]``; every other column uses the whole panel.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.core.fe import group_codes
from imtfp.core.vcov import InferenceLimits, limits_from_spec
from imtfp.core.wild import wild_cluster_bootstrap
from imtfp.errors import EstimationError
from imtfp.models._common import as_list, logger
from imtfp.models.heterogeneity import merge_groups
from imtfp.models.registry import MODELS


def column_sample(panel: pd.DataFrame, column: str, spec: Mapping) -> pd.DataFrame:
    """Rows of ``panel`` a stage column was estimated on (see the module docstring)."""
    key, sep, value = str(column).partition("=")
    het = spec.get("heterogeneity")  # split-sample columns exist only when it is configured
    if not sep or het is None:
        return panel
    if key == "period" and value in het["periods"]:
        start, end = het["periods"][value]
        return panel[(panel[spec["time"]] >= start) & (panel[spec["time"]] <= end)]
    region_col = het["region_column"]
    if key == region_col and region_col in panel:
        merged, _ = merge_groups(panel[region_col], het["merge"])
        return panel[merged.astype(str) == value]
    return panel


def wild_settings(spec: Mapping) -> tuple[int, str]:
    """(draws, weights) of ``models.inference.wild_bootstrap``."""
    wild = spec["inference"]["wild_bootstrap"]
    return int(wild["bootstrap"]), str(wild["weights"])


#: Models whose columns are fixed-effects OLS fits that :func:`annotate_inference` can rebuild
#: (an IV, threshold or mediation column is not: it gets clusters and periods, no wild p);
#: the registry's ``wild`` flag.
WILD_STAGES = tuple(name for name, m in MODELS.items() if m.wild)


def annotate_inference(
    tidy: pd.DataFrame, panel: pd.DataFrame, spec: Mapping, *, seed: int, wild: bool = True
) -> pd.DataFrame:
    """``tidy`` with ``n_clusters``, ``n_periods`` and (core regressor rows) ``wild_p`` added.

    Parameters
    ----------
    tidy : a stage's tidy frame (:mod:`imtfp.tidy`), one or more model columns
    panel : the analysis frame the stage was estimated on
    spec : the ``models:`` config section with the schema's defaults
        (:func:`imtfp.models.registry.model_spec`: ``y``, ``x``, ``entity``, ``time``,
        ``cluster``, ``inference.wild_bootstrap``, ``heterogeneity``, the inference limits)
    seed : seed of every wild bootstrap (the k-th column uses ``seed + k``: reruns are identical)
    wild : compute ``wild_p`` (only for stages of :data:`WILD_STAGES`: FE OLS columns)

    Columns whose model cannot be rebuilt (no core-regressor row, unknown outcome, a coefficient
    that is neither the regressor nor a listed control — an interaction, say — or fewer than two
    clusters) keep ``wild_p`` missing; nothing else changes.
    """
    out = tidy.copy()
    for name in ("n_clusters", "n_periods", "wild_p"):
        out[name] = pd.Series(np.nan, index=out.index, dtype="float64")
    if out.empty:
        return out
    x = as_list(spec["x"])[0]
    entity, time = spec["entity"], spec["time"]
    cluster = spec["cluster"] or entity
    draws, weights = wild_settings(spec)
    limits = limits_from_spec(spec)
    for k, column in enumerate(dict.fromkeys(out["column"].astype(str))):
        rows = out["column"].astype(str) == column
        sample = column_sample(panel, column, spec)
        model = _column_model(out[rows], x)
        used = _complete(sample, model, cluster, time)
        if cluster in used:
            out.loc[rows, "n_clusters"] = float(used[cluster].nunique())
        if time in used:
            out.loc[rows, "n_periods"] = float(used[time].nunique())
        if not wild or model is None or draws < 99:
            continue
        p = _wild_p(
            used,
            model,
            cluster=cluster,
            entity=entity,
            time=time,
            draws=draws,
            weights=weights,
            seed=seed + k,
            limits=limits,
        )
        out.loc[rows & (out["term"].astype(str) == x), "wild_p"] = p
    return out


def _column_model(rows: pd.DataFrame, x: str) -> dict | None:
    """Outcome, regressors and absorbed effects of the column's core-regressor row, if it has one."""
    core = rows[rows["term"].astype(str) == x]
    if core.empty or pd.isna(core["dep_var"].iloc[0]):
        return None
    r = core.iloc[0]
    controls = [c.strip() for c in str(r["controls"] if pd.notna(r["controls"]) else "").split(",")]
    regs = [x] + [c for c in controls if c and c != x]
    coefs = rows.loc[rows["se"].notna(), "term"].astype(str)
    if not set(coefs) <= set(regs):
        return None  # an interaction or another term the column's controls do not list
    return {
        "y": str(r["dep_var"]),
        "regs": regs,
        "entity_fe": bool(r["entity_fe"]) if pd.notna(r["entity_fe"]) else True,
        "time_fe": bool(r["time_fe"]) if pd.notna(r["time_fe"]) else True,
    }


def _complete(sample: pd.DataFrame, model: dict | None, cluster: str, time: str) -> pd.DataFrame:
    """Complete cases of the model's variables (the whole sample when the model is unknown)."""
    if model is None:
        return sample
    cols = [c for c in [model["y"], *model["regs"], cluster, time] if c in sample]
    if model["y"] not in sample or any(r not in sample for r in model["regs"]):
        return sample
    return sample.dropna(subset=list(dict.fromkeys(cols)))


def _wild_p(
    df: pd.DataFrame,
    model: dict,
    *,
    cluster: str,
    entity: str,
    time: str,
    draws: int,
    weights: str,
    seed: int,
    limits: InferenceLimits,
) -> float:
    """WCR bootstrap p of the core regressor (first of ``regs``) in the column's model."""
    if model["y"] not in df or any(r not in df for r in model["regs"]) or cluster not in df:
        return np.nan
    absorb = []
    if model["entity_fe"] and entity in df:
        absorb.append(group_codes(df[entity].to_numpy()))
    if model["time_fe"] and time in df:
        absorb.append(group_codes(df[time].to_numpy()))
    X = df[model["regs"]].to_numpy(dtype=float)
    if not absorb:
        X = np.column_stack([X, np.ones(len(df))])
    try:
        res = wild_cluster_bootstrap(
            X,
            df[model["y"]].to_numpy(dtype=float),
            df[cluster].to_numpy(),
            param=0,
            bootstrap=draws,
            weights=weights,
            seed=seed,
            absorb=absorb,
            level=None,  # type: ignore[arg-type]
            limits=limits,
        )
    except (EstimationError, np.linalg.LinAlgError) as err:
        logger.warning("wild bootstrap p not computed for %s: %s", model["y"], err)
        return np.nan
    return float(res.p_value)
