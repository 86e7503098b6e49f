"""The pipeline stage of the spatial model: ``estimate_spatial(panel, spec, *, seed)``.

``spec`` is the ``models:`` section of the configuration with the schema's defaults
(:func:`imtfp.models.registry.model_spec`); the stage reads ``y``, ``x``, ``controls``,
``entity``, ``time`` and ``spatial`` (keys and defaults: ``models.spatial`` in
``schemas/config.schema.yaml``). One column of the table per weight matrix named in
``spatial.weights`` ("contiguity", "inverse_distance", "economic").

The weights are built here, from the spec, for the provinces of the panel the stage receives
(:func:`build_weights`, :mod:`imtfp.weights`), not read from a measure file: contiguity and
distance are fixed reference data shipped with imtfp, economic distance a function of a column
of this very panel, so a check that drops provinces or years gets its own W with no extra rule,
and W always matches the estimation sample.

Rows of a column, in the tidy format of :mod:`imtfp.tidy` with ``table="spatial"``:

* the coefficients: ``rho`` or ``lambda``, ``y(t-1)``, ``W*y(t-1)``, each regressor and its
  ``W*`` lag (``Estimates.tidy``);
* the effects: ``direct:<x>``, ``indirect:<x>``, ``total:<x>`` (short run) and, for a dynamic
  model, ``direct_long:<x>`` …, with simulated standard errors (``cov = "simulated"``);
* model facts: ``log_likelihood`` and ``sigma2`` (estimate only);
* with ``spatial.diagnostics``, the tests of the non-spatial model with the same fixed effects:
  ``moran_i`` (estimate I, t the z statistic, p), ``lm_lag``, ``lm_error``, ``robust_lm_lag``,
  ``robust_lm_error``, ``lm_sarma`` (estimate the χ² statistic, p).

Model facts and tests are statistic rows (``stat`` true); coefficients and effects are not.
Every row carries the extra columns ``spatial_model`` (sar, sdm, …; ``_dynamic`` appended for a
dynamic model), ``lee_yu``, ``impact_draws`` and ``economic_column`` (None without economic
weights), which the table's notes describe.

The k-th weight matrix (0-based, in the order of ``spatial.weights``) draws its impacts with
seed ``seed + k``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp import weights as spw
from imtfp.errors import ConfigError
from imtfp.models._common import as_list
from imtfp.models.spatial.diagnostics import spatial_diagnostics
from imtfp.models.spatial.estimation import spatial_panel
from imtfp.tidy import tidy_frame

WEIGHT_TYPES = ("contiguity", "inverse_distance", "economic")


def build_weights(name: str, panel: pd.DataFrame, sp: Mapping, entity: str, time: str):
    """The row-normalised weight matrix ``name`` for the panel's entities (a labelled frame);
    ``sp`` is the ``models.spatial`` section (``distance_power``, ``economic_column``)."""
    codes = sorted(str(c) for c in panel[entity].unique())
    if name == "contiguity":
        return spw.contiguity_weights(codes)
    if name == "inverse_distance":
        return spw.inverse_distance_weights(codes, power=float(sp["distance_power"]))
    if name == "economic":
        column = sp["economic_column"]
        if not column:
            raise ConfigError("models.spatial.economic_column is needed for economic weights")
        frame = panel.assign(**{entity: panel[entity].astype(str)})
        return spw.economic_distance_weights(frame, column, entity=entity, time=time)
    raise ConfigError(f"models.spatial.weights: {name!r} is not one of {WEIGHT_TYPES}")


def _impact_rows(fit, column: str, *, horizon: str, draws: int, seed: int, base: dict) -> list:
    imp = fit.impacts(horizon, draws=draws, seed=seed)
    suffix = "" if horizon == "short" else "_long"
    rows = []
    for x, r in imp.iterrows():
        for kind in ("direct", "indirect", "total"):
            est, se = r[kind], r[f"{kind}_se"]
            rows.append(
                {
                    **base,
                    "term": f"{kind}{suffix}:{x}",
                    "estimate": est,
                    "se": se,
                    "t": est / se if se > 0 else np.nan,
                    "p": r[f"{kind}_p"],
                    "ci_low": est - 1.959963984540054 * se,
                    "ci_high": est + 1.959963984540054 * se,
                    "cov": "simulated",
                    "stat": False,
                }
            )
    return rows


def _diagnostic_rows(panel, formula, W, *, entity, time, effects, base) -> list:
    tests = spatial_diagnostics(panel, formula, W, entity=entity, time=time, effects=effects)
    rows = []
    for name, r in tests.iterrows():
        if name == "moran_i":
            rows.append(
                {
                    **base,
                    "term": name,
                    "estimate": r["I"],
                    "t": r["statistic"],
                    "p": r["p"],
                    "stat": True,
                }
            )
        else:
            rows.append(
                {**base, "term": name, "estimate": r["statistic"], "p": r["p"], "stat": True}
            )
    return rows


def estimate_spatial(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Spatial panel table: one column per weight matrix (see the module docstring)."""
    sp = spec["spatial"]
    entity, time = spec["entity"], spec["time"]
    x = as_list(spec["x"])
    controls = [c for c in as_list(spec["controls"]) if c not in x]
    formula = f"{spec['y']} ~ {' + '.join(x + controls)}"
    effects = sp["effects"]
    frames = []
    for k, name in enumerate(as_list(sp["weights"])):
        W = build_weights(name, panel, sp, entity, time)
        data = panel.assign(**{entity: panel[entity].astype(str)})
        fit = spatial_panel(
            data,
            formula,
            W,
            entity=entity,
            time=time,
            model=sp["model"],
            effects=effects,
            lee_yu=bool(sp["lee_yu"]),
            dynamic=bool(sp["dynamic"]),
            time_lag=bool(sp["time_lag"]),
            space_time_lag=bool(sp["space_time_lag"]),
            numerics=sp["numerics"],
        )
        base = {
            "table": "spatial",
            "column": str(name),
            "nobs": fit.nobs,
            "entity_fe": effects in ("individual", "twoways"),
            "time_fe": effects in ("time", "twoways"),
            "controls": ",".join(controls),
            "dep_var": spec["y"],
        }
        coef = fit.tidy(table="spatial", column=str(name))
        coef["entity_fe"], coef["time_fe"], coef["controls"] = (
            base["entity_fe"],
            base["time_fe"],
            base["controls"],
        )
        rows = []
        for h in ["short", "long"] if fit.dynamic else ["short"]:
            rows += _impact_rows(
                fit, str(name), horizon=h, draws=int(sp["draws"]), seed=seed + k, base=base
            )
        facts = {**base, "cov": fit.cov_type, "stat": True}
        rows.append({**facts, "term": "log_likelihood", "estimate": fit.loglik})
        rows.append({**facts, "term": "sigma2", "estimate": fit.sigma2})
        if sp["diagnostics"]:
            rows += _diagnostic_rows(
                data, formula, W, entity=entity, time=time, effects=effects, base=base
            )
        frames += [coef, tidy_frame(rows)]
    out = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else tidy_frame([])
    out["table"] = "spatial"
    out["spatial_model"] = f"{sp['model']}{'_dynamic' if sp['dynamic'] else ''}"
    out["lee_yu"] = bool(sp["lee_yu"])
    out["impact_draws"] = int(sp["draws"])
    out["economic_column"] = sp["economic_column"] if "economic" in sp["weights"] else None
    return out
