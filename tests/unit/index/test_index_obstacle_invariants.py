"""Invariants of obstacle_degree and subsystem_obstacle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _index_strategies import SETTINGS
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from imtfp.errors import ConfigError, EstimationError
from imtfp.index import obstacle_degree, subsystem_obstacle

pytestmark = pytest.mark.unit


@SETTINGS
@given(
    Z=arrays(np.float64, st.tuples(st.integers(1, 8), st.just(4)), elements=st.floats(0.0, 1.0)),
    w=arrays(np.float64, 4, elements=st.floats(0.01, 1.0)),
)
def test_rows_sum_to_one_or_zero(Z, w):
    Zf = pd.DataFrame(Z, columns=list("abcd"))
    O = obstacle_degree(Zf, dict(zip("abcd", w / w.sum())))
    assert (O >= 0).all().all()
    sums = O.sum(axis=1).to_numpy()
    no_shortfall = (Z == 1.0).all(axis=1)
    np.testing.assert_allclose(sums[~no_shortfall], 1.0, atol=1e-12)
    assert (sums[no_shortfall] == 0).all()
    S = subsystem_obstacle(O, {"first": ["a", "b"], "second": ["c", "d"]})
    np.testing.assert_allclose(S.sum(axis=1), sums, atol=1e-12)


def test_obstacle_formula_on_a_hand_example():
    Z = pd.DataFrame({"a": [0.0, 1.0], "b": [0.5, 0.5]})
    O = obstacle_degree(Z, {"a": 0.75, "b": 0.25})
    # Row 0: shortfalls 0.75·1 and 0.25·0.5 -> 0.75/0.875, 0.125/0.875. Row 1: only b falls short.
    np.testing.assert_allclose(O.to_numpy(), [[0.75 / 0.875, 0.125 / 0.875], [0.0, 1.0]])


def test_obstacle_errors():
    Z = pd.DataFrame({"a": [0.0, 1.2]})
    with pytest.raises(EstimationError, match="'a'"):
        obstacle_degree(Z, {"a": 1.0})
    with pytest.raises(ConfigError, match="missing"):
        obstacle_degree(pd.DataFrame({"a": [0.5], "b": [0.5]}), {"a": 1.0})
    O = pd.DataFrame({"a": [0.5], "b": [0.5]})
    with pytest.raises(ConfigError, match="more than one"):
        subsystem_obstacle(O, {"x": ["a"], "y": ["a", "b"]})
