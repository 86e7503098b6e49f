"""Coupling coordination degree against published output.

Published: the R package mathmodels (Zhang Jingxin), documented examples
(pkgdown reference page of ``coupling`` and the R CMD check output of
``coupling_degree``, whose ``type = "adjusted"`` cites Wang Shujia, Kong Wei
et al. 2021, 自然资源学报 36(3): 793–810):

* n = 2, classic, equal and (0.6, 0.4) weights: C, T, D to 7 digits (tol 5e-8);
* n = 3, classic, equal weights: C, T, D to 3 digits (tol 5e-4);
* n = 3, corrected, weights (0.4, 0.3, 0.3): C, T, D to 3 digits (tol 5e-4).

No published example of the corrected formula for n = 2 was found; that case
is checked against an independent second implementation written in this file
from the paper's two-subsystem form C = sqrt{[1 − |U1 − U2|] · min(U)/max(U)}
(scalar ``math`` code, no shared helper), tolerance 1e-12.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imtfp.index import coupling_coordination

pytestmark = pytest.mark.reference

S1 = [0.0162, 0.1782, 0.5490, 0.6730, 0.0207, 0.9875]
S2 = [0.2720, 0.6824, 0.0593, 0.4812, 0.8891, 0.5573]
S3 = [0.2655, 0.3721, 0.5729, 0.9082, 0.2017, 0.8984]


def test_two_subsystems_classic_equal_weights():
    out = coupling_coordination(pd.DataFrame({"s1": S1, "s2": S2}))
    C = [0.4606573, 0.8104048, 0.5932335, 0.9860962, 0.2982253, 0.9604413]
    T = [0.14410, 0.43030, 0.30415, 0.57710, 0.45490, 0.77240]
    D = [0.2576446, 0.5905228, 0.4247729, 0.7543713, 0.3683242, 0.8613041]
    np.testing.assert_allclose(out["C"], C, atol=5e-8)
    np.testing.assert_allclose(out["T"], T, atol=5e-8)
    np.testing.assert_allclose(out["D"], D, atol=5e-8)
    # Ten-band levels of the published D values.
    assert list(out["level"]) == [
        "中度失调",
        "勉强协调",
        "濒临失调",
        "中级协调",
        "轻度失调",
        "良好协调",
    ]


def test_two_subsystems_classic_custom_weights():
    out = coupling_coordination(pd.DataFrame({"s1": S1, "s2": S2}), weights=[0.6, 0.4])
    T = [0.11852, 0.37988, 0.35312, 0.59628, 0.36806, 0.81542]
    D = [0.2336602, 0.5548483, 0.4576927, 0.7668047, 0.3313077, 0.8849650]
    np.testing.assert_allclose(out["T"], T, atol=5e-8)
    np.testing.assert_allclose(out["D"], D, atol=5e-8)


def test_three_subsystems_classic():
    out = coupling_coordination(pd.DataFrame({"s1": S1, "s2": S2, "s3": S3}))
    np.testing.assert_allclose(out["C"], [0.571, 0.867, 0.674, 0.967, 0.418, 0.971], atol=5e-4)
    np.testing.assert_allclose(out["T"], [0.185, 0.411, 0.394, 0.687, 0.370, 0.814], atol=5e-4)
    np.testing.assert_allclose(out["D"], [0.325, 0.597, 0.515, 0.815, 0.393, 0.889], atol=5e-4)


def test_three_subsystems_corrected():
    U = pd.DataFrame({"s1": S1, "s2": S2, "s3": S3})
    out = coupling_coordination(U, weights=[0.4, 0.3, 0.3], formula="corrected")
    np.testing.assert_allclose(out["C"], [0.447, 0.501, 0.455, 0.669, 0.175, 0.715], atol=5e-4)
    np.testing.assert_allclose(out["T"], [0.168, 0.388, 0.409, 0.686, 0.336, 0.832], atol=5e-4)
    np.testing.assert_allclose(out["D"], [0.274, 0.440, 0.432, 0.678, 0.242, 0.771], atol=5e-4)


def _corrected_two(u1: float, u2: float) -> float:
    """Second implementation: Wang et al. (2021) two-subsystem form, scalar code."""
    if u1 == u2:
        return 1.0
    low, high = min(u1, u2), max(u1, u2)
    return math.sqrt((1.0 - abs(u1 - u2)) * (low / high))


def test_two_subsystems_corrected_independent_implementation():
    out = coupling_coordination(pd.DataFrame({"s1": S1, "s2": S2}), formula="corrected")
    C = [_corrected_two(a, b) for a, b in zip(S1, S2)]
    D = [math.sqrt(c * (a + b) / 2) for c, a, b in zip(C, S1, S2)]
    np.testing.assert_allclose(out["C"], C, atol=1e-12)
    np.testing.assert_allclose(out["D"], D, atol=1e-12)
