"""Invariants of the Rambachan–Roth sets (published numbers: tests/reference/test_did_honest.py)."""

import numpy as np
import pytest
from scipy import optimize

from imtfp.errors import ConfigError, EstimationError
from imtfp.models.did import honest_intervals, identified_set
from imtfp.models.did.honest import (
    _flci_pieces,
    flci,
    folded_normal_quantile,
    sd_constraints,
    target_weights,
)

pytestmark = pytest.mark.unit


def event_study(num_pre=4, num_post=3, seed=0):
    rng = np.random.default_rng(seed)
    L = rng.normal(size=(num_pre + num_post, num_pre + num_post)) * 0.02
    V = L @ L.T + np.eye(num_pre + num_post) * 1e-4
    b = np.concatenate([rng.normal(0, 0.01, num_pre), 0.05 + rng.normal(0, 0.01, num_post)])
    return b, V


def test_folded_normal_quantile_solves_its_equation():
    from scipy import stats

    for b in (0.0, 0.3, 2.0, 8.0):
        c = float(folded_normal_quantile(0.95, b))
        assert abs(stats.norm.cdf(c - b) - stats.norm.cdf(-c - b) - 0.95) < 1e-12
    assert abs(float(folded_normal_quantile(0.95, 0.0)) - 1.959963984540054) < 1e-12


def test_worst_case_bias_formula_equals_the_linear_programme():
    # HonestDiD's closed form c0 + sum|cumsum w| against max |v'δ| over Δ^SD(1), δ_pre free
    rng = np.random.default_rng(3)
    num_pre, num_post = 4, 3
    for target in ("first", "average", [0.2, 0.5, 0.3]):
        l_vec = target_weights(target, num_post)
        D, _, const, total = _flci_pieces(np.eye(num_pre + num_post), num_pre, l_vec)
        w = rng.normal(size=num_pre)
        w += (total - w.sum()) / num_pre
        v = np.concatenate([D @ w, l_vec])
        A = sd_constraints(num_pre, num_post)
        lp = optimize.linprog(-v, A_ub=A, b_ub=np.ones(A.shape[0]), bounds=(None, None),
                              method="highs")  # fmt: skip
        formula = const + np.abs(np.cumsum(w)).sum()
        assert abs(-lp.fun - formula) < 1e-9


def test_flci_at_m0_is_the_minimum_variance_unbiased_estimator():
    b, V = event_study()
    l_vec = target_weights("first", 3)
    D, (Q, q, q0), _, total = _flci_pieces(V, 4, l_vec)
    K = np.block([[2 * Q, np.ones((4, 1))], [np.ones((1, 4)), np.zeros((1, 1))]])
    w = np.linalg.solve(K, np.concatenate([-q, [total]]))[:4]
    sd = np.sqrt(w @ Q @ w + q @ w + q0)
    center = np.concatenate([D @ w, l_vec]) @ b
    lb, ub, _ = flci(b, V, num_pre=4, num_post=3, M=0.0, l_vec=l_vec, alpha=0.05)
    assert abs(lb - (center - 1.959963984540054 * sd)) < 1e-7
    assert abs(ub - (center + 1.959963984540054 * sd)) < 1e-7


def test_sets_grow_with_m_and_contain_the_identified_set():
    b, V = event_study()
    for restriction, grid in (("relative_magnitude", [0, 0.5, 1, 2]),
                              ("smoothness", [0, 0.005, 0.01, 0.02])):  # fmt: skip
        out = honest_intervals(b, V, num_pre=4, num_post=3, restriction=restriction, M=grid)
        assert (np.diff(out["lb"]) <= 1e-12).all() and (np.diff(out["ub"]) >= -1e-12).all()
        for row in out.itertuples():
            lo, hi = identified_set(b, num_pre=4, num_post=3, restriction=restriction, M=row.M)
            if np.isfinite(lo):
                assert row.lb <= lo and hi <= row.ub


def test_relative_magnitudes_at_zero_identify_the_point():
    b, V = event_study()
    lo, hi = identified_set(b, num_pre=4, num_post=3, restriction="relative_magnitude", M=0.0)
    assert lo == pytest.approx(b[4]) and hi == pytest.approx(b[4])
    lo1, hi1 = identified_set(b, num_pre=4, num_post=3, restriction="relative_magnitude", M=1.0)
    assert lo1 < lo and hi1 > hi


def test_c_lf_covers_the_truth_under_parallel_trends():
    # recovery of a known truth: β = (0_pre, τ) exactly; C-LF sets at M̄ = 1 cover τ_1
    rng = np.random.default_rng(7)
    _, V = event_study(num_pre=3, num_post=2)
    beta = np.array([0, 0, 0, 0.05, 0.08])
    L = np.linalg.cholesky(V)
    hits = 0
    for _ in range(200):
        b = beta + L @ rng.standard_normal(5)
        row = honest_intervals(b, V, num_pre=3, num_post=2, M=[1.0], grid_points=200).iloc[0]
        hits += row.lb <= 0.05 <= row.ub
    assert hits >= 0.9 * 200  # at least 1 − α up to simulation error (binomial sd 1.5 %)


def test_bad_inputs_raise_imtfp_errors():
    b, V = event_study()
    with pytest.raises(ConfigError):
        honest_intervals(b, V, num_pre=4, num_post=3, target=[1.0, 0.0])
    with pytest.raises(ConfigError):
        honest_intervals(b, V, num_pre=4, num_post=3, restriction="linear")
    with pytest.raises(ConfigError):
        honest_intervals(b, V, num_pre=3, num_post=3)
    with pytest.raises(EstimationError):
        honest_intervals(b, -V, num_pre=4, num_post=3)


@pytest.mark.parametrize(("num_pre", "num_post"), [(1, 2), (3, 3), (2, 5), (4, 4)])
def test_paired_rays_equal_the_enumerated_vertices(num_pre, num_post):
    # the closed form for relative-magnitude moments against brute-force basis enumeration
    from imtfp.models.did.honest import _enumerate_vertices, _gamma_basis, cone_rays, rm_constraints

    for l_vec in (np.eye(num_post)[0], np.full(num_post, 1 / num_post)):
        for s in range(-(num_pre - 1), 1):
            for positive in (True, False):
                A = rm_constraints(num_pre, num_post, 1.3, s, positive)
                rows = np.flatnonzero((A[:, num_pre:] != 0).any(axis=1))
                X = (A[:, num_pre:] @ np.linalg.inv(_gamma_basis(l_vec)))[rows, 1:]
                fast = {tuple(np.round(v, 8)) for v in cone_rays(X)}
                slow = {tuple(np.round(v, 8)) for v in _enumerate_vertices(np.ones(rows.size), X)}
                assert fast == slow
