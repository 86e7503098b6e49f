"""Green TFP: SBM efficiency with undesirable outputs and the Malmquist–Luenberger index.

* :func:`sbm` — Tone's (2001, 2004) non-oriented slacks-based measure with
  undesirable (bad) outputs, solved as one LP by the Charnes–Cooper transformation.
* :func:`directional_distance` / :func:`malmquist_luenberger` — the radial
  directional distance function with direction g = (0, y, −b) and weakly
  disposable bad outputs (equality constraints), and the Malmquist–Luenberger
  index of Chung, Färe & Grosskopf (1997) / Oh (2010, global), following the
  conventions of Stata's ``gtfpch`` (Wang, Du & Zhang 2022, Stata Journal 22(1)).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.options import Disposability, OnInfeasible, check_option
from imtfp.tfp._checks import require_columns, require_positive
from imtfp.tfp._lp import Engine, LinearProgram
from imtfp.tfp._panel import PanelArrays, panel_arrays
from imtfp.tfp.dea import RTS, RTS_OPTIONS
from imtfp.tfp.malmquist import FRONTIERS, Frontier, adjacent_sweep

_INF = np.inf
DISPOSABILITY = ("weak", "strong")
ON_INFEASIBLE = ("raise", "missing")
ML_COLUMNS = ["tfpch", "effch", "techch", "tfp_level"]


def _frame_arrays(
    data: pd.DataFrame, groups: Sequence[Sequence[str]], *, what: str
) -> list[np.ndarray]:
    cols = [c for g in groups for c in g]
    require_columns(data, cols, what=what)
    if not data.index.is_unique:
        raise EstimationError(f"{what}: DMU labels (the index) must be unique")
    where = pd.Series(data.index.astype(str), index=data.index).radd("DMU ")
    require_positive(data[cols], where=where, what=what)
    return [data[list(g)].to_numpy(float).reshape(len(data), len(g)) for g in groups]


# ----------------------------------------------------------------------------- DDF


class DDFTechnology:
    r"""Radial directional distance function with bad outputs, direction (0, y, −b).

    .. math::
        \vec D(x_o, y_o, b_o) = \max_{\beta,\lambda} \beta \;\text{s.t.}\;
        X\lambda \le x_o,\; Y\lambda \ge (1+\beta) y_o,\; B\lambda = (1-\beta) b_o,\;
        \lambda \ge 0\;[,\; 1'\lambda = 1 \text{ (VRS)}]

    Equality for B is weak disposability of bad outputs (Färe et al. 1989, the
    ``gtfpch`` technology); ``bad_disposability="strong"`` replaces it by
    :math:`B\lambda \le (1-\beta) b_o` (the environmental model of Aparicio,
    Pastor & Zofío 2013). β is free (negative for a unit above a frontier it
    does not belong to).
    """

    def __init__(
        self,
        X_ref: np.ndarray,
        Y_ref: np.ndarray,
        B_ref: np.ndarray,
        *,
        rts: RTS,
        bad_disposability: Disposability = "weak",
        engine: Engine = "auto",
    ):
        check_option(rts, RTS_OPTIONS, "rts")
        check_option(bad_disposability, DISPOSABILITY, "bad_disposability")
        self._bad_lo = -_INF if bad_disposability == "strong" else None
        n, m = X_ref.shape
        s, h = Y_ref.shape[1], B_ref.shape[1]
        self.m, self.s, self.h = m, s, h
        rows = m + s + h
        A = np.zeros((rows + (rts == "vrs"), 1 + n))
        A[:m, 1:] = X_ref.T
        A[m : m + s, 1:] = Y_ref.T
        A[m + s : rows, 1:] = B_ref.T
        A[m : m + s, 0] = -Y_ref[0]  # placeholders, replaced in beta()
        A[m + s : rows, 0] = B_ref[0]
        row_lo = np.r_[np.full(m, -_INF), Y_ref[0], B_ref[0]]
        row_hi = np.r_[X_ref[0], np.full(s, _INF), B_ref[0]]
        if rts == "vrs":
            A[-1, 1:] = 1.0
            row_lo, row_hi = np.r_[row_lo, 1.0], np.r_[row_hi, 1.0]
        c = np.r_[-1.0, np.zeros(n)]
        self._rows = np.arange(rows)
        self._dir_rows = np.arange(m, rows)
        self._lp = LinearProgram(
            c, A, row_lo, row_hi, np.r_[-_INF, np.zeros(n)], np.full(1 + n, _INF), engine=engine
        )

    def beta(self, x_o: np.ndarray, y_o: np.ndarray, b_o: np.ndarray) -> tuple[str, float]:
        lp = self._lp
        lp.set_column(0, self._dir_rows, np.r_[-y_o, b_o])
        bad_lo = b_o if self._bad_lo is None else np.full(self.h, -_INF)
        lp.set_row_bounds(
            self._rows,
            np.r_[np.full(self.m, -_INF), y_o, bad_lo],
            np.r_[x_o, np.full(self.s, _INF), b_o],
        )
        sol = lp.solve()
        return sol.status, (sol.z[0] if sol.status == "optimal" else np.nan)


def directional_distance(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    bad_outputs: list[str],
    *,
    rts: RTS = "crs",
    bad_disposability: Disposability = "weak",
    engine: Engine = "auto",
) -> pd.Series:
    """Inefficiency β ≥ 0 of each DMU (row) in direction (0, y, −b); see :class:`DDFTechnology`.

    0 means the DMU is on the frontier; ``1/(1+β)`` is the efficiency score
    ``gtfpch``/``teddf`` report with output orientation.
    """
    check_option(rts, RTS_OPTIONS, "rts")
    X, Y, B = _frame_arrays(data, [inputs, outputs, bad_outputs], what="DDF data")
    tech = DDFTechnology(X, Y, B, rts=rts, bad_disposability=bad_disposability, engine=engine)
    out = np.empty(len(data))
    for j in range(len(data)):
        status, out[j] = tech.beta(X[j], Y[j], B[j])
        if status != "optimal":
            raise EstimationError(f"DDF ({rts}) is {status} for DMU {data.index[j]!s}")
    return pd.Series(np.maximum(out, 0.0), index=data.index, name="beta")


def _ddf_block(
    pa: PanelArrays,
    cols: tuple[list[str], list[str], list[str]],
    *,
    ref: Sequence[int],
    evals: Sequence[int],
    rts: RTS,
    bad_disposability: Disposability,
    engine: Engine,
    ref_name: str,
    on_infeasible: OnInfeasible = "raise",
    failures: list | None = None,
) -> dict[int, np.ndarray]:
    inputs, outputs, bads = cols

    def stack(columns: list[str]) -> np.ndarray:
        return np.vstack([pa.stack(columns, p) for p in ref])

    tech = DDFTechnology(
        stack(inputs),
        stack(outputs),
        stack(bads),
        rts=rts,
        bad_disposability=bad_disposability,
        engine=engine,
    )
    out = {}
    for p in evals:
        X, Y, B = pa.stack(inputs, p), pa.stack(outputs, p), pa.stack(bads, p)
        betas = np.empty(len(pa.dmus))
        for j in range(len(pa.dmus)):
            status, betas[j] = tech.beta(X[j], Y[j], B[j])
            if status != "optimal" and on_infeasible == "missing" and failures is not None:
                failures.append(f"DMU {pa.dmus[j]!s}, period {pa.periods[p]!s} ({ref_name})")
            elif status != "optimal":
                raise EstimationError(
                    f"Malmquist–Luenberger DDF ({rts}) is {status} for DMU {pa.dmus[j]!s}, "
                    f"period {pa.periods[p]!s}, against the {ref_name} frontier; "
                    "the global frontier is always feasible (or pass on_infeasible='missing')"
                )
        out[p] = betas
    return out


def malmquist_luenberger(
    panel: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    bad_outputs: list[str],
    *,
    entity: str,
    time: str,
    frontier: Frontier = "global",
    rts: RTS = "crs",
    bad_disposability: Disposability = "weak",
    on_infeasible: OnInfeasible = "raise",
    engine: Engine = "auto",
) -> pd.DataFrame:
    r"""Malmquist–Luenberger productivity index with undesirable outputs (``gtfpch`` conventions).

    With :math:`\beta^s(t)` the DDF of period-t data against the technology of
    period s (direction (0, y, −b)) and :math:`D = 1/(1+\beta)`:

    contemporaneous / sequential (Chung et al. 1997):

    .. math::
        \text{effch} = \frac{1+\beta^t(t)}{1+\beta^{t+1}(t+1)},\quad
        \text{techch} = \left[\frac{1+\beta^{t+1}(t+1)}{1+\beta^{t}(t+1)}\cdot
        \frac{1+\beta^{t+1}(t)}{1+\beta^{t}(t)}\right]^{1/2},\quad
        \text{tfpch} = \text{effch}\cdot\text{techch};

    global (Oh 2010): :math:`\text{tfpch} = (1+\beta^G(t))/(1+\beta^G(t+1))`,
    effch as above with contemporaneous frontiers, and techch = tfpch/effch
    (``gtfpch``'s BPC, best-practice gap change).

    Parameters
    ----------
    panel : balanced long frame; inputs, outputs and bad outputs finite and > 0.
    frontier : "global" (default, always feasible), "contemporaneous" or
        "sequential". Cross-period DDFs of the latter two can be infeasible; the
        error names the DMU and period (``gtfpch`` reports a missing value).
    rts : "crs" (default, as ``gtfpch``) or "vrs".
    bad_disposability : "weak" (default, ``gtfpch``: :math:`B\lambda = (1-\beta)b_o`)
        or "strong" (:math:`B\lambda \le (1-\beta)b_o`, Aparicio et al. 2013).
    on_infeasible : "raise" (default): an infeasible DDF is an error naming DMU,
        period and frontier. "missing": as ``gtfpch``, the index values that need
        it are NaN and a warning lists every infeasible (DMU, period, frontier).

    Returns
    -------
    Frame indexed by (entity, time) from the second period with columns tfpch,
    effch, techch and ``tfp_level`` (cumulative product of tfpch; with
    ``on_infeasible="missing"`` it is NaN from a unit's first missing tfpch on).
    """
    check_option(frontier, FRONTIERS, "frontier")
    check_option(rts, RTS_OPTIONS, "rts")
    check_option(bad_disposability, DISPOSABILITY, "bad_disposability")
    check_option(on_infeasible, ON_INFEASIBLE, "on_infeasible")
    if not inputs or not outputs or not bad_outputs:
        raise ConfigError("Malmquist–Luenberger needs inputs, outputs and bad_outputs")
    cols = (list(inputs), list(outputs), list(bad_outputs))
    pa = panel_arrays(
        panel,
        [*inputs, *outputs, *bad_outputs],
        entity=entity,
        time=time,
        what="Malmquist–Luenberger panel",
    )
    T = len(pa.periods)
    failures: list[str] = []
    opts = {
        "rts": rts,
        "bad_disposability": bad_disposability,
        "engine": engine,
        "on_infeasible": on_infeasible,
        "failures": failures,
    }

    def block(k, ref, evals, name):
        return _ddf_block(pa, cols, ref=ref, evals=evals, ref_name=name, **opts)

    # beta: own frontier; prev/nxt: period t data against frontier t-1 / t+1
    beta, prev, nxt = adjacent_sweep(pa, frontier, block)
    effch = (1 + beta[:-1]) / (1 + beta[1:])
    if frontier == "global":
        g = _ddf_block(pa, cols, ref=range(T), evals=range(T), ref_name="global", **opts)
        bg = np.vstack([g[k] for k in range(T)])
        tfpch = (1 + bg[:-1]) / (1 + bg[1:])
        techch = tfpch / effch
    else:
        techch = np.sqrt(((1 + beta[1:]) / (1 + prev[1:])) * ((1 + nxt[:-1]) / (1 + beta[:-1])))
        tfpch = effch * techch
    if failures:
        warnings.warn(
            f"Malmquist–Luenberger: {len(failures)} infeasible DDF(s), index values set to NaN: "
            + "; ".join(failures),
            stacklevel=2,
        )
    out = {"tfpch": tfpch, "effch": effch, "techch": techch, "tfp_level": np.cumprod(tfpch, 0)}
    return pa.frame(out, entity=entity, time=time, periods=pa.periods[1:])[ML_COLUMNS]


# ----------------------------------------------------------------------------- SBM


@dataclass(frozen=True)
class SBMDetails:
    """SBM efficiency ρ with slacks and peer weights λ (in data units)."""

    efficiency: pd.Series
    lambdas: pd.DataFrame
    slacks: pd.DataFrame  # inputs, outputs, bad outputs


def _sbm_solve(
    X: np.ndarray, Y: np.ndarray, B: np.ndarray, *, rts: RTS, engine: Engine, labels: Sequence
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, m = X.shape
    s, h = Y.shape[1], B.shape[1]
    # variables: t, Λ (n), S⁻ (m), Sᵍ (s), Sᵇ (h); rows: norm, inputs, goods, bads, [vrs]
    nv = 1 + n + m + s + h
    i_l, i_sm, i_sg, i_sb = 1, 1 + n, 1 + n + m, 1 + n + m + s
    rows_x = np.arange(1, 1 + m)
    rows_y = np.arange(1 + m, 1 + m + s)
    rows_b = np.arange(1 + m + s, 1 + m + s + h)
    A = np.zeros((1 + m + s + h + (rts == "vrs"), nv))
    A[0, 0] = 1.0
    A[rows_x, i_l : i_l + n] = -X.T
    A[rows_x, i_sm : i_sm + m] = -np.eye(m)
    A[rows_y, i_l : i_l + n] = -Y.T
    A[rows_y, i_sg : i_sg + s] = np.eye(s)
    A[rows_b, i_l : i_l + n] = -B.T
    A[rows_b, i_sb : i_sb + h] = -np.eye(h)
    if rts == "vrs":
        A[-1, 0], A[-1, i_l : i_l + n] = -1.0, 1.0
    rhs = np.zeros(A.shape[0])
    rhs[0] = 1.0
    c = np.zeros(nv)
    c[0] = 1.0
    lp = LinearProgram(c, A, rhs, rhs, np.zeros(nv), np.full(nv, _INF), engine=engine)
    rho = np.empty(n)
    lambdas = np.empty((n, n))
    slacks = np.empty((n, m + s + h))
    out_cols = np.r_[np.arange(i_sg, i_sg + s), np.arange(i_sb, i_sb + h)]
    for o in range(n):
        lp.set_costs(np.arange(i_sm, i_sm + m), -1.0 / (m * X[o]))
        for col, v in zip(out_cols, np.r_[1.0 / ((s + h) * Y[o]), 1.0 / ((s + h) * B[o])]):
            lp.set_column(int(col), np.array([0]), np.array([v]))
        lp.set_column(0, np.r_[rows_x, rows_y, rows_b], np.r_[X[o], Y[o], B[o]])
        sol = lp.solve()
        if sol.status != "optimal":
            raise EstimationError(f"SBM ({rts}) is {sol.status} for DMU {labels[o]!s}")
        t = sol.z[0]
        rho[o] = sol.objective
        lambdas[o] = sol.z[i_l : i_l + n] / t
        slacks[o] = sol.z[i_sm:] / t
    # values below solver tolerance are zero, never tiny negatives
    lambdas[np.abs(lambdas) <= 1e-10] = 0.0
    slacks[np.abs(slacks) <= 1e-10] = 0.0
    return np.minimum(rho, 1.0), lambdas, slacks


def sbm_details(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    bad_outputs: list[str] | None = None,
    *,
    rts: RTS = "crs",
    engine: Engine = "auto",
) -> SBMDetails:
    r"""Tone's slacks-based measure with undesirable outputs, with slacks and λ.

    .. math::
        \rho^* = \min \frac{1 - \frac1m\sum_i s^-_i/x_{io}}
        {1 + \frac1{s+h}\left(\sum_r s^g_r/y_{ro} + \sum_k s^b_k/b_{ko}\right)}
        \;\text{s.t.}\; x_o = X\lambda + s^-,\; y_o = Y\lambda - s^g,\;
        b_o = B\lambda + s^b,\; \lambda, s \ge 0\;[,\; 1'\lambda = 1]

    solved as a linear programme after the Charnes–Cooper transformation
    (Tone 2001, 2004). Without bad outputs this is Tone's (2001) SBM, equal to
    the enhanced Russell graph measure of Pastor, Ruiz & Sirvent (1999).
    """
    check_option(rts, RTS_OPTIONS, "rts")
    bad_outputs = list(bad_outputs or [])
    if not inputs or not outputs:
        raise ConfigError("SBM needs at least one input and one output column")
    X, Y, B = _frame_arrays(data, [inputs, outputs, bad_outputs], what="SBM data")
    rho, lambdas, slacks = _sbm_solve(X, Y, B, rts=rts, engine=engine, labels=list(data.index))
    return SBMDetails(
        efficiency=pd.Series(rho, index=data.index, name="efficiency"),
        lambdas=pd.DataFrame(lambdas, index=data.index, columns=data.index),
        slacks=pd.DataFrame(slacks, index=data.index, columns=[*inputs, *outputs, *bad_outputs]),
    )


def sbm(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    bad_outputs: list[str] | None = None,
    *,
    rts: RTS = "crs",
    engine: Engine = "auto",
) -> pd.Series:
    """SBM efficiency ρ in (0, 1] of each DMU; see :func:`sbm_details` for the model."""
    return sbm_details(data, inputs, outputs, bad_outputs, rts=rts, engine=engine).efficiency
