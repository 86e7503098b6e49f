"""Least squares on (already partialled) data, single and batched.

The multiverse engine fits thousands of small regressions that share one
design layout; the batched functions take a leading batch axis so that one
``np.linalg.solve`` call does them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imtfp.errors import EstimationError


@dataclass(frozen=True)
class OLSFit:
    """Result of :func:`ols`.

    Attributes
    ----------
    beta : (k,) or (k, m) coefficients
    resid : (n,) or (n, m) residuals
    xtx_inv : (k, k) :math:`(X'X)^{-1}`
    nobs, k : sample size and number of columns of ``X``
    """

    beta: np.ndarray
    resid: np.ndarray
    xtx_inv: np.ndarray
    nobs: int
    k: int


def ols(X: np.ndarray, y: np.ndarray, *, rcond: float = 1e-12) -> OLSFit:
    """Ordinary least squares :math:`\\hat\\beta = (X'X)^{-1}X'y`.

    ``y`` may have several columns (one fit per column, same ``X``), which is
    how the bootstraps fit many dependent variables at once.

    Raises
    ------
    EstimationError
        If ``X`` is rank deficient (relative singular value below ``rcond``),
        e.g. a regressor absorbed by the fixed effects.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2:
        raise EstimationError("X must be 2-dimensional")
    n, k = X.shape
    if y.shape[0] != n:
        raise EstimationError(f"X has {n} rows but y has {y.shape[0]}")
    if n <= k:
        raise EstimationError(f"{n} observations cannot identify {k} coefficients")
    sv = np.linalg.svd(X, compute_uv=False)
    if k and (sv[-1] <= rcond * sv[0] or sv[0] == 0):
        raise EstimationError(
            "the regressors are collinear (after partialling out fixed effects); "
            "a variable is constant within the absorbed groups or duplicates another"
        )
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ (X.T @ y)
    resid = y - X @ beta
    return OLSFit(beta=beta, resid=resid, xtx_inv=xtx_inv, nobs=n, k=k)


def solve_normal_batch(xtx: np.ndarray, xty: np.ndarray) -> np.ndarray:
    """Solve a batch of normal equations :math:`(X_b'X_b)\\beta_b = X_b'y_b`.

    Parameters
    ----------
    xtx : (..., k, k)
    xty : (..., k) or (..., k, m)
    """
    xtx = np.asarray(xtx, dtype=float)
    xty = np.asarray(xty, dtype=float)
    vec = xty.ndim == xtx.ndim - 1
    rhs = xty[..., None] if vec else xty
    out = np.linalg.solve(xtx, rhs)
    return out[..., 0] if vec else out


def ols_batch(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched OLS over a leading axis.

    Parameters
    ----------
    X : (B, n, k) designs
    y : (B, n) or (n,) responses (broadcast over the batch)

    Returns
    -------
    beta : (B, k)
    resid : (B, n)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = np.broadcast_to(y, X.shape[:2])
    xtx = np.einsum("bnk,bnl->bkl", X, X)
    xty = np.einsum("bnk,bn->bk", X, y)
    beta = solve_normal_batch(xtx, xty)
    resid = y - np.einsum("bnk,bk->bn", X, beta)
    return beta, resid


def coefficients_from_moments(
    S: np.ndarray, dep: int, regressors: list[int] | np.ndarray
) -> np.ndarray:
    """OLS coefficients from (batched) cross-product matrices.

    With :math:`S = W'W` for the stacked, partialled data :math:`W`, the
    regression of column ``dep`` on columns ``regressors`` has
    :math:`\\hat\\beta = S_{rr}^{-1} S_{r,dep}`.

    Parameters
    ----------
    S : (..., p, p) cross-product matrices
    """
    r = np.asarray(regressors, dtype=np.intp)
    return solve_normal_batch(S[..., r[:, None], r[None, :]], S[..., r, dep])
