"""TOPSIS closeness and equal weights against published worked examples.

* R package mathmodels (Zhang Jingxin), documented example of
  ``topsis(A, w = c(0.6, 0.4), idx = c("+","-"))`` with vector normalisation
  (R CMD check output): 0.0000000 1.0000000 0.3111391 (tol 5e-8).
* Opricovic & Tzeng (2004), "Compromise solution by MCDM methods: a
  comparative analysis of VIKOR and TOPSIS", EJOR 156(2): 445–455, numerical
  example (criterion 1 cost, criterion 2 benefit, equal weights) with linear
  (min–max) normalisation: 0.500, 0.617, 0.500 — the expected values of the
  pymcdm TOPSIS test (tol 5e-4).
* Equal weights: Sałabun, Wątróbski & Shekhovtsov (2020), Symmetry 12(9):
  1549, 5×3 example: 0.333 each (pyrepo-mcda test; tol 5e-4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.index import equal_weights, topsis_closeness

pytestmark = pytest.mark.reference


def test_mathmodels_topsis_vector_normalisation():
    A = pd.DataFrame({"X1": [2.0, 5.0, 3.0], "X2": [8.0, 1.0, 6.0]})
    c = topsis_closeness(
        A, weights={"X1": 0.6, "X2": 0.4}, directions={"X2": -1}, normalize="vector"
    )
    np.testing.assert_allclose(c.to_numpy(), [0.0, 1.0, 0.3111391], atol=5e-8)


def test_opricovic_tzeng_2004_minmax_normalisation():
    A = pd.DataFrame({"f1": [1.0, 2.0, 5.0], "f2": [3000.0, 3750.0, 4500.0]})
    c = topsis_closeness(
        A, weights={"f1": 0.5, "f2": 0.5}, directions={"f1": -1}, normalize="minmax"
    )
    np.testing.assert_allclose(c.to_numpy(), [0.500, 0.617, 0.500], atol=5e-4)


def test_salabun_2020_equal_weights():
    X = pd.DataFrame(
        [
            [0.619, 0.449, 0.447],
            [0.862, 0.466, 0.006],
            [0.458, 0.698, 0.771],
            [0.777, 0.631, 0.491],
            [0.567, 0.992, 0.968],
        ],
        columns=["c1", "c2", "c3"],
    )
    np.testing.assert_allclose(equal_weights(X).to_numpy(), [0.333, 0.333, 0.333], atol=5e-4)
