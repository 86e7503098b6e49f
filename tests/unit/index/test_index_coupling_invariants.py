"""Invariants of coupling_coordination, coordination_level and relative_development."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _index_strategies import SETTINGS
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from imtfp.errors import ConfigError, EstimationError
from imtfp.index import (
    LEVELS_EN,
    LEVELS_ZH,
    coordination_level,
    coupling_coordination,
    relative_development,
)

pytestmark = pytest.mark.unit

FORMULAS = ["classic", "corrected"]


@st.composite
def subsystem_scores(draw, *, max_n=5):
    n = draw(st.integers(2, max_n))
    m = draw(st.integers(1, 10))
    unit = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0, allow_nan=False))
    A = draw(arrays(np.float64, (m, n), elements=unit))
    return pd.DataFrame(A, columns=[f"U{k}" for k in range(n)])


@pytest.mark.parametrize("formula", FORMULAS)
@SETTINGS
@given(U=subsystem_scores())
def test_c_t_d_lie_in_unit_interval(formula, U):
    out = coupling_coordination(U, formula=formula)
    assert list(out.columns) == ["C", "T", "D", "level", "level_en"]
    assert out.index.equals(U.index)
    for col in ("C", "T", "D"):
        assert ((out[col] >= 0) & (out[col] <= 1)).all(), col
    np.testing.assert_allclose(out["D"], np.sqrt(out["C"] * out["T"]), atol=1e-15)
    np.testing.assert_allclose(out["T"], U.mean(axis=1), atol=1e-15)


@pytest.mark.parametrize("formula", FORMULAS)
@SETTINGS
@given(n=st.integers(2, 6), u=st.floats(0.0, 1.0), m=st.integers(1, 4))
def test_c_is_one_when_all_subsystems_equal(formula, n, u, m):
    U = pd.DataFrame(np.full((m, n), u), columns=[f"U{k}" for k in range(n)])
    out = coupling_coordination(U, formula=formula)
    np.testing.assert_allclose(out["C"], 1.0, atol=1e-12)
    np.testing.assert_allclose(out["D"], np.sqrt(u), atol=1e-12)


@pytest.mark.parametrize("formula", FORMULAS)
def test_some_zero_subsystem_gives_zero_coupling(formula):
    out = coupling_coordination(pd.DataFrame({"a": [0.0], "b": [0.5], "c": [0.9]}), formula=formula)
    assert out["C"].iloc[0] == 0.0 and out["D"].iloc[0] == 0.0
    assert out["level"].iloc[0] == "极度失调"


@pytest.mark.parametrize("formula", FORMULAS)
@SETTINGS
@given(U=subsystem_scores(), data=st.data())
def test_permuting_subsystems_leaves_c_unchanged(formula, U, data):
    cols = list(data.draw(st.permutations(list(U.columns))))
    a = coupling_coordination(U, formula=formula)
    b = coupling_coordination(U[cols], formula=formula)
    np.testing.assert_allclose(a["C"], b["C"], atol=1e-12)


def test_corrected_is_stricter_than_classic_for_unequal_pairs():
    """Wang et al. (2021): the classic C crowds near 1; the corrected C is lower for unequal U."""
    U = pd.DataFrame({"a": [0.2, 0.5, 0.9], "b": [0.3, 0.6, 0.4]})
    classic = coupling_coordination(U)["C"]
    corrected = coupling_coordination(U, formula="corrected")["C"]
    assert (corrected < classic).all()


def test_values_outside_unit_interval_name_the_column():
    with pytest.raises(EstimationError, match="'industry'"):
        coupling_coordination(pd.DataFrame({"technology": [0.2], "industry": [1.0001]}))
    with pytest.raises(EstimationError, match="'factors'"):
        coupling_coordination(pd.DataFrame({"factors": [np.nan], "industry": [0.5]}))
    with pytest.raises(EstimationError, match="at least two"):
        coupling_coordination(pd.DataFrame({"only": [0.5]}))
    with pytest.raises(ConfigError, match="'cubic'"):
        coupling_coordination(pd.DataFrame({"a": [0.5], "b": [0.5]}), formula="cubic")
    with pytest.raises(ConfigError, match="summing to 1"):
        coupling_coordination(pd.DataFrame({"a": [0.5], "b": [0.5]}), weights=[0.7, 0.7])


def test_level_bands_and_edges():
    D = [0.0, 0.0999, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0]
    zh, en = coordination_level(D)
    expected_band = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]
    assert list(zh) == [LEVELS_ZH[k] for k in expected_band]
    assert list(en) == [LEVELS_EN[k] for k in expected_band]
    assert LEVELS_ZH[3] == "轻度失调" and LEVELS_EN[9] == "high-quality coordination"
    with pytest.raises(EstimationError):
        coordination_level([1.2])


def test_relative_development_lag_types():
    U = pd.DataFrame(
        {"technology": [0.2, 0.5, 0.6, 0.0, 0.3], "industry": [0.5, 0.52, 0.3, 0.0, 0.0]}
    )
    rd = relative_development(U, "technology", "industry")
    np.testing.assert_allclose(rd["E"].iloc[:4], [0.4, 0.5 / 0.52, 2.0, 1.0])
    assert rd["E"].iloc[4] == np.inf
    assert list(rd["lag_type"]) == [
        "technology lagging", "synchronous", "industry lagging", "synchronous", "industry lagging",
    ]  # fmt: skip
    with pytest.raises(ConfigError, match="thresholds"):
        relative_development(U, "technology", "industry", thresholds=(1.2, 1.5))
    with pytest.raises(ConfigError, match="'factors'"):
        relative_development(U, "factors", "industry")
