"""Entropy weights against published worked examples.

Raw-proportion convention (``normalize="none"``): three papers whose printed
weights are also the expected values of the pymcdm / pyrepo-mcda test suites
(kotbaton/pymcdm ``tests/test_weights.py``; energyinformatics/pyrepo-mcda
``tests/test_weighting_methods.py``). Min–max convention: the documented
example of the R package mathmodels (Zhang Jingxin, ``entropy_weight``,
R CMD check output ``mathmodels-Ex.Rout``), which rescales to
[epsilon, 1 - epsilon] with epsilon = 0.002, i.e. ``rescale=(0.002, 0.998)``.

Tolerance: half a unit in the last printed digit of each source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.index import composite_index, entropy_weights

pytestmark = pytest.mark.reference


def _frame(rows: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[f"c{j + 1}" for j in range(len(rows[0]))])


def test_xu_2004_raw_proportions():
    """Xu, X. (2004) EJOR 156(2): 530–532, weights to 4 decimals (tol 5e-5)."""
    X = _frame([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]])
    w = entropy_weights(X, normalize="none")
    np.testing.assert_allclose(w.to_numpy(), [0.4630, 0.3992, 0.1378, 0.0000], atol=5e-5)


def test_zavadskas_podvezko_2016_raw_proportions():
    """Zavadskas & Podvezko (2016) IJITDM 15(2): 267–283, entropy weights to 4 decimals (tol 5e-5).

    The paper's criteria 1 and 3 are costs; entropy of raw proportions has no
    direction, so the weights are the same whatever ``directions`` say.
    """
    X = _frame([[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]])
    expected = [0.1146, 0.1981, 0.4185, 0.2689]
    np.testing.assert_allclose(entropy_weights(X, normalize="none").to_numpy(), expected, atol=5e-5)
    costs = {"c1": -1, "c3": -1}
    np.testing.assert_allclose(
        entropy_weights(X, normalize="none", directions=costs).to_numpy(), expected, atol=5e-5
    )


def test_elsayed_dawood_karthikeyan_2017_raw_proportions():
    """Elsayed, Dawood & Karthikeyan (2017) IJETT 46(2): 60–66, weights to 6 decimals (tol 5e-7)."""
    X = _frame(
        [
            [7, 312, 1891, 6613, 163],
            [72, 88, 728, 941804, 1078],
            [10, 252, 2594, 3466, 117471],
            [10, 145, 980, 2371, 86329],
            [65, 54, 350, 501, 29897],
            [29, 48, 380, 912, 34051],
            [7, 476, 3300, 78470, 2212],
            [70, 87, 650, 733, 819000],
            [4, 86, 591, 3015, 103],
            [12, 79, 579, 3240, 96098],
            [21, 45, 261, 1253, 453],
            [1, 72, 530, 4333, 0.104800],
        ]
    )
    expected = [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]
    np.testing.assert_allclose(entropy_weights(X, normalize="none").to_numpy(), expected, atol=5e-7)


def test_ersoy_2021_raw_proportions():
    """Ersoy (2021) LogForum 17(3), entropy weights to 3 decimals (tol 5e-4)."""
    X = _frame(
        [
            [256, 8, 41, 1.6, 1.77, 7347.16],
            [256, 8, 32, 1.0, 1.8, 6919.99],
            [256, 8, 53, 1.6, 1.9, 8400],
            [256, 8, 41, 1.0, 1.75, 6808.9],
            [512, 8, 35, 1.6, 1.7, 8479.99],
            [256, 4, 35, 1.6, 1.7, 7499.99],
        ]
    )
    expected = [0.405, 0.221, 0.134, 0.199, 0.007, 0.034]
    np.testing.assert_allclose(entropy_weights(X, normalize="none").to_numpy(), expected, atol=5e-4)


# mathmodels example: x1 benefit, x2 cost; printed w to 7 decimals, s (×100) to 5.
MM_X = pd.DataFrame({"x1": [3.0, 5.0, 2.0, 7.0], "x2": [10.0, 20.0, 15.0, 25.0]})
MM_DIRECTIONS = {"x1": 1, "x2": -1}


def test_mathmodels_minmax_weights():
    """mathmodels ``entropy_weight(X, c("+","-"))``: w = 0.5452618, 0.4547382 (tol 5e-8)."""
    w = entropy_weights(MM_X, directions=MM_DIRECTIONS, rescale=(0.002, 0.998))
    np.testing.assert_allclose(w.to_numpy(), [0.5452618, 0.4547382], atol=5e-8)


def test_mathmodels_minmax_scores_through_composite_index():
    """Same example, scores s = 100 Σ w z' = 56.35354 47.88215 30.39461 54.50808 (tol 5e-6)."""
    panel = MM_X.assign(year=2020)
    s, w = composite_index(panel, MM_DIRECTIONS, method="entropy", rescale=(0.002, 0.998))
    np.testing.assert_allclose(
        100 * s.to_numpy(), [56.35354, 47.88215, 30.39461, 54.50808], atol=5e-6
    )
    np.testing.assert_allclose(w["weight"].to_numpy(), [0.5452618, 0.4547382], atol=5e-8)
