"""Moran's I and the LM tests against PySAL's stored test output (an independent implementation).

SOURCES (PySAL, BSD-3; numbers copied from their test suites, data vendored in
tests/data/reference, see the README there):

* LM tests and Moran's I of OLS residuals — ``spreg/tests/test_diagnostics_sp.py``
  (github.com/pysal/spreg; ``TestLMtests``, ``TestMoranRes``): Columbus (Anselin 1988, Table
  12.1), ``HOVAL ~ INC + CRIME`` with an intercept, queen contiguity ``columbus.gal``
  row-standardised. LM error 3.097094 (p 0.078432), LM lag 0.981552 (0.321816), robust LM
  error 3.209187 (0.073226), robust LM lag 1.093645 (0.295665), SARMA 4.190739 (0.123025);
  Moran's I 0.17131, E[I] −0.034523, V[I] 0.00813049, z 2.282739.
* Moran's I of a variable — ``esda/tests/test_moran.py`` (github.com/pysal/esda; ``test_moran``):
  St Louis homicide rates HR8893 with ``stl.gal`` row-standardised, I = 0.24365582621771659,
  one-sided normal p = 0.00013573931385468807.

Our panel functions reduce to these cross-section statistics with one period (T = 1), and
``moran_panel`` gives each period of a two-period panel its own cross-section statistic.

TOLERANCE: rtol 1e-6 (spreg prints 6–7 significant digits); esda's I to 1e-12, p to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imtfp.models.spatial.diagnostics import moran_panel, spatial_diagnostics

pytestmark = pytest.mark.reference


def read_gal(path) -> pd.DataFrame:
    """A GAL file (header line with n, then 'id count' / neighbour ids) as a binary frame."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    n = int(lines[0][-1])
    ids = [int(lines[i][0]) for i in range(1, len(lines), 2)]
    W = pd.DataFrame(0.0, index=sorted(ids), columns=sorted(ids))
    for i in range(1, len(lines), 2):
        for j in lines[i + 1]:
            W.loc[int(lines[i][0]), int(j)] = 1.0
    assert W.shape == (n, n)
    return W


def row_std(W: pd.DataFrame) -> pd.DataFrame:
    return W.div(W.sum(axis=1), axis=0)


def test_lm_and_moran_columbus(reference_data):
    data = pd.read_csv(reference_data / "columbus.csv").assign(period=1)
    W = row_std(read_gal(reference_data / "columbus.gal"))
    out = spatial_diagnostics(
        data, "HOVAL ~ INC + CRIME", W, entity="POLYID", time="period", effects="none"
    )
    expected = {
        "lm_error": (3.097094, 0.078432),
        "lm_lag": (0.981552, 0.321816),
        "robust_lm_error": (3.209187, 0.073226),
        "robust_lm_lag": (1.093645, 0.295665),
        "lm_sarma": (4.190739, 0.123025),
    }
    for test, (stat, p) in expected.items():
        assert out.loc[test, "statistic"] == pytest.approx(stat, rel=1e-6), test
        assert out.loc[test, "p"] == pytest.approx(p, rel=1e-5), test
    moran = out.loc["moran_i"]
    assert moran["I"] == pytest.approx(0.17131, rel=1e-5)
    assert moran["mean"] == pytest.approx(-0.034523, rel=1e-5)
    assert moran["variance"] == pytest.approx(0.00813049, rel=1e-6)
    assert moran["statistic"] == pytest.approx(2.282739, rel=1e-6)


def test_moran_per_period_stl(reference_data):
    wide = pd.read_csv(reference_data / "stl_hom.csv")
    long = wide.melt(
        id_vars=["id"], value_vars=["HR8488", "HR8893"], var_name="period", value_name="hr"
    )
    W = row_std(read_gal(reference_data / "stl.gal"))
    out = moran_panel(long, "hr", W, entity="id", time="period")
    row = out.loc["HR8893"]
    assert row["I"] == pytest.approx(0.24365582621771659, rel=1e-12)
    assert row["p"] / 2 == pytest.approx(0.00013573931385468807, rel=1e-9)
    assert row["mean"] == pytest.approx(-1 / 77, rel=1e-12)


def test_pooled_moran_one_period_equals_cross_section(reference_data):
    """With one period the pooled statistic is the period's own (same formula, T = 1)."""
    wide = pd.read_csv(reference_data / "stl_hom.csv").assign(period=1)
    W = row_std(read_gal(reference_data / "stl.gal"))
    out = moran_panel(wide, "HR8893", W, entity="id", time="period")
    np.testing.assert_allclose(out.loc["pooled"].to_numpy(float), out.loc[1].to_numpy(float))
    assert out.loc[1, "I"] == pytest.approx(0.24365582621771659, rel=1e-12)
