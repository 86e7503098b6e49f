"""Invariants of composite_index and topsis_closeness."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _index_strategies import SETTINGS, directions_for, indicator_frames, informative
from hypothesis import assume, given
from hypothesis import strategies as st

from imtfp.errors import ConfigError, MissingColumnError
from imtfp.index import METHODS, composite_index, topsis_closeness

pytestmark = pytest.mark.unit


def _index(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return composite_index(*args, **kwargs)


@pytest.mark.parametrize("method", METHODS)
@SETTINGS
@given(data=st.data())
def test_scores_lie_in_rescale_range(method, data):
    X = data.draw(indicator_frames(min_rows=4))
    assume(informative(X))
    d = data.draw(directions_for(X.columns))
    lo = data.draw(st.sampled_from([0.0, 0.0001, 0.002, 0.3]))
    hi = data.draw(st.sampled_from([0.7, 0.998, 1.0]))
    s, w = _index(X.assign(year=2020), d, method=method, rescale=(lo, hi))
    assert s.index.equals(X.index)
    assert ((s >= lo) & (s <= hi)).all()
    assert w["weight"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("method", METHODS)
@SETTINGS
@given(data=st.data())
def test_row_permutation_permutes_scores(method, data):
    X = data.draw(indicator_frames(min_rows=4))
    assume(informative(X))
    d = data.draw(directions_for(X.columns))
    rows = list(data.draw(st.permutations(range(len(X)))))
    s, _ = _index(X, d, method=method)
    s_perm, _ = _index(X.iloc[rows], d, method=method)
    if method.startswith("pca"):
        from imtfp.index import pca_components

        vals, _ = pca_components(X, directions=d)
        assume(np.all(np.abs(np.diff(vals.to_numpy())) > 1e-3))
    pd.testing.assert_series_equal(s_perm, s.iloc[rows], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
@SETTINGS
@given(data=st.data())
def test_cost_declaration_is_negated_benefit(method, data):
    X = data.draw(indicator_frames(min_rows=4))
    assume(informative(X))
    target = data.draw(st.sampled_from(list(X.columns)))
    dirs = dict.fromkeys(X.columns, 1)
    s_cost, _ = _index(X, {**dirs, target: -1}, method=method)
    s_neg, _ = _index(X.assign(**{target: -X[target]}), dirs, method=method)
    np.testing.assert_allclose(s_cost.to_numpy(), s_neg.to_numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("direction", [1, -1])
@SETTINGS
@given(data=st.data())
def test_raising_an_indicator_moves_the_index_with_its_direction(direction, data):
    """Equal weights (fixed by the data's constancy only): raising x_ij inside its range raises a
    benefit index and lowers a cost index; min and max are untouched so nothing else changes."""
    X = data.draw(indicator_frames(min_rows=4))
    assume(informative(X))
    col = X.columns[0]
    x = X[col]
    inner = [i for i in range(len(X)) if x.min() < x.iloc[i] < x.max()]
    assume(inner)
    i = data.draw(st.sampled_from(inner))
    bump = (x.max() - x.iloc[i]) / 2
    assume(bump > 1e-6)
    dirs = {**dict.fromkeys(X.columns, 1), col: direction}
    s0, _ = _index(X, dirs, method="equal")
    X1 = X.copy()
    X1.iloc[i, 0] = x.iloc[i] + bump
    s1, _ = _index(X1, dirs, method="equal")
    assert np.sign(s1.iloc[i] - s0.iloc[i]) == direction
    others = [r for r in range(len(X)) if r != i]
    np.testing.assert_allclose(s1.iloc[others], s0.iloc[others], rtol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_per_year_equals_global_within_each_year(method):
    rng = np.random.default_rng(11)
    panel = pd.DataFrame(
        {
            "year": np.repeat([2019, 2020, 2021], 6),
            "a": rng.uniform(1, 9, 18),
            "b": rng.uniform(1, 9, 18),
            "c": rng.uniform(1, 9, 18),
        }
    )
    dirs = {"a": 1, "b": -1, "c": 1}
    s, w = _index(panel, dirs, method=method, scheme="per_year")
    assert list(w.columns) == ["year", "indicator", "weight"]
    assert sorted(w["year"].unique()) == [2019, 2020, 2021]
    for year, block in panel.groupby("year"):
        s_y, w_y = _index(block, dirs, method=method, scheme="global")
        np.testing.assert_allclose(s[block.index], s_y, rtol=1e-12)
        np.testing.assert_allclose(w.loc[w["year"] == year, "weight"], w_y["weight"], rtol=1e-12)
    _, w_g = _index(panel, dirs, method=method)
    assert list(w_g.columns) == ["indicator", "weight"]


def test_composite_index_option_errors_name_the_value():
    panel = pd.DataFrame({"year": [1, 1, 1], "a": [1.0, 2.0, 3.0]})
    with pytest.raises(ConfigError, match="'magic'"):
        composite_index(panel, {"a": 1}, method="magic")
    with pytest.raises(ConfigError, match="'by_decade'"):
        composite_index(panel, {"a": 1}, scheme="by_decade")
    with pytest.raises(MissingColumnError, match="'zz'"):
        composite_index(panel, {"zz": 1})
    with pytest.raises(ConfigError, match="rescale"):
        composite_index(panel, {"a": 1}, rescale=(1.0, 0.0))


@SETTINGS
@given(data=st.data())
def test_topsis_closeness_in_unit_interval_and_dominance(data):
    X = data.draw(indicator_frames(positive=True))
    d = data.draw(directions_for(X.columns))
    norm = data.draw(st.sampled_from(["vector", "minmax"]))
    # Add a row that dominates every other on every indicator and one dominated by all.
    best = {c: (X[c].max() + 1 if d[c] > 0 else X[c].min() / 2) for c in X}
    worst = {c: (X[c].min() / 2 if d[c] > 0 else X[c].max() + 1) for c in X}
    Xx = pd.concat([X, pd.DataFrame([best, worst], index=["best", "worst"])])
    c = topsis_closeness(Xx, directions=d, normalize=norm)
    assert ((c >= 0) & (c <= 1)).all()
    assert c["best"] == pytest.approx(1.0) and c["worst"] == pytest.approx(0.0)


def test_topsis_weights_must_match_indicators():
    X = pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]})
    with pytest.raises(ConfigError, match="missing"):
        topsis_closeness(X, weights={"a": 1.0})
    with pytest.raises(ConfigError, match="'median'"):
        topsis_closeness(X, normalize="median")
