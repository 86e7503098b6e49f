"""PCA loadings and weights against published output.

* USArrests (R ``datasets``; 50 states × Murder, Assault, UrbanPop, Rape):
  ``prcomp(USArrests, scale = TRUE)`` as printed in James, Witten, Hastie &
  Tibshirani (2013), *An Introduction to Statistical Learning*, §10.4 lab
  (p. 401–403): rotation (7 significant digits) and sdev. Loadings of R are
  unit eigenvectors of the correlation matrix, our convention too; eigenvectors
  are defined up to sign, and ours are oriented so that their loadings sum to
  a non-negative number, so the expected matrix is R's times that sign.
  Tolerance 1e-6 (last printed digit).
* The PCA weights are then the published loadings put through the documented
  formulas (squared first loadings; variance-share–weighted absolute loadings).
* iris rows 1–10 with directions (+, +, -, -): eigenvalues 2.7523578,
  0.6296417 and variance shares 0.6880895, 0.1574104 printed by the R package
  mathmodels (``pca_weight`` example, R CMD check output); reversing cost
  indicators does not change eigenvalues. Tolerance 5e-8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.index import composite_index, pca_components, pca_weights

pytestmark = pytest.mark.reference

# fmt: off
USARRESTS = pd.DataFrame(
    [
        [13.2, 236, 58, 21.2], [10.0, 263, 48, 44.5], [8.1, 294, 80, 31.0], [8.8, 190, 50, 19.5],
        [9.0, 276, 91, 40.6], [7.9, 204, 78, 38.7], [3.3, 110, 77, 11.1], [5.9, 238, 72, 15.8],
        [15.4, 335, 80, 31.9], [17.4, 211, 60, 25.8], [5.3, 46, 83, 20.2], [2.6, 120, 54, 14.2],
        [10.4, 249, 83, 24.0], [7.2, 113, 65, 21.0], [2.2, 56, 57, 11.3], [6.0, 115, 66, 18.0],
        [9.7, 109, 52, 16.3], [15.4, 249, 66, 22.2], [2.1, 83, 51, 7.8], [11.3, 300, 67, 27.8],
        [4.4, 149, 85, 16.3], [12.1, 255, 74, 35.1], [2.7, 72, 66, 14.9], [16.1, 259, 44, 17.1],
        [9.0, 178, 70, 28.2], [6.0, 109, 53, 16.4], [4.3, 102, 62, 16.5], [12.2, 252, 81, 46.0],
        [2.1, 57, 56, 9.5], [7.4, 159, 89, 18.8], [11.4, 285, 70, 32.1], [11.1, 254, 86, 26.1],
        [13.0, 337, 45, 16.1], [0.8, 45, 44, 7.3], [7.3, 120, 75, 21.4], [6.6, 151, 68, 20.0],
        [4.9, 159, 67, 29.3], [6.3, 106, 72, 14.9], [3.4, 174, 87, 8.3], [14.4, 279, 48, 22.5],
        [3.8, 86, 45, 12.8], [13.2, 188, 59, 26.9], [12.7, 201, 80, 25.5], [3.2, 120, 80, 22.9],
        [2.2, 48, 32, 11.2], [8.5, 156, 63, 20.7], [4.0, 145, 73, 26.2], [5.7, 81, 39, 9.3],
        [2.6, 53, 66, 10.8], [6.8, 161, 60, 15.6],
    ],
    columns=["Murder", "Assault", "UrbanPop", "Rape"],
)
ISLR_ROTATION = np.array([
    [-0.5358995, 0.4181809, -0.3412327, 0.64922780],
    [-0.5831836, 0.1879856, -0.2681484, -0.74340748],
    [-0.2781909, -0.8728062, -0.3780158, 0.13387773],
    [-0.5434321, -0.1673186, 0.8177779, 0.08902432],
])
ISLR_SDEV = np.array([1.5748783, 0.9948694, 0.5971291, 0.4164494])
# fmt: on
EXPECTED_LOADINGS = ISLR_ROTATION * np.sign(ISLR_ROTATION.sum(axis=0))


def test_usarrests_eigenvalues_and_loadings():
    vals, loadings = pca_components(USARRESTS)
    np.testing.assert_allclose(np.sqrt(vals.to_numpy()), ISLR_SDEV, atol=1e-6)
    np.testing.assert_allclose(loadings.to_numpy(), EXPECTED_LOADINGS, atol=1e-6)


def test_usarrests_first_component_weights():
    w = pca_weights(USARRESTS, variant="first")
    np.testing.assert_allclose(w.to_numpy(), ISLR_ROTATION[:, 0] ** 2, atol=2e-6)


@pytest.mark.parametrize("n_components", [None, 2])
def test_usarrests_variance_weighted_weights(n_components):
    share = ISLR_SDEV**2 / (ISLR_SDEV**2).sum()
    K = 1 if n_components is None else n_components  # Kaiser: only λ1 = 2.48 exceeds 1
    beta = np.abs(ISLR_ROTATION[:, :K]) @ share[:K]
    w = pca_weights(USARRESTS, variant="variance", n_components=n_components)
    np.testing.assert_allclose(w.to_numpy(), beta / beta.sum(), atol=2e-6)


def test_usarrests_pca_index_uses_published_weights():
    """composite_index(method="pca") = Σ_j a_j1² z_ij with the published a_j1."""
    directions = dict.fromkeys(USARRESTS.columns, 1)
    s, _ = composite_index(USARRESTS.assign(year=1973), directions, method="pca")
    Z = (USARRESTS - USARRESTS.min()) / (USARRESTS.max() - USARRESTS.min())
    np.testing.assert_allclose(s.to_numpy(), Z.to_numpy() @ ISLR_ROTATION[:, 0] ** 2, atol=2e-6)


def test_iris_first_ten_rows_eigenvalues():
    # fmt: off
    iris10 = pd.DataFrame(
        [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [4.7, 3.2, 1.3, 0.2], [4.6, 3.1, 1.5, 0.2],
         [5.0, 3.6, 1.4, 0.2], [5.4, 3.9, 1.7, 0.4], [4.6, 3.4, 1.4, 0.3], [5.0, 3.4, 1.5, 0.2],
         [4.4, 2.9, 1.4, 0.2], [4.9, 3.1, 1.5, 0.1]],
        columns=["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"],
    )
    # fmt: on
    vals, _ = pca_components(iris10, directions={"Petal.Length": -1, "Petal.Width": -1})
    np.testing.assert_allclose(vals.to_numpy()[:2], [2.7523578, 0.6296417], atol=5e-8)
    np.testing.assert_allclose(
        (vals / vals.sum()).to_numpy()[:2], [0.6880895, 0.1574104], atol=5e-8
    )
