"""imtfp.core.ols against numpy's lstsq and between its single/batched/moment forms."""

import numpy as np
import pytest

from imtfp.core.ols import coefficients_from_moments, ols, ols_batch, solve_normal_batch
from imtfp.errors import EstimationError

pytestmark = pytest.mark.unit


def _data(seed=0, n=50, k=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    return X, X @ np.arange(1, k + 1) + rng.normal(size=n)


def test_ols_matches_lstsq():
    X, y = _data()
    fit = ols(X, y)
    np.testing.assert_allclose(fit.beta, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-12)
    np.testing.assert_allclose(X.T @ fit.resid, 0, atol=1e-10)  # normal equations


def test_ols_multiple_responses():
    X, y = _data()
    Y = np.column_stack([y, 2 * y + 1])
    fit = ols(X, Y)
    np.testing.assert_allclose(fit.beta[:, 1], ols(X, 2 * y + 1).beta, rtol=1e-12)


def test_ols_rank_deficient_raises():
    X, y = _data()
    with pytest.raises(EstimationError, match="collinear"):
        ols(np.column_stack([X, X[:, 0] * 2]), y)


def test_ols_too_few_rows():
    X, y = _data(n=3, k=3)
    with pytest.raises(EstimationError):
        ols(X, y)


def test_batch_equals_loop():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4, 30, 2))
    y = rng.normal(size=(4, 30))
    beta, resid = ols_batch(X, y)
    for b in range(4):
        ref = ols(X[b], y[b])
        np.testing.assert_allclose(beta[b], ref.beta, rtol=1e-12)
        np.testing.assert_allclose(resid[b], ref.resid, atol=1e-12)


def test_coefficients_from_moments():
    X, y = _data(k=2)
    W = np.column_stack([y, X])
    S = W.T @ W
    np.testing.assert_allclose(coefficients_from_moments(S, 0, [1, 2]), ols(X, y).beta, rtol=1e-10)
    np.testing.assert_allclose(
        solve_normal_batch(np.eye(2)[None], np.ones((1, 2))), np.ones((1, 2))
    )
