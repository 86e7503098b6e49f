"""Numerical kernels of the spatial panel estimators (numpy/scipy only).

Arrays are laid out period-major: ``y`` is (t, n), a design ``Z`` is (t, n, k), so a spatial lag
is one ``einsum`` over the unit axis and the panel weight matrix :math:`I_T \\otimes W` is never
formed.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from imtfp.errors import EstimationError

#: Grid step and optimiser tolerance of the tabulated log-determinant (Elhorst/LeSage MATLAB
#: code, R SDPDmod): ln|I - rho W| on rho = rmin, rmin + 0.001, ..., read at the grid point at or
#: below rho; R's ``optimize`` stops at tol = eps**0.25.
GRID_STEP = 0.001
R_OPTIMIZE_TOL = np.finfo(float).eps ** 0.25


def lag(W: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Spatial lag of a period-major array: :math:`(I_T \\otimes W)a` for a of shape (t, n, ...)."""
    return np.einsum("ij,tj...->ti...", W, a)


def demean(a: np.ndarray, effects: str) -> np.ndarray:
    """Within transformation of a balanced period-major array (axis 0 time, axis 1 units).

    individual: :math:`a_{it} - \\bar a_{i\\cdot}`; time: :math:`a_{it} - \\bar a_{\\cdot t}`;
    twoways: :math:`a_{it} - \\bar a_{i\\cdot} - \\bar a_{\\cdot t} + \\bar a`.
    """
    if effects == "individual":
        return a - a.mean(axis=0, keepdims=True)
    if effects == "time":
        return a - a.mean(axis=1, keepdims=True)
    if effects == "twoways":
        return (
            a
            - a.mean(axis=0, keepdims=True)
            - a.mean(axis=1, keepdims=True)
            + a.mean(axis=(0, 1), keepdims=True)
        )
    return a


def orthonormal_complement(n: int) -> np.ndarray:
    """:math:`F_n` (n × (n-1)), an orthonormal basis of the vectors orthogonal to ι (the
    eigenvectors of :math:`J_n = I_n - \\iota\\iota'/n` with eigenvalue one; Lee and Yu 2010):
    :math:`F_n'F_n = I`, :math:`F_nF_n' = J_n`.

    The Helmert basis :math:`f_j = (1,\\dots,1,-j,0,\\dots,0)'/\\sqrt{j(j+1)}`, in closed form so
    that it is the same on every machine: estimates do not depend on the basis, but the excess
    kurtosis term of the dynamic model's variance (through diag(G)) does, slightly.
    """
    F = np.zeros((n, n - 1))
    for j in range(1, n):
        F[:j, j - 1] = 1.0
        F[j, j - 1] = -float(j)
        F[:, j - 1] /= np.sqrt(j * (j + 1.0))
    return F


def eigenvalues(W: np.ndarray) -> np.ndarray:
    """Eigenvalues of W (complex in general; real for a W similar to a symmetric matrix)."""
    return np.linalg.eigvals(W)


def rho_bounds(ev: np.ndarray) -> tuple[float, float]:
    """The open interval :math:`(1/\\lambda_{min}, 1/\\lambda_{max})` on which
    :math:`I - \\rho W` stays non-singular (real parts of the eigenvalues)."""
    re = ev.real
    lo = 1.0 / re.min() if re.min() < 0 else -1.0
    hi = 1.0 / re.max()
    return lo, hi


def logdet(rho: float | np.ndarray, ev: np.ndarray) -> np.ndarray:
    """:math:`\\ln|I - \\rho W| = \\sum_i \\ln|1 - \\rho\\lambda_i|` (vectorised over rho)."""
    r = np.atleast_1d(np.asarray(rho, dtype=float))
    return np.log(np.abs(1.0 - r[:, None] * ev[None, :])).sum(axis=1)


class LogDet:
    """The log-determinant term of a spatial likelihood and the interval of its parameter.

    ``method="exact"`` evaluates :math:`\\sum\\ln|1-\\rho\\lambda_i|` at rho.
    ``method="grid"`` reproduces the tabulated version of Elhorst's and LeSage's MATLAB code and
    of R SDPDmod 0.0.6 (``lndetfull``): the table on rmin + k·0.001, rmin = 1/λmin + 0.001,
    rmax = 1/λmax - 0.001, read at the grid point at or below rho.
    """

    def __init__(self, W: np.ndarray, method: str):
        self.ev = eigenvalues(W)
        self.method = method
        lo, hi = rho_bounds(self.ev)
        if method == "grid":
            start, stop = lo + GRID_STEP, hi - GRID_STEP
            count = int(np.floor((stop - start) / GRID_STEP + 1e-10))
            self.grid = start + np.arange(count + 1) * GRID_STEP
            self.table = logdet(self.grid, self.ev)
            self.lo, self.hi = float(self.grid[0]), float(self.grid[-1])
        else:
            span = hi - lo
            self.lo, self.hi = lo + 1e-9 * span, hi - 1e-9 * span

    def __call__(self, rho: float) -> float:
        if self.method == "grid":
            step = self.grid[1] - self.grid[0]
            i1 = np.searchsorted(self.grid, rho + step, side="right") - 1
            i2 = np.searchsorted(self.grid, rho - step, side="right") - 1
            idx = int(np.round((i1 + max(i2, -1)) / 2))
            return float(self.table[min(max(idx, 0), len(self.table) - 1)])
        return float(logdet(rho, self.ev)[0])

    def derivative(self, rho: float) -> float:
        """:math:`d\\ln|I-\\rho W|/d\\rho = -\\sum_i \\mathrm{Re}\\,\\lambda_i/(1-\\rho\\lambda_i)`."""
        return float(-np.sum((self.ev / (1.0 - rho * self.ev)).real))

    def minimize(self, fun, grad=None) -> float:
        """Minimise a function of rho over the interval: Brent's bounded method (with the grid,
        at R's ``optimize`` tolerance, whose evaluations it then repeats); in exact mode the
        minimum is then polished to machine precision by a root of ``grad`` (Brent's method on
        the first-order condition), since a flat objective limits the first step to ~1e-8."""
        tol = R_OPTIMIZE_TOL if self.method == "grid" else 1e-10
        res = minimize_scalar(
            fun, bounds=(self.lo, self.hi), method="bounded", options={"xatol": tol, "maxiter": 500}
        )
        if not np.isfinite(res.x):
            raise EstimationError("the spatial parameter's likelihood could not be maximised")
        x = float(res.x)
        if self.method == "grid" or grad is None:
            return x
        step = 1e-6 * max(1.0, abs(x))
        for _ in range(20):
            lo, hi = max(self.lo, x - step), min(self.hi, x + step)
            if np.sign(grad(lo)) != np.sign(grad(hi)):
                return float(brentq(grad, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps))
            step *= 4
        return x


def near_pd(x: np.ndarray, *, eig_tol=1e-6, conv_tol=1e-7, posd_tol=1e-8, maxit=100):
    """The nearest positive definite matrix by Higham's (2002) alternating projections with
    Dykstra's correction, with the defaults of R ``Matrix::nearPD``.

    Used only to reproduce R SDPDmod, which inverts ``nearPD(SIG)`` in the dynamic model:
    eigenvalues below ``eig_tol`` times the largest are dropped, which changes a badly scaled
    but positive definite information matrix.
    """
    n = x.shape[0]
    X = x.copy()
    dS = np.zeros_like(x)
    for _ in range(maxit):
        Y = X
        R = Y - dS
        d, Q = np.linalg.eigh(R)
        d, Q = d[::-1], Q[:, ::-1]
        keep = d > eig_tol * d[0]
        Qk = Q[:, keep]
        X = (Qk * d[keep]) @ Qk.T
        dS = X - R
        conv = np.abs(Y - X).sum(axis=1).max() / np.abs(Y).sum(axis=1).max()
        if conv <= conv_tol:
            break
    d, Q = np.linalg.eigh(X)
    d, Q = d[::-1], Q[:, ::-1]
    eps = posd_tol * abs(d[0])
    if d[n - 1] < eps:
        d = np.where(d < eps, eps, d)
        diag0 = np.diag(X).copy()
        X = (Q * d) @ Q.T
        D = np.sqrt(np.maximum(eps, diag0) / np.diag(X))
        X = D[:, None] * X * D[None, :]
    return X
