"""Principal-component weights on the correlation matrix of the indicators."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from imtfp.errors import ConfigError, EstimationError
from imtfp.index._checks import direction_vector, numeric_matrix
from imtfp.index.normalize import constant_mask, minmax_unit, warn_constant
from imtfp.options import PcaVariant, check_option


def pca_components(
    X: pd.DataFrame,
    *,
    directions: Mapping[str, int] | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    r"""Eigen-decomposition of the correlation matrix of the direction-oriented indicators.

    Cost indicators (-1) are reversed first, so that every indicator points
    towards "more developed"; the correlation matrix
    :math:`R = A \Lambda A^\top` is then decomposed, eigenvalues
    :math:`\lambda_1 \ge \dots \ge \lambda_n` (they sum to n) and unit
    eigenvectors :math:`a_{\cdot k}` (the "rotation" of R's ``prcomp(x,
    scale.=TRUE)``, not scaled by :math:`\sqrt{\lambda_k}`).

    Sign convention: an eigenvector is defined up to sign; each one is
    oriented so that its loadings sum to a non-negative number (ties: its
    largest-magnitude loading is positive). With oriented indicators this
    makes the first component increase with development, and the result is
    deterministic.

    Returns
    -------
    eigenvalues : Series indexed "PC1".."PCn"
    loadings : DataFrame, rows the indicators, columns "PC1".."PCn"

    Raises
    ------
    EstimationError
        If an indicator is constant (its correlations are undefined).
    """
    A = numeric_matrix(X, min_rows=2)
    const = constant_mask(A)
    if const.any():
        raise EstimationError(
            f"pca_components: indicator(s) {[str(c) for c in X.columns[const]]} are constant"
        )
    Z = minmax_unit(A, direction_vector(X.columns, directions))
    vals, vecs = _eigen_correlation(Z)
    names = [f"PC{k + 1}" for k in range(len(vals))]
    return (
        pd.Series(vals, index=names, name="eigenvalue"),
        pd.DataFrame(vecs, index=X.columns, columns=names),
    )


def pca_weights(
    X: pd.DataFrame,
    *,
    directions: Mapping[str, int] | None = None,
    variant: PcaVariant = "first",
    n_components: int | None = None,
) -> pd.Series:
    r"""Indicator weights from principal components of the correlation matrix.

    ``variant="first"`` (method ``"pca"``): squared loadings of the first
    component, the convention of the OECD/JRC *Handbook on Constructing
    Composite Indicators* (2008, §6.1),

    .. math:: w_j = a_{j1}^2 \qquad (\textstyle\sum_j a_{j1}^2 = 1).

    Squaring makes the weights independent of the eigenvector's arbitrary sign.

    ``variant="variance"`` (method ``"pca_variance"``): absolute loadings of
    the retained components weighted by their shares of variance,

    .. math::

        \beta_j = \sum_{k=1}^{K} \frac{\lambda_k}{\sum_l \lambda_l} |a_{jk}|,
        \qquad w_j = \frac{\beta_j}{\sum_l \beta_l},

    with K = ``n_components`` or, by default, the number of eigenvalues
    greater than 1 (Kaiser criterion; at least one).

    Constant indicators get weight 0 (with a
    :class:`~imtfp.index.ConstantIndicatorWarning`) and are left out of R.

    Returns
    -------
    Series of weights indexed by the columns of ``X``; non-negative, sum 1.
    """
    check_option(variant, PcaVariant, "variant")
    A = numeric_matrix(X, min_rows=2)
    const = constant_mask(A)
    warn_constant(X.columns, const, method="pca_weights")
    if const.all():
        raise EstimationError("pca_weights: every indicator is constant; weights undefined")
    keep = ~const
    Z = minmax_unit(A, direction_vector(X.columns, directions))[:, keep]
    vals, vecs = _eigen_correlation(Z)
    if variant == "first":
        beta = vecs[:, 0] ** 2
    else:
        K = _n_retained(vals, n_components)
        share = vals[:K] / vals.sum()
        beta = np.abs(vecs[:, :K]) @ share
    w = np.zeros(A.shape[1])
    w[keep] = beta / beta.sum()
    return pd.Series(w, index=X.columns, name="weight")


def _n_retained(vals: np.ndarray, n_components: int | None) -> int:
    if n_components is None:
        return max(1, int((vals > 1.0).sum()))
    if not (isinstance(n_components, int | np.integer) and 1 <= n_components <= len(vals)):
        raise ConfigError(f"n_components={n_components!r} must be an integer in 1..{len(vals)}")
    return int(n_components)


def _eigen_correlation(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending, clipped at 0) and sign-fixed eigenvectors of corr(Z)."""
    if Z.shape[1] == 1:
        return np.ones(1), np.ones((1, 1))
    R = np.corrcoef(Z, rowvar=False)
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(-vals, kind="stable")
    vals, vecs = np.clip(vals[order], 0.0, None), vecs[:, order]
    for k in range(vecs.shape[1]):
        total = vecs[:, k].sum()
        if abs(total) > 1e-12:
            sign = np.sign(total)
        else:
            sign = np.sign(vecs[np.argmax(np.abs(vecs[:, k])), k])
        vecs[:, k] *= sign
    return vals, vecs
