"""Stage functions of the pipeline's models (workflow/rules/estimate.smk).

:func:`estimate_model` is rule ``estimate``'s one call: it runs the stage of a model of
:data:`imtfp.models.registry.MODELS` on the analysis frame and adds each column's inference facts.

``estimate_<model>`` computes the tidy results of one model; its table builder (the registry
entry's ``table``) formats them. Each is ``(panel, spec, *, seed) -> DataFrame`` in the tidy
format of :mod:`imtfp.tidy`, with ``table`` set to the model's name. ``spec`` is the ``models:``
section of the configuration with the schema's defaults filled in
(:func:`imtfp.models.registry.model_spec`; example: ``config.yaml``; schema:
``src/imtfp/schemas/config.schema.yaml``), so every option is read directly. Model-level
statistics are rows with a descriptive ``term`` (documented per stage); the threshold stage adds
the extra columns ``crit10``, ``crit5``, ``crit1``.

Seeds: a stage with several bootstraps gives the k-th one (0-based, in the
order of the spec) the seed ``seed + k``, so results do not depend on
which other channels are configured before it only through that offset,
and reruns are identical.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.core.vcov import limits_from_spec
from imtfp.models._common import as_list
from imtfp.models.heterogeneity import group_equality_test, moderation, split_samples
from imtfp.models.iv import iv_2sls, lagged_regression
from imtfp.models.mediation_analysis import mediation
from imtfp.models.panel import fit_twfe, inference_panel
from imtfp.models.power import minimum_detectable_effect
from imtfp.models.registry import MODELS, model_spec
from imtfp.models.threshold_regression import threshold
from imtfp.tidy import tidy_frame


def estimate_model(name: str, frame: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Tidy results of model ``name`` on the analysis frame, as rule ``estimate`` stores them.

    The schema's defaults are filled into ``spec`` (the ``models:`` section), its ``transforms``
    applied to ``frame``, the model's stage run, and every column annotated with its number of
    clusters, periods and (for fixed-effects OLS models) the wild cluster bootstrap p
    (:func:`imtfp.models.clusters.annotate_inference`).
    """
    from imtfp.models.clusters import annotate_inference
    from imtfp.models.falsification import apply_transforms

    model = MODELS[name]
    spec = model_spec(spec)
    panel = apply_transforms(frame, spec)
    tidy = model.stage_function()(panel, spec, seed=seed)
    return annotate_inference(tidy, panel, spec, seed=seed, wild=model.wild)


def _base(spec: Mapping) -> dict:
    """Panel keys, clusters and inference limits every model of a stage shares."""
    return {
        "entity": spec["entity"],
        "time": spec["time"],
        "cluster": spec["cluster"],
        "limits": limits_from_spec(spec),
    }


def _finish(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    out = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else tidy_frame([])
    out["table"] = table
    return out


def baseline_steps(spec: Mapping) -> list[list[str]]:
    """Control sets of the baseline columns: ``steps`` if given, else stepwise
    (none, the first, the first two, …, all) when ``stepwise`` is true, else all."""
    controls = as_list(spec["controls"])
    b = spec["baseline"]
    if b.get("steps") is not None:
        return [as_list(s) for s in b["steps"]]
    if b["stepwise"]:
        return [controls[:k] for k in range(len(controls) + 1)]
    return [controls]


def estimate_baseline(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Baseline table: one column per (fixed effects on/off) × control step.

    Columns are numbered "(1)", "(2)", … in the order: for each entry of
    ``baseline.with_fe``, each control step. Each column ends with a row ``mde``: the minimum
    detectable effect of the core regressor at 80 % power and 5 % size with that column's
    standard error (:func:`mde_row`). Without fixed effects the model is pooled OLS with a
    constant and the same covariance. ``seed`` is unused (no randomness).
    """
    frames, col = [], 0
    for with_fe in spec["baseline"]["with_fe"]:
        for ctrl in baseline_steps(spec):
            col += 1
            fit = fit_twfe(
                panel,
                y=spec["y"],
                x=spec["x"],
                controls=ctrl,
                effects=spec["effects"] if with_fe else "none",
                cov=spec["cov"],
                what=f"baseline ({col})",
                **_base(spec),
            )
            frames.append(fit.tidy(table="baseline", column=f"({col})"))
            frames.append(mde_row(fit, spec["x"], column=f"({col})"))
    return _finish(frames, "baseline")


def mde_row(fit, x, *, column: str, size: float = 0.05, power: float = 0.80) -> pd.DataFrame:
    """Tidy row ``mde``: the minimum detectable effect of the core regressor (first of ``x``) at
    ``power`` and ``size`` with the column's own standard error (:mod:`imtfp.models.power`)."""
    term = as_list(x)[0]
    row = fit.tidy(table="baseline", column=column, terms=[term])
    mde = minimum_detectable_effect(fit, term, size=size, power=power)
    return row.assign(term="mde", estimate=mde, se=np.nan, t=np.nan, p=np.nan, ci_low=np.nan,
                      ci_high=np.nan)  # fmt: skip


def estimate_inference(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Core coefficient (first of ``x``) under clustered, Driscoll–Kraay,
    two-way clustered and wild cluster bootstrap inference (column = method)."""
    inf = spec["inference"]
    x = as_list(spec["x"])
    out = inference_panel(
        panel,
        y=spec["y"],
        x=x[0],
        controls=x[1:] + as_list(spec["controls"]),
        effects=spec["effects"],
        bootstrap=int(inf["wild_bootstrap"]["bootstrap"]),
        weights=inf["wild_bootstrap"]["weights"],
        seed=seed,
        level=float(inf["level"]),
        **_base(spec),
    )
    return _finish([out.tidy(table="inference", level=float(inf["level"]))], "inference")


def estimate_mediation(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """One column per channel of ``mediation.channels`` ({name: mediator column}).

    Rows per channel: ``c_total``, ``a``, ``b``, ``c_prime``, ``indirect``
    (Sobel se, bootstrap percentile CI), ``indirect_bc`` (bias-corrected
    CI), ``sobel_z``, ``aroian_z``, ``goodman_z``, ``proportion_mediated``
    (``two_step`` mode: ``a`` only; ``mediation.channel_modes: {name: two_step}`` sets the
    mode of one channel). Channel k uses seed ``seed + k``.
    """
    med = spec["mediation"]
    x = as_list(spec["x"])
    base = _base(spec)
    frames = []
    for k, (name, m) in enumerate(med["channels"].items()):
        res = mediation(
            panel,
            y=spec["y"],
            x=x[0],
            m=m,
            controls=x[1:] + as_list(spec["controls"]),
            entity=base["entity"],
            time=base["time"],
            cov=spec["cov"],
            bootstrap=int(med["bootstrap"]),
            seed=seed + k,
            mode=med["channel_modes"].get(name, med["mode"]),
            limits=base["limits"],
        )
        frames.append(res.tidy(table="mediation", column=str(name)))
    return _finish(frames, "mediation")


def estimate_heterogeneity(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Split samples by region and period, moderation, and equality tests.

    Columns: ``region=<value>``, ``period=<name>`` (split samples),
    ``moderator=<name>`` (interaction rows and ``me_qNN`` marginal effects)
    and ``equality:<region column>`` with one row ``equality_F`` (estimate
    = Wald F that the coefficient of x is equal across regions, p its wild
    cluster bootstrap p-value with ``models.inference.wild_bootstrap`` draws
    and ``seed``; ``p_analytic`` from F(q, G − 1)). ``heterogeneity.merge``
    folds small regions into named ones (rows say ``merged_from``); a region
    below ``models.min_clusters`` clusters is otherwise refused.
    """
    from imtfp.models.clusters import wild_settings

    het = spec["heterogeneity"]
    x = as_list(spec["x"])
    ctrl = x[1:] + as_list(spec["controls"])
    common = dict(effects=spec["effects"], cov=spec["cov"], **_base(spec))
    frames = []
    by = het["region_column"] if het["regions"] else None
    periods = het["periods"]
    if by is not None or periods:
        fits = split_samples(
            panel,
            y=spec["y"],
            x=x[0],
            controls=ctrl,
            by=by,
            periods=periods,
            merge=het["merge"],
            **common,
        )
        frames.append(
            fits.tidy(table="heterogeneity").assign(
                merged_from=lambda d: d["column"].map(fits.merged_from).fillna("")
            )
        )
    for name, col in het["moderators"].items():
        res = moderation(panel, y=spec["y"], x=x[0], moderator=col, controls=ctrl, **common)
        frames.append(res.tidy(table="heterogeneity", column=f"moderator={name}"))
    if by is not None and het["equality_test"]:
        draws, weights = wild_settings(spec)
        test = group_equality_test(panel, y=spec["y"], x=x[0], group=by, controls=ctrl,
                                   merge=het["merge"], bootstrap=draws, weights=weights,
                                   seed=seed, **common)  # fmt: skip
        frames.append(
            tidy_frame(
                [
                    {
                        "table": "heterogeneity",
                        "column": f"equality:{by}",
                        "term": "equality_F",
                        "estimate": test.F,
                        "p": test.p,
                        "p_analytic": test.p_analytic,
                        "cov": f"wild_bootstrap ({test.weights}, B={test.bootstrap})",
                        "merged_from": ";".join(
                            f"{k}<-{','.join(v)}" for k, v in test.merged.items()
                        ),
                        "dep_var": spec["y"],
                        "controls": ",".join(ctrl),
                        "stat": True,
                    }
                ]
            )
        )
    return _finish(frames, "heterogeneity")


def estimate_iv(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Lagged-x regression (column ``lag<k>``) and, if instruments are
    configured, IV-2SLS (columns ``2sls``, ``first_stage:<x>``, ``ols``; see
    :func:`imtfp.models.iv.iv_2sls` for the statistic rows). ``seed`` is unused."""
    iv = spec["iv"]
    x = as_list(spec["x"])
    ctrl = x[1:] + as_list(spec["controls"])
    common = dict(effects=spec["effects"], cov=spec["cov"], **_base(spec))
    frames = []
    lag = int(iv["lag"])
    if lag:
        fit = lagged_regression(panel, y=spec["y"], x=x[0], controls=ctrl, lag=lag, **common)
        frames.append(fit.tidy(table="iv", column=f"lag{lag}"))
    instruments = as_list(iv["instruments"])
    if instruments:  # an unsupported models.cov raises (ConfigError) instead of a silent swap
        frames.append(
            iv_2sls(
                panel, y=spec["y"], endog=x[0], instruments=instruments, controls=ctrl, **common
            ).tidy(table="iv")
        )
    return _finish(frames, "iv")


def estimate_threshold(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Hansen threshold model: regime coefficients, ``threshold<k>`` rows
    (estimate γ̂, LR confidence interval) and ``F<k>`` rows (bootstrap p,
    critical values in the extra columns ``crit10``/``crit5``/``crit1``)."""
    th = spec["threshold"]
    x = as_list(spec["x"])
    base = _base(spec)
    res = threshold(
        panel,
        y=spec["y"],
        x_regime=th["x_regime"] or x[0],
        q=th["q"],
        controls=x[1:] + as_list(spec["controls"]),
        entity=base["entity"],
        time=base["time"],
        n_thresholds=int(th["n_thresholds"]),
        trim=th["trim"],
        grid=int(th["grid"]),
        bootstrap=int(th["bootstrap"]),
        seed=seed,
        time_effects=bool(th["time_effects"]),
        cluster=base["cluster"],
        limits=base["limits"],
    )
    return _finish([res.tidy(table="threshold", column="threshold")], "threshold")
