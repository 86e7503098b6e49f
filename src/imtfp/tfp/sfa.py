"""SFA-based TFP: a translog (or Cobb–Douglas) production frontier and its TFP decomposition.

:func:`translog` builds the regressors; :func:`sfa_tfp` fits the Battese–Coelli (1992) frontier
with the kernel :mod:`imtfp.core.frontier` (measurement never imports ``models/``) and decomposes
TFP growth between consecutive periods as Kumbhakar & Lovell (2000, ch. 7) and Orea (2002,
*J. Productivity Analysis* 18, eq. 11–14) do:

.. math::
    \\ln y_{it} = f(x_{it}, t;\\beta) + v_{it} - u_{it},\\qquad
    \\varepsilon_{j,it} = \\partial f/\\partial\\ln x_j,\\quad \\varepsilon_{it} = \\sum_j\\varepsilon_{j,it}

    TC_{it} = \\tfrac12\\left(\\frac{\\partial f}{\\partial t}\\Big|_{it} + \\frac{\\partial f}{\\partial t}\\Big|_{i,t-1}\\right),\\quad
    TEC_{it} = \\ln TE_{it} - \\ln TE_{i,t-1}

    SEC_{it} = \\tfrac12\\sum_j\\left(\\frac{\\varepsilon_{it}-1}{\\varepsilon_{it}}\\varepsilon_{j,it}
      + \\frac{\\varepsilon_{i,t-1}-1}{\\varepsilon_{i,t-1}}\\varepsilon_{j,i,t-1}\\right)
      (\\ln x_{j,it} - \\ln x_{j,i,t-1})

    \\Delta\\ln TFP_{it} = TC_{it} + TEC_{it} + SEC_{it}

For a translog the quadratic identity (Diewert 1976) makes this exact for the fitted model:
:math:`\\Delta(\\hat f + \\ln TE) - \\sum_j \\overline{(\\varepsilon_j/\\varepsilon)}\\,\\Delta\\ln x_j
= TC + TEC + SEC`, with the bar the mean of periods t and t−1 (input growth weighted by
elasticity shares is the part that is not productivity). ``tfp_sfa`` is the cumulated index,
1 in each entity's first period.

:func:`sfa_tfp_level` is the TFP variant of the pipeline (``tfp.methods: [..., sfa]``, options
``tfp.sfa``): the level on the rows of any frame whose output, capital and labour columns are
named by the caller, so the whole-economy chain (:func:`imtfp.tfp.stages.build_tfp`) and any
other chain call the same function with their own columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from imtfp.core.frontier import FrontierData, fit_frontier, panel_units
from imtfp.errors import ConfigError, EstimationError
from imtfp.options import FrontierForm, SFADistribution, check_option
from imtfp.tfp._checks import require_columns, require_positive


def _prefix(name: str, log: bool) -> str:
    return f"ln_{name}" if log else name


def translog(
    data: pd.DataFrame,
    y: str,
    inputs: Sequence[str],
    *,
    time: str | None = None,
    form: FrontierForm = "translog",
    log: bool = True,
) -> pd.DataFrame:
    """Regressors of a translog (or Cobb–Douglas) frontier, the dependent variable first.

    .. math::
        f = \\beta_0 + \\sum_j\\beta_j x_j + \\tfrac12\\sum_j\\beta_{jj}x_j^2 + \\sum_{j<k}\\beta_{jk}x_jx_k
          + \\beta_t t + \\tfrac12\\beta_{tt}t^2 + \\sum_j\\beta_{jt}x_jt,\\qquad x_j = \\ln X_j

    Columns (with ``log=True``; without it the names carry no ``ln_`` and no log is taken):
    ``ln_<y>``, ``ln_<x>`` for each input, then for the translog ``ln_<x>_sq`` (½ squares) and
    ``ln_<a>_x_ln_<b>`` (cross products, in input order), and with ``time`` the trend ``t``
    (time − first time + 1), ``t_sq`` (½ t²) and ``ln_<x>_x_t``. Cobb–Douglas keeps the logs
    and ``t``. Index as ``data``.

    Raises
    ------
    MissingColumnError for absent columns; EstimationError when a logged value is not > 0.
    """
    check_option(form, FrontierForm, "form")
    inputs = list(inputs)
    if not inputs:
        raise ConfigError("translog: at least one input")
    require_columns(data, [y, *inputs, *([time] if time else [])], what="translog")
    raw = data[[y, *inputs]].apply(pd.to_numeric, errors="coerce").astype(float)
    if log:
        where = data[time].astype(str) if time else pd.Series(data.index.astype(str))
        require_positive(raw, where=where, what="translog (logs of output and inputs)")
        raw = np.log(raw)
    out = pd.DataFrame(index=data.index)
    out[_prefix(y, log)] = raw[y]
    names = [_prefix(c, log) for c in inputs]
    for c, name in zip(inputs, names, strict=True):
        out[name] = raw[c]
    if form == "translog":
        for name in names:
            out[f"{name}_sq"] = 0.5 * out[name] ** 2
        for j, a in enumerate(names):
            for b in names[j + 1 :]:
                out[f"{a}_x_{b}"] = out[a] * out[b]
    if time is not None:
        tt = pd.to_numeric(data[time], errors="raise").astype(float)
        out["t"] = tt - tt.min() + 1.0
        if form == "translog":
            out["t_sq"] = 0.5 * out["t"] ** 2
            for name in names:
                out[f"{name}_x_t"] = out[name] * out["t"]
    return out


def _derivatives(
    beta: pd.Series, terms: pd.DataFrame, names: list[str], form: str
) -> tuple[pd.DataFrame, pd.Series]:
    """Output elasticities ∂f/∂ln x_j (one column per input) and ∂f/∂t at every row."""
    el = pd.DataFrame(index=terms.index)
    for j, a in enumerate(names):
        e = pd.Series(beta[a], index=terms.index)
        if form == "translog":
            e = e + beta[f"{a}_sq"] * terms[a]
            for b in names:
                if b != a:
                    key = f"{a}_x_{b}" if names.index(b) > j else f"{b}_x_{a}"
                    e = e + beta[key] * terms[b]
            e = e + beta[f"{a}_x_t"] * terms["t"]
        el[a] = e
    tc = pd.Series(beta["t"], index=terms.index)
    if form == "translog":
        tc = tc + beta["t_sq"] * terms["t"] + sum(beta[f"{a}_x_t"] * terms[a] for a in names)
    return el, tc


def sfa_tfp(
    panel: pd.DataFrame,
    output: str,
    inputs: Sequence[str],
    *,
    entity: str,
    time: str,
    form: FrontierForm = "translog",
    distribution: SFADistribution = "half-normal",
    time_varying: bool = True,
) -> pd.DataFrame:
    """TFP from a Battese–Coelli (1992) production frontier and its decomposition (module doc).

    Parameters
    ----------
    panel : (entity × time) rows with ``output`` and ``inputs`` in levels (> 0).
    form : ``"translog"`` or ``"cobb_douglas"`` (both with a time trend, :func:`translog`).
    distribution, time_varying : the u of the frontier (:func:`imtfp.core.frontier` BC92).

    Returns
    -------
    Frame sorted by (entity, time): the keys, ``sfa_frontier`` (:math:`\\hat f`),
    ``sfa_te`` (efficiency), ``sfa_elas_<input>`` and ``sfa_rts`` (their sum),
    ``sfa_tc``, ``sfa_tec``, ``sfa_sec``, ``sfa_tfpch`` (log changes from the entity's
    previous period; missing in its first period or after a gap in ``time``) and
    ``tfp_sfa`` (cumulated :math:`\\exp\\sum\\Delta\\ln TFP`, 1 in the first period).

    Raises
    ------
    ConfigError for bad options; EstimationError for duplicated keys, values not > 0, or a
    frontier whose optimiser did not converge.
    """
    check_option(distribution, SFADistribution, "distribution")
    inputs = list(inputs)
    require_columns(panel, [entity, time, output, *inputs], what="sfa_tfp")
    df = panel[[entity, time, output, *inputs]].copy()
    if df[[entity, time]].isna().any().any():
        raise EstimationError(f"sfa_tfp: {entity!r} and {time!r} must not be missing")
    if df.duplicated([entity, time]).any():
        dup = df.loc[df.duplicated([entity, time], keep=False), [entity, time]].head(3)
        raise EstimationError(f"sfa_tfp: repeated ({entity}, {time}) rows {dup.values.tolist()}")
    df = df.sort_values([entity, time], kind="mergesort").reset_index(drop=True)
    terms = translog(df, output, inputs, time=time, form=form, log=True)
    dep, rhs = terms.columns[0], list(terms.columns[1:])
    n = len(df)
    unit, tau = panel_units(df[entity].to_numpy(), df[time].to_numpy())
    d = FrontierData(
        y=terms[dep].to_numpy(),
        X=np.column_stack([np.ones(n), terms[rhs].to_numpy()]),
        unit=unit,
        tau=tau,
        truncated=distribution == "truncated-normal",
        time_varying=time_varying,
    )
    fit = fit_frontier(d)
    if not fit.converged:
        raise EstimationError(
            f"sfa_tfp: the frontier did not converge (|gradient| = {fit.grad_norm:.3g})"
        )
    beta = pd.Series(fit.theta[: d.k], index=["(Intercept)", *rhs])
    names = [f"ln_{c}" for c in inputs]
    el, tc_point = _derivatives(beta, terms, names, form)
    rts = el.sum(axis=1)
    te = fit.efficiency()
    out = df[[entity, time]].copy()
    out["sfa_frontier"] = d.X @ fit.theta[: d.k]
    out["sfa_te"] = te
    for c, name in zip(inputs, names, strict=True):
        out[f"sfa_elas_{c}"] = el[name].to_numpy()
    out["sfa_rts"] = rts.to_numpy()

    same = (df[entity] == df[entity].shift(1)) & (
        pd.to_numeric(df[time]) - pd.to_numeric(df[time].shift(1)) == 1
    )
    prev = same.to_numpy()
    lag = lambda s: pd.Series(s).shift(1).to_numpy()  # noqa: E731  (rows sorted by entity, time)
    tc = 0.5 * (tc_point.to_numpy() + lag(tc_point.to_numpy()))
    tec = np.log(te) - lag(np.log(te))
    scale = ((rts - 1.0) / rts).to_numpy()
    sec = np.zeros(n)
    for name in names:
        e = el[name].to_numpy()
        dx = terms[name].to_numpy() - lag(terms[name].to_numpy())
        sec += 0.5 * (scale * e + lag(scale * e)) * dx
    for col, v in (("sfa_tc", tc), ("sfa_tec", tec), ("sfa_sec", sec)):
        out[col] = np.where(prev, v, np.nan)
    out["sfa_tfpch"] = out["sfa_tc"] + out["sfa_tec"] + out["sfa_sec"]
    growth = out["sfa_tfpch"].fillna(0.0)
    out["tfp_sfa"] = np.exp(growth.groupby(out[entity]).cumsum())
    broken = ~prev & (df[entity] == df[entity].shift(1)).to_numpy()
    if broken.any():  # after a gap the chain cannot be linked: restart is not a level
        out.loc[broken, "tfp_sfa"] = np.nan
        out["tfp_sfa"] = out.groupby(entity)["tfp_sfa"].transform(
            lambda s: s.where(s.notna().cummin())
        )
    return out


#: ``tfp.sfa`` options of the SFA TFP variant and their defaults (as in the config schema).
SFA_TFP_DEFAULTS: dict[str, object] = {
    "form": "translog",
    "distribution": "half-normal",
    "time_varying": True,
}


def sfa_tfp_options(spec: Mapping | None) -> dict:
    """The ``tfp.sfa`` options (``form``, ``distribution``, ``time_varying``) with their defaults;
    an unknown key raises ConfigError."""
    cfg = {**SFA_TFP_DEFAULTS, **dict(spec or {})}
    unknown = sorted(set(cfg) - set(SFA_TFP_DEFAULTS))
    if unknown:
        raise ConfigError(f"tfp.sfa: unknown keys {unknown}")
    return cfg


def sfa_tfp_level(
    frame: pd.DataFrame,
    *,
    y: str,
    capital: str,
    labour: str,
    entity: str,
    time: str,
    form: FrontierForm = "translog",
    distribution: SFADistribution = "half-normal",
    time_varying: bool = True,
) -> pd.Series:
    """SFA TFP level ``tfp_sfa`` (:func:`sfa_tfp` on output ``y`` and inputs ``capital``,
    ``labour``) on the rows of ``frame``, indexed like it.

    1 in each entity's first period; missing after a gap in ``time`` (the chain cannot be
    linked). Options as :func:`sfa_tfp`; ``**sfa_tfp_options(tfp["sfa"])`` passes the config's.
    """
    res = sfa_tfp(
        frame,
        y,
        [capital, labour],
        entity=entity,
        time=time,
        form=form,
        distribution=distribution,
        time_varying=time_varying,
    )
    keys = frame[[entity, time]].reset_index(drop=True)
    level = keys.merge(res[[entity, time, "tfp_sfa"]], on=[entity, time], how="left")
    return pd.Series(level["tfp_sfa"].to_numpy(), index=frame.index, name="tfp_sfa")
