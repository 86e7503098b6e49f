"""Falsification and sensitivity tests a referee asks of a two-way FE estimate.

Each test is a column of the ``falsification`` table (tidy rows, :mod:`imtfp.tidy`), computed on
the baseline model :math:`y_{it} = \\beta x_{it} + \\gamma'z_{it} + \\mu_i + \\lambda_t + e_{it}`
(``models.y``, first of ``models.x``, ``models.controls``, ``models.effects``, ``models.cov``):

* ``baseline`` — the model itself, for reference;
* ``lead<k>`` — the model with the k-period lead :math:`x_{i,t+k}` added (term ``F<k>.<x>``).
  Future values of the regressor should not explain today's outcome; a significant lead points
  to anticipation or reverse causality;
* ``permutation`` — randomisation inference: whole provincial trajectories of :math:`x`
  permuted across provinces (``bootstrap`` draws, ``seed``; :func:`permutation_test`), the model
  refitted for every draw (Frisch–Waugh, all draws at once); p = (1 + #{|β*_b| ≥ |β̂|}) / (1 + B),
  the stars of β̂ follow it and the statistic rows ``ri_p`` and ``ri_draws`` give p and B;
* ``placebo:<var>`` — the model with a placebo outcome that :math:`x` should not move;
* ``trends`` — the model with province-specific linear trends :math:`\\mu_i t` added;
* ``oster`` — Oster (2019) coefficient stability, within the fixed effects (the ``plm`` variant
  of R's robomit): short model y on x, intermediate model y on x and the controls, both after
  the two-way within transformation; :math:`R_{max} = \\min(\\text{rmax}\\cdot\\tilde R, 1)`.
  Rows ``oster_delta`` (the δ that would drive β to 0) and ``oster_beta`` (β* for the
  configured δ, default 1), plus ``oster_r2`` (R̃) and ``oster_rmax``.

Oster's formulas (Proposition 2; as in Stata's psacalc and R's robomit), with β°, R° of the
short and β̃, R̃ of the intermediate model, :math:`\\sigma_y^2, \\sigma_x^2` the variances of y and
x, :math:`\\tau_x` the residual variance of x on the controls:

.. math::
    \\delta = \\frac{b R_d\\sigma_y^2\\tau_x + b\\sigma_x^2\\tau_x\\Delta^2 + 2b^2\\tau_x\\Delta\\sigma_x^2
                   + b^3(\\tau_x\\sigma_x^2 - \\tau_x^2)}
                  {R_m\\sigma_y^2\\Delta\\sigma_x^2 + bR_m\\sigma_y^2(\\sigma_x^2 - \\tau_x)
                   + b^2\\tau_x\\Delta\\sigma_x^2 + b^3(\\tau_x\\sigma_x^2 - \\tau_x^2)}

with :math:`b = \\tilde\\beta - \\beta_0` (:math:`\\beta_0 = 0`), :math:`\\Delta = \\beta° - \\tilde\\beta`,
:math:`R_d = \\tilde R - R°`, :math:`R_m = R_{max} - \\tilde R`; β* solves the cubic of
Proposition 2 (a quadratic when δ = 1), taking the root closest to β̃ whose bias has the sign
of β° − β̃.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from imtfp.core.fe import demean
from imtfp.core.vcov import limits_from_spec
from imtfp.errors import ConfigError, EstimationError
from imtfp.models._common import as_list, effect_groups, prepare_sample
from imtfp.models.panel import fit_twfe
from imtfp.tidy import tidy_frame

TABLE = "falsification"


# -- data transforms usable in named checks ---------------------------------------------------


def winsorize(series: pd.Series, level: float) -> pd.Series:
    """Clip ``series`` at its ``level`` and ``1 − level`` quantiles (pooled, linear interpolation)."""
    if not 0 <= level < 0.5:
        raise ConfigError(f"models.transforms.winsorize.level={level!r} must be in [0, 0.5)")
    if level == 0:
        return series
    lo, hi = series.quantile([level, 1 - level])
    return series.clip(lower=lo, upper=hi)


def apply_transforms(panel: pd.DataFrame, spec: Mapping) -> pd.DataFrame:
    """The analysis frame with ``models.transforms`` applied (a named check may set them).

    ``transforms: {log: [var, …], winsorize: {level: 0.01, columns: [var, …]}}``: ``log``
    replaces each listed column by its natural log (a non-positive value raises ConfigError naming
    the column); ``winsorize`` clips the listed columns (default: outcome, regressor and controls)
    at the ``level`` and ``1 − level`` quantiles. Logs are taken first. Without ``transforms``
    the frame is returned unchanged.
    """
    spec_t = spec.get("transforms") or {}
    if not spec_t:
        return panel
    out = panel.copy()
    for col in spec_t.get("log") or []:
        if col not in out:
            raise ConfigError(f"models.transforms.log: the data have no column {col!r}")
        if (out[col].dropna() <= 0).any():
            raise ConfigError(f"models.transforms.log: column {col!r} has values ≤ 0")
        out[col] = np.log(out[col])
    win = spec_t.get("winsorize")
    if win:
        level = float(win.get("level", 0.01)) if isinstance(win, Mapping) else float(win)
        cols = (win.get("columns") if isinstance(win, Mapping) else None) or [
            spec["y"],
            *as_list(spec["x"]),
            *as_list(spec.get("controls", [])),
        ]
        for col in cols:
            if col not in out:
                raise ConfigError(f"models.transforms.winsorize: the data have no column {col!r}")
            out[col] = winsorize(out[col], level)
    return out


# -- the tests ------------------------------------------------------------------------------


def lead(df: pd.DataFrame, column: str, *, entity: str, time: str, k: int) -> pd.Series:
    """Value of ``column`` ``k`` periods later for the same entity (NA past the last period)."""
    if k < 1:
        raise ConfigError(f"lead must be a positive integer, got {k}")
    later = pd.DataFrame({entity: df[entity], time: df[time] - k, "_v": df[column]})
    merged = df[[entity, time]].merge(later, on=[entity, time], how="left")
    return pd.Series(merged["_v"].to_numpy(), index=df.index, name=f"F{k}.{column}")


def permutation_test(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    controls: Sequence[str] = (),
    entity: str = "province",
    time: str = "year",
    effects: str = "twoway",
    bootstrap: int = 999,
    seed: int,
) -> dict[str, float]:
    """Randomisation inference for β: whole trajectories of ``x`` permuted across entities.

    Draw b gives entity i the path :math:`x_{\\pi_b(i),t}` of another entity (Fisher's sharp null
    that x has no effect, with entities exchangeable); outcome, controls and fixed effects stay.
    Shuffling x across entities *within* each year instead destroys its persistence: the permuted
    regressor has several times the real within-entity variation, its β* are tiny and the test
    rejects a true null almost always (95 % at 5 % on panels shaped like ours). Only entities
    observed in the same years swap (blocks of identical time support), so every draw keeps the
    estimation sample.

    Each draw is refitted by Frisch–Waugh, all draws at once: a permutation within such blocks
    commutes with the fixed-effects projection, :math:`M_D P x = P M_D x`, so with
    :math:`\\tilde x = M_D x`, :math:`r_y` the residual of :math:`M_D y` on the partialled
    controls :math:`\\tilde Z` (orthonormal basis Q),

    .. math::
        \\beta^*_b = \\frac{(P_b\\tilde x)'r_y}{\\lVert\\tilde x\\rVert^2 - \\lVert Q'P_b\\tilde x\\rVert^2},

    one gather of :math:`\\tilde x` and two matrix products for all B draws. Returns ``estimate``
    (β̂), ``p`` = (1 + #{|β*_b| ≥ |β̂|}) / (1 + B), ``draws`` = B and ``entities`` (how many
    entities take part in the permutations).
    """
    if bootstrap < 1:
        raise ConfigError(f"bootstrap must be at least 1, got {bootstrap}")
    df = prepare_sample(data, [y, x, *controls], entity=entity, time=time, what="permutation")
    groups = effect_groups(df, entity=entity, time=time, effects=effects)
    n = len(df)
    if groups:
        Z = demean(df[list(controls)].to_numpy(float), groups) if controls else np.empty((n, 0))
        xt, yt = demean(df[x].to_numpy(float), groups), demean(df[y].to_numpy(float), groups)
    else:  # pooled model: the constant is the only absorbed effect
        Z = np.column_stack([np.ones(n), df[list(controls)].to_numpy(float)])
        xt, yt = df[x].to_numpy(float), df[y].to_numpy(float)
    Q = _orthonormal_basis(Z.reshape(n, -1))
    ry = yt - Q @ (Q.T @ yt)
    rx = xt - Q @ (Q.T @ xt)
    if float(rx @ rx) <= 1e-12 * max(1.0, float(xt @ xt)):
        raise EstimationError(f"permutation: {x} has no variation left after the controls")
    beta = float(rx @ ry / (rx @ rx))
    rows, permutable = trajectory_permutations(
        df[entity].to_numpy(), df[time].to_numpy(), bootstrap=bootstrap, seed=seed
    )
    X_perm = xt[rows]  # (B, n): P_b x̃
    num = X_perm @ ry
    den = float(xt @ xt) - ((X_perm @ Q) ** 2).sum(axis=1)
    betas = num / den
    p = (1 + int(np.sum(np.abs(betas) >= abs(beta) * (1 - 1e-12)))) / (1 + bootstrap)
    return {"estimate": beta, "p": p, "draws": float(bootstrap), "entities": float(permutable)}


def _orthonormal_basis(Z: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column space of Z (rank-revealing; collinear columns dropped)."""
    if Z.shape[1] == 0:
        return Z
    U, sv, _ = np.linalg.svd(Z, full_matrices=False)
    return U[:, sv > sv.max() * max(Z.shape) * np.finfo(float).eps]


def trajectory_permutations(
    entities: np.ndarray, times: np.ndarray, *, bootstrap: int, seed: int
) -> tuple[np.ndarray, int]:
    """Row maps of ``bootstrap`` entity permutations: ``rows[b, r]`` is the row of
    :math:`(\\pi_b(i), t)` for row r = (i, t). Entities are shuffled within blocks of identical
    observed periods (a balanced panel is one block). Returns (rows, entities in blocks of ≥ 2).
    """
    ent_codes, ent_names = pd.factorize(entities, sort=True)
    t_codes, _ = pd.factorize(times, sort=True)
    pos = -np.ones((len(ent_names), int(t_codes.max()) + 1), dtype=np.intp)
    pos[ent_codes, t_codes] = np.arange(len(entities))
    support = {}
    for e in range(len(ent_names)):
        support.setdefault((pos[e] >= 0).tobytes(), []).append(e)
    blocks = [np.array(b) for b in support.values() if len(b) > 1]
    permutable = int(sum(len(b) for b in blocks))
    if not blocks:
        raise EstimationError(
            "permutation: no two entities are observed in the same periods, so no trajectory "
            "can be swapped; balance the sample or drop the randomisation inference"
        )
    rng = np.random.default_rng(seed)
    perm = np.tile(np.arange(len(ent_names)), (bootstrap, 1))
    for block in blocks:
        perm[:, block] = rng.permuted(np.tile(block, (bootstrap, 1)), axis=1)
    return pos[perm[:, ent_codes], t_codes], permutable


def oster_moments(
    data: pd.DataFrame,
    *,
    y: str,
    x: str,
    controls: Sequence[str],
    entity: str = "province",
    time: str = "year",
    effects: str = "twoway",
) -> dict[str, float]:
    """β°, R° (y on x), β̃, R̃ (y on x and controls), σ²_y, σ²_x and τ_x, within the fixed effects.

    Variances use n − 1 (R's ``var``); R² are within R² (1 − SSR/TSS of the within-transformed
    outcome). Without effects the regressions have a constant (Stata's ``reg``).
    """
    if not controls:
        raise ConfigError("Oster bounds need controls (models.controls is empty)")
    df = prepare_sample(data, [y, x, *controls], entity=entity, time=time, what="oster")
    groups = effect_groups(df, entity=entity, time=time, effects=effects)
    n = len(df)
    if groups:
        Y, X, W = (demean(df[c].to_numpy(float), groups) for c in (y, x, list(controls)))
        one = np.empty((n, 0))
    else:
        Y, X, W = df[y].to_numpy(float), df[x].to_numpy(float), df[list(controls)].to_numpy(float)
        one = np.ones((n, 1))
    W = W.reshape(n, -1)
    tss = float(((Y - Y.mean()) ** 2).sum())

    def ols(M: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        coef = np.linalg.lstsq(M, v, rcond=None)[0]
        return coef, v - M @ coef

    b_short, e_short = ols(np.column_stack([X, one]), Y)
    b_int, e_int = ols(np.column_stack([X, W, one]), Y)
    _, e_aux = ols(np.column_stack([W, one]), X)
    return {
        "beta_o": float(b_short[0]),
        "r_o": 1 - float(e_short @ e_short) / tss,
        "beta_t": float(b_int[0]),
        "r_t": 1 - float(e_int @ e_int) / tss,
        "sigma_y": float(np.var(Y, ddof=1)),
        "sigma_x": float(np.var(X, ddof=1)),
        "tau_x": float(np.var(e_aux, ddof=1)),
    }


def oster_delta(m: Mapping[str, float], r_max: float, beta: float = 0.0) -> float:
    """δ such that the bias-adjusted effect equals ``beta`` (Oster 2019, Proposition 2)."""
    b = m["beta_t"] - beta
    d = m["beta_o"] - m["beta_t"]
    sy, sx, tx = m["sigma_y"], m["sigma_x"], m["tau_x"]
    rd, rm = (m["r_t"] - m["r_o"]) * sy, (r_max - m["r_t"]) * sy
    num = b * rd * tx + b * sx * tx * d**2 + 2 * b**2 * tx * d * sx + b**3 * (tx * sx - tx**2)
    den = rm * d * sx + b * rm * (sx - tx) + b**2 * tx * d * sx + b**3 * (tx * sx - tx**2)
    return num / den if den != 0 else math.nan


def oster_beta(m: Mapping[str, float], r_max: float, delta: float = 1.0) -> float:
    """Bias-adjusted β* for ``delta`` and ``r_max`` (Oster 2019, Proposition 2).

    The bias ν = β̃ − β* solves a cubic (a quadratic when δ = 1); of its real roots the one whose
    β* lies closest to β̃ with β* − β̃ of the sign of β̃ − β° is taken (psacalc's rule).
    """
    bo, bt = m["beta_o"], m["beta_t"]
    sy, sx, tx = m["sigma_y"], m["sigma_x"], m["tau_x"]
    d = bo - bt
    rd, rm = (m["r_t"] - m["r_o"]) * sy, (r_max - m["r_t"]) * sy
    if math.isclose(delta, 1.0):
        theta = rm * (sx - tx) - rd * tx - sx * tx * d**2
        disc = theta**2 + 4 * rm * d**2 * sx**2 * tx
        roots = (
            [(-theta - s * math.sqrt(disc)) / (-2 * tx * d * sx) for s in (1, -1)]
            if disc >= 0
            else []
        )
    else:
        scale = (delta - 1) * (tx * sx - tx**2)
        a = tx * d * sx * (delta - 2) / scale
        b = (delta * rm * (sx - tx) - rd * tx - sx * tx * d**2) / scale
        c = rm * delta * d * sx / scale
        roots = [
            r.real for r in np.roots([1.0, a, b, c]) if abs(r.imag) < 1e-9 * max(1.0, abs(r.real))
        ]
    betas = [bt - r for r in roots]
    if not betas:
        return math.nan
    betas.sort(key=lambda v: (np.sign(v - bt) != np.sign(bt - bo), (v - bt) ** 2))
    return float(betas[0])


# -- the stage ------------------------------------------------------------------------------


def falsification_tests(panel: pd.DataFrame, spec: Mapping, *, seed: int) -> pd.DataFrame:
    """All tests configured in ``models.falsification`` (see the module docstring), one column each.

    ``falsification: {leads: [1, 2], permutation: {bootstrap: 999}, placebo_outcomes: [var, …],
    trends: true, oster: {rmax: 1.3, delta: 1}}``; a missing or empty key skips its test. The
    permutation uses ``seed``. ``panel`` is the analysis frame after :func:`apply_transforms`.
    """
    cfg = spec.get("falsification") or {}
    x = as_list(spec["x"])[0]
    ctrl = [c for c in as_list(spec["x"])[1:] + as_list(spec.get("controls", [])) if c != x]
    base = {
        "entity": spec.get("entity", "province"),
        "time": spec.get("time", "year"),
        "effects": spec.get("effects", "twoway"),
    }
    fit = dict(
        cov=spec.get("cov", "clustered"),
        cluster=spec.get("cluster"),
        limits=limits_from_spec(spec),
        **base,
    )
    y = spec["y"]
    frames = [_fe_column(panel, y, [x], ctrl, fit, "baseline", keep=[x])]
    for k in cfg.get("leads") or []:
        name = f"F{int(k)}.{x}"
        df = panel.assign(
            **{name: lead(panel, x, entity=base["entity"], time=base["time"], k=int(k))}
        )
        frames.append(_fe_column(df, y, [x, name], ctrl, fit, f"lead{int(k)}", keep=[x, name]))
    perm = cfg.get("permutation")
    if perm:
        frames.append(_permutation_column(panel, y, x, ctrl, base, perm, fit, seed))
    for var in cfg.get("placebo_outcomes") or []:
        frames.append(_fe_column(panel, var, [x], ctrl, fit, f"placebo:{var}", keep=[x]))
    if cfg.get("trends"):
        df, trends = _with_trends(panel, base["entity"], base["time"])
        out = _fe_column(df, y, [x], ctrl + trends, fit, "trends", keep=[x])
        out["controls"] = ",".join(
            ctrl
        )  # the trends are named by the column, not listed as controls
        frames.append(out)
    oster = cfg.get("oster")
    if oster:
        frames.append(_oster_column(panel, y, x, ctrl, base, oster, fit))
    out = pd.concat([f for f in frames if len(f)], ignore_index=True)
    out["table"] = TABLE
    return out


def _fe_column(
    df: pd.DataFrame,
    y: str,
    xs: list[str],
    ctrl: list[str],
    fit: Mapping,
    column: str,
    *,
    keep: list[str],
) -> pd.DataFrame:
    res = fit_twfe(df, y=y, x=xs, controls=ctrl, what=f"falsification {column}", **fit)
    return res.tidy(table=TABLE, column=column, terms=keep)


def _permutation_column(
    panel: pd.DataFrame,
    y: str,
    x: str,
    ctrl: list[str],
    base: Mapping,
    cfg: object,
    fit: Mapping,
    seed: int,
) -> pd.DataFrame:
    draws = int(cfg.get("bootstrap", 999)) if isinstance(cfg, Mapping) else 999
    ri = permutation_test(panel, y=y, x=x, controls=ctrl, bootstrap=draws, seed=seed, **base)
    row = _fe_column(panel, y, [x], ctrl, fit, "permutation", keep=[x])
    row["p"] = ri["p"]
    row["cov"] = "permutation"
    row[["se", "t", "ci_low", "ci_high"]] = np.nan
    stat = tidy_frame(
        [
            {"table": TABLE, "column": "permutation", "term": "ri_p", "estimate": ri["p"]},
            {"table": TABLE, "column": "permutation", "term": "ri_draws", "estimate": ri["draws"]},
        ]
    )
    return pd.concat([row, stat], ignore_index=True)


def _with_trends(panel: pd.DataFrame, entity: str, time: str) -> tuple[pd.DataFrame, list[str]]:
    """Columns ``_trend_<k>`` = (t − t̄)·1[entity = k], one per entity but the first."""
    t = panel[time].astype(float)
    centred = t - t.mean()
    names, cols = [], {}
    for k, ent in enumerate(sorted(panel[entity].dropna().unique())[1:]):
        names.append(f"_trend_{k}")
        cols[names[-1]] = np.where(panel[entity] == ent, centred, 0.0)
    return panel.assign(**cols), names


def _oster_column(
    panel: pd.DataFrame, y: str, x: str, ctrl: list[str], base: Mapping, cfg: object, fit: Mapping
) -> pd.DataFrame:
    cfg = cfg if isinstance(cfg, Mapping) else {}
    m = oster_moments(panel, y=y, x=x, controls=ctrl, **base)
    r_max = min(float(cfg.get("rmax", 1.3)) * m["r_t"], 1.0)
    delta = float(cfg.get("delta", 1.0))
    common = {"table": TABLE, "column": "oster", "controls": ",".join(ctrl), "dep_var": y}
    rows = [
        {**common, "term": "oster_beta", "estimate": oster_beta(m, r_max, delta)},
        {**common, "term": "oster_delta", "estimate": oster_delta(m, r_max)},
        {**common, "term": "oster_r2", "estimate": m["r_t"]},
        {**common, "term": "oster_rmax", "estimate": r_max},
    ]
    return tidy_frame(rows)
