"""Stage functions called by the Snakemake rules of ``workflow/rules/estimate.smk``.

``estimate_<model>`` (listed in :data:`ESTIMATORS`) computes the tidy results
of one model; :mod:`imtfp.report.builders` formats them into ``<model>_table``.
Each is ``(panel, spec, *, seed) -> DataFrame`` in the tidy format of
:mod:`imtfp.tidy`, with ``table`` set to the stage name. ``spec`` is the
``models:`` section of the configuration (example: ``config.yaml``; schema:
``src/imtfp/schemas/config.schema.yaml``). Model-level statistics are rows
with a descriptive ``term`` (documented per stage); the threshold stage adds
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

from imtfp.models._common import as_list
from imtfp.models.heterogeneity import group_equality_test, moderation, split_samples
from imtfp.models.iv import iv_2sls, lagged_regression
from imtfp.models.mediation import mediation
from imtfp.models.panel import fit_twfe, inference_panel
from imtfp.models.power import minimum_detectable_effect
from imtfp.models.threshold import threshold
from imtfp.tidy import tidy_frame


def _base(spec: Mapping) -> dict:
    return {
        "entity": spec.get("entity", "province"),
        "time": spec.get("time", "year"),
        "cluster": spec.get("cluster"),
    }


def _finish(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    out = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else tidy_frame([])
    out["table"] = table
    return out


def baseline_steps(spec: Mapping) -> list[list[str]]:
    """Control sets of the baseline columns: ``steps`` if given, else stepwise
    (none, the first, the first two, …, all) when ``stepwise`` is true, else all."""
    controls = as_list(spec.get("controls", []))
    b = spec.get("baseline", {}) or {}
    if b.get("steps") is not None:
        return [as_list(s) for s in b["steps"]]
    if b.get("stepwise", True):
        return [controls[:k] for k in range(len(controls) + 1)]
    return [controls]


def estimate_baseline(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Baseline table: one column per (fixed effects on/off) × control step.

    Columns are numbered "(1)", "(2)", … in the order: for each entry of
    ``baseline.with_fe`` (default [false, true]), each control step. Each column ends with a
    row ``mde``: the minimum detectable effect of the core regressor at 80 % power and 5 % size
    with that column's standard error (:func:`mde_row`).
    Without fixed effects the model is pooled OLS with a constant and the
    same covariance. ``seed`` is unused (no randomness).
    """
    b = spec.get("baseline", {}) or {}
    frames, col = [], 0
    for with_fe in b.get("with_fe", [False, True]):
        for ctrl in baseline_steps(spec):
            col += 1
            fit = fit_twfe(
                panel,
                y=spec["y"],
                x=spec["x"],
                controls=ctrl,
                effects=spec.get("effects", "twoway") if with_fe else "none",
                cov=spec.get("cov", "clustered"),
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
    inf = spec.get("inference", {}) or {}
    wild = inf.get("wild_bootstrap", {}) or {}
    x = as_list(spec["x"])
    out = inference_panel(
        panel,
        y=spec["y"],
        x=x[0],
        controls=x[1:] + as_list(spec.get("controls", [])),
        effects=spec.get("effects", "twoway"),
        bootstrap=int(wild.get("bootstrap", 9999)),
        weights=wild.get("weights", "webb"),
        seed=seed,
        level=float(inf.get("level", 0.95)),
        **_base(spec),
    )
    return _finish([out], "inference")


def estimate_mediation(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """One column per channel of ``mediation.channels`` ({name: mediator column}).

    Rows per channel: ``c_total``, ``a``, ``b``, ``c_prime``, ``indirect``
    (Sobel se, bootstrap percentile CI), ``indirect_bc`` (bias-corrected
    CI), ``sobel_z``, ``aroian_z``, ``goodman_z``, ``proportion_mediated``
    (``two_step`` mode: ``a`` only; ``mediation.channel_modes: {name: two_step}`` sets the
    mode of one channel). Channel k uses seed ``seed + k``.
    """
    med = spec.get("mediation", {}) or {}
    x = as_list(spec["x"])
    base = _base(spec)
    frames = []
    for k, (name, m) in enumerate((med.get("channels") or {}).items()):
        res = mediation(
            panel,
            y=spec["y"],
            x=x[0],
            m=m,
            controls=x[1:] + as_list(spec.get("controls", [])),
            entity=base["entity"],
            time=base["time"],
            cov=spec.get("cov", "clustered"),
            bootstrap=int(med.get("bootstrap", 5000)),
            seed=seed + k,
            mode=(med.get("channel_modes") or {}).get(name, med.get("mode", "stepwise")),
        )
        frames.append(res.tidy(table="mediation", column=str(name)))
    return _finish(frames, "mediation")


def estimate_heterogeneity(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Split samples by region and period, moderation, and equality tests.

    Columns: ``region=<value>``, ``period=<name>`` (split samples),
    ``moderator=<name>`` (interaction rows and ``me_qNN`` marginal effects)
    and ``equality:<region column>`` with one row ``equality_F`` (estimate
    = Wald F that the coefficient of x is equal across regions, p its
    p-value). ``seed`` is unused.
    """
    het = spec.get("heterogeneity", {}) or {}
    x = as_list(spec["x"])
    ctrl = x[1:] + as_list(spec.get("controls", []))
    base = _base(spec)
    common = dict(effects=spec.get("effects", "twoway"), cov=spec.get("cov", "clustered"), **base)
    region_col = het.get("region_column", "region")
    frames = []
    by = region_col if het.get("regions", True) else None
    periods = het.get("periods") or {}
    if by is not None or periods:
        frames.append(
            split_samples(
                panel, y=spec["y"], x=x[0], controls=ctrl, by=by, periods=periods, **common
            )
        )
    for name, col in (het.get("moderators") or {}).items():
        frames.append(
            moderation(
                panel,
                y=spec["y"],
                x=x[0],
                moderator=col,
                controls=ctrl,
                column=f"moderator={name}",
                **common,
            )
        )
    if by is not None and het.get("equality_test", True):
        test = group_equality_test(panel, y=spec["y"], x=x[0], group=by, controls=ctrl, **common)
        frames.append(
            tidy_frame(
                [
                    {
                        "table": "heterogeneity",
                        "column": f"equality:{by}",
                        "term": "equality_F",
                        "estimate": test.F,
                        "p": test.p,
                        "cov": spec.get("cov", "clustered"),
                        "dep_var": spec["y"],
                        "controls": ",".join(ctrl),
                    }
                ]
            )
        )
    return _finish(frames, "heterogeneity")


def estimate_iv(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """Lagged-x regression (column ``lag<k>``) and, if instruments are
    configured, IV-2SLS (columns ``2sls``, ``first_stage:<x>``, ``ols``; see
    :func:`imtfp.models.iv.iv_2sls` for the statistic rows). ``seed`` is unused."""
    iv = spec.get("iv", {}) or {}
    x = as_list(spec["x"])
    ctrl = x[1:] + as_list(spec.get("controls", []))
    common = dict(
        effects=spec.get("effects", "twoway"), cov=spec.get("cov", "clustered"), **_base(spec)
    )
    frames = []
    lag = iv.get("lag", 1)
    if lag:
        frames.append(
            lagged_regression(panel, y=spec["y"], x=x[0], controls=ctrl, lag=int(lag), **common)
        )
    instruments = as_list(iv.get("instruments", []))
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
    th = spec.get("threshold", {}) or {}
    x = as_list(spec["x"])
    base = _base(spec)
    res = threshold(
        panel,
        y=spec["y"],
        x_regime=th.get("x_regime") or x[0],
        q=th["q"],
        controls=[c for c in x[1:] + as_list(spec.get("controls", []))],
        entity=base["entity"],
        time=base["time"],
        n_thresholds=int(th.get("n_thresholds", 1)),
        trim=th.get("trim", 0.01),
        grid=int(th.get("grid", 400)),
        bootstrap=int(th.get("bootstrap", 300)),
        seed=seed,
        time_effects=bool(th.get("time_effects", False)),
        cluster=base["cluster"],
    )
    return _finish([res.tidy(table="threshold", column="threshold")], "threshold")


#: The stage function of each model of the ``estimate`` rule (``{model}`` wildcard).
ESTIMATORS = {
    "baseline": estimate_baseline,
    "inference": estimate_inference,
    "mediation": estimate_mediation,
    "heterogeneity": estimate_heterogeneity,
    "iv": estimate_iv,
    "threshold": estimate_threshold,
}
