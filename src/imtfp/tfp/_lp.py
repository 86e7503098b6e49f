"""A re-solvable linear programme: HiGHS through ``highspy`` or ``scipy.optimize.linprog``.

DEA solves thousands of tiny LPs that differ only in a few coefficients (the
evaluated unit's inputs and outputs). With ``highspy`` one HiGHS model is built
per reference technology and only those coefficients and row bounds change
between solves, so HiGHS warm-starts from the previous basis. The ``linprog``
engine rebuilds and solves the programme from scratch on every call (the
obvious implementation, kept as fallback and as the benchmark baseline). Both
call the HiGHS dual simplex.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import Literal

import numpy as np

from imtfp.options import LPEngine as Engine
from imtfp.options import LPStatus as Status
from imtfp.options import check_option

ENGINES = ("auto", "highspy", "linprog")

try:  # optional fast path; scipy's linprog is always available
    import highspy

    _HAVE_HIGHSPY = True
except ImportError:  # pragma: no cover - exercised only without highspy
    _HAVE_HIGHSPY = False


def resolve_engine(engine: Engine) -> Literal["highspy", "linprog"]:
    """``auto`` means highspy when installed, else linprog."""
    check_option(engine, ENGINES, "engine")
    if engine == "auto":
        return "highspy" if _HAVE_HIGHSPY else "linprog"
    if engine == "highspy" and not _HAVE_HIGHSPY:
        raise ImportError("engine='highspy' needs the highspy package (pip install highspy)")
    return engine


@dataclass(frozen=True)
class LPSolution:
    status: Status
    z: np.ndarray
    objective: float


class LinearProgram:
    """min c'z  s.t.  row_lo <= A z <= row_hi,  col_lo <= z <= col_hi.

    Coefficients of single columns, row bounds and costs can be changed between
    calls to :meth:`solve`. Infinite bounds are ``±np.inf``.
    """

    def __init__(
        self,
        c: np.ndarray,
        A: np.ndarray,
        row_lo: np.ndarray,
        row_hi: np.ndarray,
        col_lo: np.ndarray,
        col_hi: np.ndarray,
        *,
        engine: Engine = "auto",
    ):
        self.engine = resolve_engine(engine)
        self.c = np.array(c, dtype=float)
        self.A = np.array(A, dtype=float)
        self.row_lo = np.array(row_lo, dtype=float)
        self.row_hi = np.array(row_hi, dtype=float)
        self.col_lo = np.array(col_lo, dtype=float)
        self.col_hi = np.array(col_hi, dtype=float)
        if self.engine == "highspy":
            self._h = _highs_model(
                self.c, self.A, self.row_lo, self.row_hi, self.col_lo, self.col_hi
            )

    def set_column(self, col: int, rows: np.ndarray, values: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int32)
        values = np.asarray(values, dtype=float)
        self.A[rows, col] = values
        if self.engine == "highspy":
            for r, v in zip(rows.tolist(), values.tolist()):
                self._h.changeCoeff(r, col, v)

    def set_row_bounds(self, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int32)
        self.row_lo[rows] = lo
        self.row_hi[rows] = hi
        if self.engine == "highspy":
            self._h.changeRowsBounds(rows.size, rows, self.row_lo[rows], self.row_hi[rows])

    def set_costs(self, cols: np.ndarray, values: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        self.c[cols] = values
        if self.engine == "highspy":
            self._h.changeColsCost(cols.size, cols, self.c[cols])

    def solve(self) -> LPSolution:
        if self.engine == "highspy":
            return self._solve_highspy()
        return self._solve_linprog()

    def _solve_highspy(self) -> LPSolution:
        h = self._h
        h.run()
        status = h.getModelStatus()
        ms = highspy.HighsModelStatus
        if status == ms.kOptimal:
            z = np.array(h.getSolution().col_value)
            return LPSolution("optimal", z, float(h.getInfo().objective_function_value))
        if status == ms.kInfeasible:
            return LPSolution("infeasible", np.full(self.c.size, np.nan), np.nan)
        if status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
            return LPSolution("unbounded", np.full(self.c.size, np.nan), np.nan)
        return LPSolution("error", np.full(self.c.size, np.nan), np.nan)

    def _solve_linprog(self) -> LPSolution:
        eq = self.row_lo == self.row_hi
        ub = ~eq & np.isfinite(self.row_hi)
        lb = ~eq & np.isfinite(self.row_lo)
        A_ub = np.vstack([self.A[ub], -self.A[lb]])
        b_ub = np.concatenate([self.row_hi[ub], -self.row_lo[lb]])
        bounds = [
            (None if np.isinf(lo) else lo, None if np.isinf(hi) else hi)
            for lo, hi in zip(self.col_lo, self.col_hi)
        ]
        from scipy.optimize import linprog  # lazy: HiGHS (highspy) is the default engine

        res = linprog(
            self.c,
            A_ub=A_ub if A_ub.size else None,
            b_ub=b_ub if A_ub.size else None,
            A_eq=self.A[eq] if eq.any() else None,
            b_eq=self.row_lo[eq] if eq.any() else None,
            bounds=bounds,
            method="highs",
        )
        status = {0: "optimal", 2: "infeasible", 3: "unbounded"}.get(res.status, "error")
        if status != "optimal":
            return LPSolution(status, np.full(self.c.size, np.nan), np.nan)
        return LPSolution("optimal", np.asarray(res.x, dtype=float), float(res.fun))


_banner_suppressed = False


@contextlib.contextmanager
def _stdout_to_devnull():
    """Send file descriptor 1 to /dev/null: HiGHS writes its banner from C++, past sys.stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _new_highs():
    """A silent HiGHS instance.

    The first ``highspy.Highs()`` of a process prints a copyright banner to
    stdout before any option can be set; it would interleave with a
    pipeline's or a notebook's output, so the first construction runs with
    stdout sent to /dev/null (later ones print nothing).
    """
    global _banner_suppressed
    if _banner_suppressed:
        h = highspy.Highs()
    else:
        with _stdout_to_devnull():
            h = highspy.Highs()
        _banner_suppressed = True
    h.setOptionValue("output_flag", False)
    return h


def _highs_model(c, A, row_lo, row_hi, col_lo, col_hi):
    h = _new_highs()
    lp = highspy.HighsLp()
    n_row, n_col = A.shape
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = c
    lp.col_lower_ = col_lo
    lp.col_upper_ = col_hi
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    # column-wise sparse storage of the nonzeros; later changeCoeff calls may add entries
    mask = A != 0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(mask.sum(axis=0))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(mask.T)[1].astype(np.int32)
    lp.a_matrix_.value_ = A.T[mask.T]
    h.passModel(lp)
    return h
