"""Invariants of the weighting methods (entropy, CRITIC, PCA, equal)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _index_strategies import SETTINGS, directions_for, indicator_frames, informative
from hypothesis import assume, given
from hypothesis import strategies as st

from imtfp.errors import ConfigError, EstimationError
from imtfp.index import (
    ConstantIndicatorWarning,
    critic_weights,
    entropy_weights,
    equal_weights,
    minmax_normalize,
    pca_components,
    pca_weights,
)

pytestmark = pytest.mark.unit

WEIGHTERS = {
    "entropy": lambda X, d: entropy_weights(X, directions=d),
    "entropy_shifted": lambda X, d: entropy_weights(X, directions=d, rescale=(0.0001, 1.0001)),
    "critic": lambda X, d: critic_weights(X, directions=d),
    "pca": lambda X, d: pca_weights(X, directions=d, variant="first"),
    "pca_variance": lambda X, d: pca_weights(X, directions=d, variant="variance"),
    "equal": lambda X, d: equal_weights(X),
}


def _quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


@pytest.mark.parametrize("name", sorted(WEIGHTERS))
@SETTINGS
@given(data=st.data())
def test_weights_nonnegative_and_sum_to_one(name, data):
    X = data.draw(indicator_frames())
    d = data.draw(directions_for(X.columns))
    assume(informative(X))
    w = _quiet(WEIGHTERS[name], X, d)
    assert list(w.index) == list(X.columns)
    assert np.isfinite(w).all() and (w >= 0).all()
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", sorted(WEIGHTERS))
@SETTINGS
@given(data=st.data())
def test_permuting_rows_and_columns_permutes_weights(name, data):
    X = data.draw(indicator_frames())
    d = data.draw(directions_for(X.columns))
    assume(informative(X))
    if name.startswith("pca"):
        vals, _ = pca_components(X, directions=d)
        # Eigenvectors of (near-)tied eigenvalues are not identified; skip those draws.
        assume(np.all(np.abs(np.diff(vals.to_numpy())) > 1e-3))
    rows = data.draw(st.permutations(range(len(X))))
    cols = data.draw(st.permutations(list(X.columns)))
    w = _quiet(WEIGHTERS[name], X, d)
    w_perm = _quiet(WEIGHTERS[name], X.iloc[list(rows)][cols], d)
    pd.testing.assert_series_equal(w_perm, w[cols], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(WEIGHTERS))
@SETTINGS
@given(data=st.data())
def test_cost_direction_equals_negated_benefit(name, data):
    """Declaring an indicator a cost is the same as negating it and calling it a benefit."""
    X = data.draw(indicator_frames())
    assume(informative(X))
    target = data.draw(st.sampled_from(list(X.columns)))
    w_cost = _quiet(WEIGHTERS[name], X, {target: -1})
    w_neg = _quiet(WEIGHTERS[name], X.assign(**{target: -X[target]}), {})
    pd.testing.assert_series_equal(w_cost, w_neg, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(WEIGHTERS))
def test_constant_column_gets_zero_weight_and_a_warning(name):
    rng = np.random.default_rng(20240601)
    X = pd.DataFrame(rng.uniform(1, 10, size=(8, 3)), columns=["a", "b", "c"]).assign(flat=4.2)
    with pytest.warns(ConstantIndicatorWarning, match="flat"):
        w = WEIGHTERS[name](X, None)
    assert w["flat"] == 0.0
    assert not w.isna().any()
    assert w.sum() == pytest.approx(1.0)


def test_entropy_constant_column_with_zero_lower_bound_is_not_nan():
    """With rescale lo = 0 a constant column is all zeros: 0/0 proportions must not leak a NaN."""
    X = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3.0, 1.0, 2.0], "flat": [0.0, 0.0, 0.0]})
    with pytest.warns(ConstantIndicatorWarning):
        w = entropy_weights(X, rescale=(0.0, 1.0))
    assert w["flat"] == 0.0 and np.isfinite(w).all()


def test_entropy_minmax_matches_a_loop_implementation():
    """Independent scalar implementation of the formula, 0·ln 0 = 0 (rescale (0, 1) has zeros)."""
    X = pd.DataFrame(
        {
            "a": [1.0, 4.0, 2.0, 8.0, 5.0],
            "b": [9.0, 3.0, 3.5, 1.0, 7.0],
            "c": [2.0, 2.5, 2.2, 2.1, 9.0],
        }
    )
    directions = {"b": -1}
    w = entropy_weights(X, directions=directions)
    m = len(X)
    d = {}
    for col in X:
        x = list(X[col])
        lo, hi = min(x), max(x)
        z = [((v - lo) if directions.get(col, 1) > 0 else (hi - v)) / (hi - lo) for v in x]
        total = sum(z)
        e = -sum((p / total) * np.log(p / total) for p in z if p > 0) / np.log(m)
        d[col] = 1 - e
    expected = [d[c] / sum(d.values()) for c in X]
    np.testing.assert_allclose(w.to_numpy(), expected, rtol=1e-12)


def test_entropy_none_rejects_non_positive_values_naming_the_column():
    X = pd.DataFrame({"good": [1.0, 2.0, 3.0], "bad": [1.0, 0.0, 2.0]})
    with pytest.raises(EstimationError, match="bad"):
        entropy_weights(X, normalize="none")


def test_bad_options_and_inputs_are_named():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})
    with pytest.raises(ConfigError, match="'zscore'"):
        entropy_weights(X, normalize="zscore")
    with pytest.raises(ConfigError, match="'middle'"):
        pca_weights(X, variant="middle")
    with pytest.raises(ConfigError, match="'nope'"):
        critic_weights(X, directions={"nope": 1})
    with pytest.raises(ConfigError, match="'a'"):
        entropy_weights(X, directions={"a": 0})
    with pytest.raises(EstimationError, match="'b'"):
        equal_weights(X.assign(b=[1.0, np.nan, 2.0]))
    with pytest.raises(ConfigError, match="lo >= 0"):
        entropy_weights(X, rescale=(-1.0, 1.0))


def test_minmax_normalize_rescales_with_directions():
    X = pd.DataFrame({"up": [0.0, 5.0, 10.0], "down": [0.0, 5.0, 10.0]})
    Z = minmax_normalize(X, directions={"down": -1}, rescale=(0.002, 0.998))
    np.testing.assert_allclose(Z["up"], [0.002, 0.5, 0.998])
    np.testing.assert_allclose(Z["down"], [0.998, 0.5, 0.002])


def test_critic_falls_back_to_contrast_when_there_is_no_conflict():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 4.0, 6.0, 8.0]})
    with pytest.warns(UserWarning, match="no conflict"):
        w = critic_weights(X)
    np.testing.assert_allclose(w.to_numpy(), [0.5, 0.5])


def test_pca_sign_convention_first_component_sums_positive():
    rng = np.random.default_rng(7)
    base = rng.normal(size=40)
    X = pd.DataFrame({f"x{j}": base + 0.3 * rng.normal(size=40) for j in range(4)})
    vals, L = pca_components(X)
    assert (L.sum() >= 0).all()
    assert np.all(np.diff(vals.to_numpy()) <= 0)
    assert vals.sum() == pytest.approx(4.0)
