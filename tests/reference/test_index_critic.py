"""CRITIC weights against published worked examples.

* Tuş & Aytaç Adalı (2019), "The new combination with CRITIC and WASPAS
  methods for the time and attendance software selection problem", Opsearch
  56(2): 528–538: weights to 3 decimals, the expected values of the pymcdm
  and pyrepo-mcda test suites. They are obtained with all six criteria
  min–max normalised as benefit-type, which is how the test feeds them.
* R package mathmodels (Zhang Jingxin), documented example of
  ``critic_weight(X, c("+","-"))`` (R CMD check output): w and 100·Σ w z.

Tolerance: half a unit in the last printed digit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.index import composite_index, critic_weights

pytestmark = pytest.mark.reference


def test_tus_aytac_adali_2019():
    X = pd.DataFrame(
        [
            [5000, 3, 3, 4, 3, 2],
            [680, 5, 3, 2, 2, 1],
            [2000, 3, 2, 3, 4, 3],
            [600, 4, 3, 1, 2, 2],
            [800, 2, 4, 3, 3, 4],
        ],
        columns=["price", "c2", "c3", "c4", "c5", "c6"],
    )
    w = critic_weights(X)
    np.testing.assert_allclose(w.to_numpy(), [0.157, 0.249, 0.168, 0.121, 0.154, 0.151], atol=5e-4)


def test_mathmodels_critic_example():
    X = pd.DataFrame({"x1": [3.0, 5.0, 2.0, 7.0], "x2": [10.0, 20.0, 15.0, 25.0]})
    directions = {"x1": 1, "x2": -1}
    w = critic_weights(X, directions=directions)
    np.testing.assert_allclose(w.to_numpy(), [0.5075187, 0.4924813], atol=5e-8)
    s, _ = composite_index(X.assign(year=1), directions, method="critic")
    np.testing.assert_allclose(
        100 * s.to_numpy(), [59.39851, 46.86716, 32.83209, 50.75187], atol=5e-6
    )
