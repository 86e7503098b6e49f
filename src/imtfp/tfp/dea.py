"""Radial DEA: CCR (CRS) and BCC (VRS) envelopment models, input or output orientation.

Conventions follow DEAP 2.1 (Coelli 1996): efficiency is the Farrell measure in
(0, 1]; for output orientation it is the reciprocal of the maximal radial
expansion factor φ. Slacks and peers come from a second stage that maximises
the sum of slacks at the radial optimum (Ali & Seiford 1993; DEAP's "2-stage").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.options import RTS, Orientation, check_option
from imtfp.tfp._checks import require_columns, require_positive
from imtfp.tfp._lp import Engine, LinearProgram

RTS_OPTIONS = ("crs", "vrs")
ORIENTATIONS = ("input", "output")
_INF = np.inf


class RadialTechnology:
    r"""The DEA technology spanned by reference units, ready to score any unit against it.

    Input orientation (Farrell input efficiency :math:`\theta`):

    .. math::
        \min_{\theta,\lambda} \theta \;\text{s.t.}\; X\lambda \le \theta x_o,\;
        Y\lambda \ge y_o,\; \lambda \ge 0\;[,\; 1'\lambda = 1 \text{ (VRS)}]

    Output orientation: :math:`\max \varphi` s.t. :math:`X\lambda \le x_o,\;
    Y\lambda \ge \varphi y_o`; the reported score is :math:`1/\varphi`.
    Scores of units outside the reference set may exceed 1.
    """

    def __init__(
        self,
        X_ref: np.ndarray,
        Y_ref: np.ndarray,
        *,
        rts: RTS,
        orientation: Orientation,
        engine: Engine = "auto",
    ):
        check_option(rts, RTS_OPTIONS, "rts")
        check_option(orientation, ORIENTATIONS, "orientation")
        X_ref = np.atleast_2d(np.asarray(X_ref, dtype=float))
        Y_ref = np.atleast_2d(np.asarray(Y_ref, dtype=float))
        n, m = X_ref.shape
        s = Y_ref.shape[1]
        self.orientation, self.n, self.m, self.s = orientation, n, m, s
        self._in_rows = np.arange(m)
        self._out_rows = np.arange(m, m + s)
        A = np.zeros((m + s + (rts == "vrs"), 1 + n))
        A[:m, 1:] = X_ref.T
        A[m : m + s, 1:] = Y_ref.T
        if rts == "vrs":
            A[-1, 1:] = 1.0
        row_lo = np.full(A.shape[0], -_INF)
        row_hi = np.full(A.shape[0], _INF)
        if rts == "vrs":
            row_lo[-1] = row_hi[-1] = 1.0
        c = np.zeros(1 + n)
        col_lo = np.r_[-_INF, np.zeros(n)]
        col_hi = np.full(1 + n, _INF)
        # placeholders for the evaluated unit (the reference unit 0) are replaced in score()
        if orientation == "input":
            c[0] = 1.0
            A[:m, 0] = -X_ref[0]
            row_hi[:m] = 0.0
            row_lo[m : m + s] = Y_ref[0]
        else:
            c[0] = -1.0
            A[m : m + s, 0] = -Y_ref[0]
            row_hi[:m] = X_ref[0]
            row_lo[m : m + s] = 0.0
        self._lp = LinearProgram(c, A, row_lo, row_hi, col_lo, col_hi, engine=engine)

    def score(self, x_o: np.ndarray, y_o: np.ndarray) -> tuple[str, float, np.ndarray]:
        """(status, Farrell efficiency, λ) of the unit (x_o, y_o) against this technology."""
        lp = self._lp
        if self.orientation == "input":
            lp.set_column(0, self._in_rows, -np.asarray(x_o, dtype=float))
            lp.set_row_bounds(self._out_rows, np.asarray(y_o, dtype=float), np.full(self.s, _INF))
        else:
            lp.set_row_bounds(self._in_rows, np.full(self.m, -_INF), np.asarray(x_o, dtype=float))
            lp.set_column(0, self._out_rows, -np.asarray(y_o, dtype=float))
        sol = lp.solve()
        if sol.status != "optimal":
            return sol.status, np.nan, sol.z[1:]
        radial = sol.z[0]
        if self.orientation == "output" and radial <= 0:
            return "unbounded", np.nan, sol.z[1:]
        return "optimal", (radial if self.orientation == "input" else 1.0 / radial), sol.z[1:]


def radial_scores(
    X_ref: np.ndarray,
    Y_ref: np.ndarray,
    X_eval: np.ndarray,
    Y_eval: np.ndarray,
    *,
    rts: RTS,
    orientation: Orientation,
    labels: Sequence[str],
    engine: Engine = "auto",
) -> np.ndarray:
    """Farrell scores of each evaluated row against one reference technology.

    ``labels`` name the evaluated rows in the error raised when a programme is
    infeasible or unbounded (e.g. a VRS cross-period comparison).
    """
    tech = RadialTechnology(X_ref, Y_ref, rts=rts, orientation=orientation, engine=engine)
    out = np.empty(len(X_eval))
    for k, (x_o, y_o) in enumerate(zip(X_eval, Y_eval)):
        status, value, _ = tech.score(x_o, y_o)
        if status != "optimal":
            raise EstimationError(
                f"DEA ({rts}, {orientation}) is {status} for {labels[k]}: this unit cannot be "
                "compared with the reference technology"
            )
        out[k] = value
    return out


@dataclass(frozen=True)
class DEADetails:
    """Efficiency with slacks, peer weights (λ) and targets of each DMU."""

    efficiency: pd.Series
    lambdas: pd.DataFrame  # rows: evaluated DMU, columns: reference DMU
    slacks: pd.DataFrame  # columns: inputs then outputs, in data units
    targets: pd.DataFrame  # projected inputs and outputs

    @property
    def peers(self) -> dict[object, list]:
        """DMUs with a positive weight in each DMU's projection (tolerance 1e-9)."""
        return {dmu: list(row.index[row > 1e-9]) for dmu, row in self.lambdas.iterrows()}


def _dea_arrays(
    data: pd.DataFrame, inputs: Sequence[str], outputs: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    if not inputs or not outputs:
        raise ConfigError("DEA needs at least one input and one output column")
    require_columns(data, [*inputs, *outputs], what="DEA data")
    if not data.index.is_unique:
        dup = data.index[data.index.duplicated()].unique().tolist()[:5]
        raise EstimationError(f"DEA data: DMU labels (the index) must be unique; repeated: {dup}")
    where = pd.Series(data.index.astype(str), index=data.index).radd("DMU ")
    require_positive(data[[*inputs, *outputs]], where=where, what="DEA data")
    return data[list(inputs)].to_numpy(float), data[list(outputs)].to_numpy(float)


def dea(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    rts: RTS = "crs",
    orientation: Orientation = "input",
    engine: Engine = "auto",
) -> pd.Series:
    r"""Farrell technical efficiency of each DMU (row of ``data``) in (0, 1].

    Input orientation: :math:`\theta^* = \min\{\theta : X\lambda \le \theta x_o,
    Y\lambda \ge y_o, \lambda \ge 0\}`; output orientation:
    :math:`1/\varphi^*` with :math:`\varphi^* = \max\{\varphi : X\lambda \le x_o,
    Y\lambda \ge \varphi y_o\}` (DEAP 2.1 reports this reciprocal). VRS adds
    :math:`1'\lambda = 1`. Under CRS both orientations give the same score.

    Parameters
    ----------
    data : one row per DMU; the index labels the DMUs (must be unique).
    inputs, outputs : column names; values must be finite and > 0.
    rts : "crs" (CCR) or "vrs" (BCC).
    orientation : "input" or "output".
    engine : "auto" (highspy if installed), "highspy" or "linprog".

    Returns
    -------
    Series named ``efficiency`` indexed like ``data``. Scores are clipped at 1
    (an own-frontier score exceeds 1 only by solver round-off, < 1e-9).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"k": [2.0, 4.0, 3.0], "y": [2.0, 2.0, 3.0]}, index=["A", "B", "C"])
    >>> dea(d, ["k"], ["y"]).round(3).to_dict()  # B uses twice A's input for A's output
    {'A': 1.0, 'B': 0.5, 'C': 1.0}
    """
    check_option(rts, RTS_OPTIONS, "rts")
    check_option(orientation, ORIENTATIONS, "orientation")
    X, Y = _dea_arrays(data, inputs, outputs)
    labels = [f"DMU {label!s}" for label in data.index]
    scores = radial_scores(
        X, Y, X, Y, rts=rts, orientation=orientation, labels=labels, engine=engine
    )
    return pd.Series(np.minimum(scores, 1.0), index=data.index, name="efficiency")


def dea_details(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    rts: RTS = "crs",
    orientation: Orientation = "input",
    engine: Engine = "auto",
) -> DEADetails:
    r"""DEA efficiency plus slacks, peer weights and targets (two-stage method).

    Stage two fixes the radial optimum and maximises the sum of slacks:
    input orientation :math:`X\lambda + s^- = \theta^* x_o,\; Y\lambda - s^+ = y_o`;
    output orientation :math:`X\lambda + s^- = x_o,\; Y\lambda - s^+ = \varphi^* y_o`.
    Targets are :math:`(\theta^* x_o - s^-, y_o + s^+)` (input) or
    :math:`(x_o - s^-, \varphi^* y_o + s^+)` (output). λ are the stage-two weights.
    """
    eff = dea(data, inputs, outputs, rts=rts, orientation=orientation, engine=engine)
    X, Y = _dea_arrays(data, inputs, outputs)
    n, m = X.shape
    s = Y.shape[1]
    # variables: λ (n), s⁻ (m), s⁺ (s); rows: inputs (m), outputs (s), [convexity]
    A = np.zeros((m + s + (rts == "vrs"), n + m + s))
    A[:m, :n] = X.T
    A[:m, n : n + m] = np.eye(m)
    A[m : m + s, :n] = Y.T
    A[m : m + s, n + m :] = -np.eye(s)
    if rts == "vrs":
        A[-1, :n] = 1.0
    rhs = np.ones(A.shape[0])
    c = np.r_[np.zeros(n), -np.ones(m + s)]
    lp = LinearProgram(c, A, rhs, rhs, np.zeros(n + m + s), np.full(n + m + s, _INF), engine=engine)
    rows = np.arange(m + s)
    lambdas = np.empty((n, n))
    slacks = np.empty((n, m + s))
    targets = np.empty((n, m + s))
    for o in range(n):
        theta = eff.iloc[o]
        radial = (theta * X[o], Y[o]) if orientation == "input" else (X[o], Y[o] / theta)
        target = np.concatenate(radial)
        lp.set_row_bounds(rows, target, target)
        sol = lp.solve()
        if sol.status != "optimal":
            raise EstimationError(f"DEA slack stage is {sol.status} for DMU {data.index[o]!s}")
        lambdas[o] = np.where(np.abs(sol.z[:n]) > 1e-10, sol.z[:n], 0.0)
        # slacks below solver tolerance are zero, never negative
        slacks[o] = np.where(sol.z[n:] > 1e-10, sol.z[n:], 0.0)
        targets[o] = target + np.r_[-slacks[o, :m], slacks[o, m:]]
    cols = [*inputs, *outputs]
    return DEADetails(
        efficiency=eff,
        lambdas=pd.DataFrame(lambdas, index=data.index, columns=data.index),
        slacks=pd.DataFrame(slacks, index=data.index, columns=cols),
        targets=pd.DataFrame(targets, index=data.index, columns=cols),
    )
