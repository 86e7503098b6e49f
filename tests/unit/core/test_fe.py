"""The fixed-effects engine against least squares on explicit dummies (an independent oracle)."""

import numpy as np
import pytest

from imtfp.core import fe as fe_mod
from imtfp.core.fe import AbsorbPlan, demean, group_codes, is_nested, singleton_mask
from imtfp.core.vcov import group_sums

pytestmark = pytest.mark.unit


def _dummies(groups):
    return np.column_stack([np.eye(int(g.max()) + 1)[g] for g in groups])


def _oracle(X, groups):
    """Residuals of X on all dummies by lstsq (the definition of M_D X)."""
    D = _dummies(groups)
    return X - D @ np.linalg.lstsq(D, X, rcond=None)[0]


def _unbalanced(seed, n=600, levels=(40, 12, 7)):
    rng = np.random.default_rng(seed)
    groups = [rng.integers(0, L, n) for L in levels]
    X = rng.normal(size=(n, 3)) + groups[0][:, None] * 0.1
    return X, [group_codes(g) for g in groups]


@pytest.mark.parametrize("k_factors", [1, 2, 3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demean_equals_dummy_regression(k_factors, seed):
    X, groups = _unbalanced(seed)
    groups = groups[:k_factors]
    got = demean(X, groups)
    np.testing.assert_allclose(got, _oracle(X, groups), atol=1e-8)


def test_methods_chosen_and_exact():
    E, T = 20, 6
    e, t = np.repeat(np.arange(E), T), np.tile(np.arange(T), E)
    X = np.random.default_rng(3).normal(size=(E * T, 2))
    plan = AbsorbPlan([e, t])
    assert plan.method == "balanced" and plan.rank == E + T - 1
    np.testing.assert_allclose(plan.demean(X), _oracle(X, [e, t]), atol=1e-12)
    keep = np.random.default_rng(4).random(E * T) < 0.7
    plan = AbsorbPlan([group_codes(e[keep]), group_codes(t[keep])])
    assert plan.method == "exact"
    np.testing.assert_allclose(
        plan.demean(X[keep]), _oracle(X[keep], plan_groups(plan)), atol=1e-10
    )


def plan_groups(plan):
    return [f.codes for f in plan.factors]


def test_conjugate_gradient_two_large_factors(monkeypatch):
    monkeypatch.setattr(fe_mod, "EXACT_MAX_LEVELS", 0)
    X, groups = _unbalanced(5)
    plan = AbsorbPlan(groups[:2])
    assert plan.method == "cg"
    np.testing.assert_allclose(plan.demean(X), _oracle(X, groups[:2]), atol=1e-8)


def test_disconnected_sample_rank():
    """Two blocks of entities that never share a period: one more redundant dummy."""
    e = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    t = np.array([0, 1, 0, 1, 2, 3, 2, 3])
    plan = AbsorbPlan([e, t])
    D = _dummies([e, t])
    assert plan.components == 2 and plan.rank == np.linalg.matrix_rank(D) == 6
    X = np.random.default_rng(0).normal(size=(8, 2))
    np.testing.assert_allclose(plan.demean(X), _oracle(X, [e, t]), atol=1e-12)
    assert plan.dof() == np.linalg.matrix_rank(D) - 1  # less the constant


def test_singletons_iterative():
    # entity 2 has one row; dropping it leaves period 2 with one row (entity 1), dropped next
    e = np.array([0, 0, 1, 1, 1, 2])
    t = np.array([0, 1, 0, 1, 2, 3])
    keep = singleton_mask([e, t])
    assert keep.tolist() == [True, True, True, True, False, False]


def test_is_nested_and_codes():
    prov = np.array([3, 3, 1, 1, 7, 7])
    region = np.array([0, 0, 1, 1, 0, 0])
    assert is_nested(prov, region) and not is_nested(region, prov)
    for labels in (prov, prov.astype(str), np.array([10**12, 5, 10**12])):
        np.testing.assert_array_equal(
            group_codes(labels), np.unique(labels, return_inverse=True)[1]
        )


def test_group_sums_by_bincount_equal_an_explicit_loop():
    # the clustered covariance sums scores by bincount; a cluster code may be absent (a zero row)
    rng = np.random.default_rng(9)
    A = rng.normal(size=(200, 3))
    codes = rng.integers(0, 17, 200)
    codes[codes == 4] = 5
    expected = np.array([A[codes == g].sum(axis=0) for g in range(17)])
    np.testing.assert_allclose(group_sums(A, codes), expected, rtol=1e-12)
    np.testing.assert_allclose(group_sums(A[:, 0], codes), expected[:, 0], rtol=1e-12)


def test_nested_third_factor_exact_rank():
    """year is nested in industry^year: the reduced system is singular, the rank says how much."""
    rng = np.random.default_rng(12)
    F, T, I = 60, 6, 4
    firm = np.repeat(np.arange(F), T)
    year = np.tile(np.arange(T), F)
    iy = rng.integers(0, I, F)[firm] * T + year
    keep = rng.random(F * T) < 0.75
    groups = [group_codes(g[keep]) for g in (firm, year, iy)]
    groups = [g[singleton_mask(groups)] for g in groups]
    groups = [group_codes(g) for g in groups]
    plan = AbsorbPlan(groups)
    assert plan.method == "exact"
    assert plan.rank == np.linalg.matrix_rank(_dummies(groups))
    X = rng.normal(size=(len(groups[0]), 2))
    np.testing.assert_allclose(plan.demean(X), _oracle(X, groups), atol=1e-10)
    # fixest's count: every effect's levels less one, no exact redundancy (documented)
    assert plan.dof() == sum(int(g.max()) for g in groups)
